import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";

import { Battery } from "@kiezstrom/engine/battery";
import { DEFAULT_SCENARIO } from "@kiezstrom/engine/scenario/scenario";

const SPEC = DEFAULT_SCENARIO.households.battery; // 12.5 kWh, 3.3 kW, 95%/95%, SOC 10–95%, starts at 30%

describe("battery", () => {
  it("hand-checked steps: power limit, efficiency, SOC bounds", () => {
    const b = new Battery(SPEC);
    assert.equal(b.socWh, 3750);
    assert.equal(b.chargeRoomWh(), 825); // 3.3 kW × 0.25 h
    b.charge(825);
    assert.equal(b.socWh, 3750 + 825 * 0.95);
    assert.equal(b.chargeRoomWh(), 0);
    assert.equal(b.dischargeAvailableWh(), 0, "no discharge in an interval that charged");
    b.step();
    assert.equal(b.dischargeAvailableWh(), 825);
    b.discharge(500);
    assert.ok(Math.abs(b.socWh - (3750 + 783.75 - 500 / 0.95)) < 1e-9);
    assert.equal(b.chargeRoomWh(), 0, "no charge in an interval that discharged");
    assert.throws(() => b.discharge(400));
  });

  it("never leaves its SOC bounds and never charges and discharges in one interval (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -2000, max: 2000 }), { maxLength: 300 }), (requests) => {
        const b = new Battery(SPEC);
        for (const r of requests) {
          b.step();
          if (r > 0) b.charge(Math.min(r, b.chargeRoomWh()));
          else b.discharge(Math.min(-r, b.dischargeAvailableWh()));
          assert.ok(!(b.isCharging && b.isDischarging));
          assert.ok(b.socWh >= b.minWh - 1e-9 && b.socWh <= b.maxWh + 1e-9);
        }
      }),
    );
  });
});
