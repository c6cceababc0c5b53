/**
 * A home battery over 15-minute steps (case study eqs. 29–38): SOC between min and max, charge and discharge
 * power limits, charge and discharge efficiencies. A battery never charges and discharges in one interval:
 * callers charge or discharge, and `Battery.step` resets the interval.
 */
import type { BatterySpec } from "./scenario/scenario.js";

const HOURS_PER_INTERVAL = 0.25;
/** Whole-Wh flows are floored; this absorbs float noise so equal states floor equally whatever their history. */
const EPSILON_WH = 1e-6;

export class Battery {
  /** Stored energy, Wh. */
  socWh: number;
  private chargedWh = 0; // delivered into the battery this interval (before losses)
  private dischargedWh = 0; // delivered out of the battery this interval (after losses)

  constructor(readonly spec: BatterySpec) {
    this.socWh = spec.initialSoc * spec.capacityWh;
  }

  get minWh(): number {
    return this.spec.minSoc * this.spec.capacityWh;
  }

  get maxWh(): number {
    return this.spec.maxSoc * this.spec.capacityWh;
  }

  /** Starts a new interval: power limits apply afresh. */
  step(): void {
    this.chargedWh = 0;
    this.dischargedWh = 0;
  }

  /** Wh the battery can still take in this interval (input side, before losses). */
  chargeRoomWh(): number {
    if (this.dischargedWh > 0) return 0;
    const byPower = this.spec.maxChargeW * HOURS_PER_INTERVAL - this.chargedWh;
    const bySoc = (this.maxWh - this.socWh) / this.spec.chargeEfficiency;
    return Math.max(0, Math.floor(Math.min(byPower, bySoc) + EPSILON_WH));
  }

  /** Wh the battery can still deliver in this interval, keeping `floorWh` stored (default: min SOC). */
  dischargeAvailableWh(floorWh = this.minWh): number {
    if (this.chargedWh > 0) return 0;
    const byPower = this.spec.maxDischargeW * HOURS_PER_INTERVAL - this.dischargedWh;
    const bySoc = (this.socWh - Math.max(floorWh, this.minWh)) * this.spec.dischargeEfficiency;
    return Math.max(0, Math.floor(Math.min(byPower, bySoc) + EPSILON_WH));
  }

  /** Charges `wh` (input). Throws if it would break a limit: callers size by chargeRoomWh. */
  charge(wh: number): void {
    if (wh <= 0) return;
    if (wh > this.chargeRoomWh()) throw new Error(`battery cannot take ${wh} Wh now (room ${this.chargeRoomWh()} Wh)`);
    this.chargedWh += wh;
    this.socWh += wh * this.spec.chargeEfficiency;
    // less than a whole Wh of room is unusable: snap to full, so batteries at a bound are equal whatever their history
    if ((this.maxWh - this.socWh) / this.spec.chargeEfficiency < 1) this.socWh = this.maxWh;
  }

  /** Discharges `wh` (delivered). Throws if it would break a limit. */
  discharge(wh: number): void {
    if (wh <= 0) return;
    if (wh > this.dischargeAvailableWh()) throw new Error(`battery cannot deliver ${wh} Wh now (available ${this.dischargeAvailableWh()} Wh)`);
    this.dischargedWh += wh;
    this.socWh -= wh / this.spec.dischargeEfficiency;
    // less than a whole deliverable Wh left is unusable: snap to empty (see charge)
    if ((this.socWh - this.minWh) * this.spec.dischargeEfficiency < 1) this.socWh = this.minWh;
  }

  get isCharging(): boolean {
    return this.chargedWh > 0;
  }

  get isDischarging(): boolean {
    return this.dischargedWh > 0;
  }
}
