import { describe, expect, it } from "vitest";

import { homeProblem, initialHome, loadHome, saveHome, simulateHome } from "../src/lib/home";

const ADDRESS = "0x2361000000000000000000000000000000001e8f";

describe("My Home", () => {
  it("starts from the same stand-in home every time, with auto-trading off", () => {
    const a = initialHome(ADDRESS, "pvBattery", 0, { seed: 7, households: 40 });
    expect(initialHome(ADDRESS, "pvBattery", 0, { seed: 7, households: 40 })).toEqual(a);
    expect(a.preferences.autoTrading).toBe(false);
    expect(a.battery).not.toBeNull();
    expect(initialHome(ADDRESS, "consumer", 0).pvKWp).toBe(0);
  });

  it("simulates a June day: 96 intervals, PV at noon not at night, the battery within its limits", async () => {
    const home = initialHome(ADDRESS, "pvBattery", 0, { seed: 7, households: 40 });
    const day = await simulateHome(home, "2023-06-21", 7);
    expect(day.loadWh).toHaveLength(96);
    expect(day.pvWh[48]).toBeGreaterThan(0);
    expect(day.pvWh[4]).toBe(0);
    const b = home.battery!;
    for (const soc of day.socWh) {
      expect(soc).toBeGreaterThanOrEqual(b.minSoc * b.capacityWh - 1);
      expect(soc).toBeLessThanOrEqual(b.maxSoc * b.capacityWh + 1);
    }
  });

  it("takes its load from listed appliances", async () => {
    const home = { ...initialHome(ADDRESS, "consumer", 0), appliances: [{ name: "Oven", ratedW: 2000, start: "12:00", durationMin: 30 }] };
    const day = await simulateHome(home, "2023-06-21");
    expect(day.loadWh[48]).toBe(500);
    expect(day.loadWh[50]).toBe(0);
  });

  it("refuses impossible homes with a reason", () => {
    const home = initialHome(ADDRESS, "pvBattery", 0);
    expect(homeProblem(home)).toBeNull();
    expect(homeProblem({ ...home, pvKWp: -1 })).toMatch(/PV/);
    expect(homeProblem({ ...home, appliances: [{ name: "Kettle", ratedW: 2000, start: "25:00", durationMin: 5 }] })).toMatch(/HH:MM/);
    expect(homeProblem({ ...home, battery: { ...home.battery!, minSoc: 0.9, maxSoc: 0.5 } })).toMatch(/Battery limits/);
  });

  it("keeps edits per address in this browser", () => {
    const home = initialHome(ADDRESS, "pv", 1);
    saveHome(ADDRESS, { ...home, pvKWp: 9.9 });
    expect(loadHome(ADDRESS.toUpperCase().replace("0X", "0x"))?.pvKWp).toBe(9.9);
    expect(loadHome("0x0000000000000000000000000000000000000001")).toBeNull();
  });
});
