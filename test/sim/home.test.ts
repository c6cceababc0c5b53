import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { initialHome, parseHome, simulateHome } from "@kiezstrom/engine/home";

const ADDRESS = "0x2361000000000000000000000000000000001e8f";

describe("a household's own home", () => {
  it("comes back from JSON as it went in", () => {
    const home = initialHome(ADDRESS, "pvBattery", 1, { seed: 3, households: 20 });
    assert.deepEqual(parseHome(JSON.parse(JSON.stringify(home))), home);
  });

  it("refuses malformed or impossible homes, naming what is wrong", () => {
    const home = initialHome(ADDRESS, "pv", 0);
    assert.throws(() => parseHome(null), /home must be an object/);
    assert.throws(() => parseHome({ ...home, class: "factory" }), /home.class/);
    assert.throws(() => parseHome({ ...home, pvKWp: "9" }), /home.pvKWp must be a number/);
    assert.throws(() => parseHome({ ...home, appliances: [{ name: "Oven", ratedW: 2000, start: "12:00" }] }), /appliances\[0\].durationMin/);
    assert.throws(() => parseHome({ ...home, preferences: { batteryReservePct: 30 } }), /autoTrading/);
    assert.throws(() => parseHome({ ...home, annualKWh: -5 }), /Yearly consumption/);
  });

  it("meters what its appliances draw when it has no PV", async () => {
    const home = { ...initialHome(ADDRESS, "pv", 0), pvKWp: 0, appliances: [{ name: "Heat pump", ratedW: 2000, start: "00:00", durationMin: 1440 }] };
    const day = await simulateHome(home, "2023-06-21");
    assert.ok(day.importWh.every((wh) => wh === 500));
    assert.ok(day.exportWh.every((wh) => wh === 0));
  });
});
