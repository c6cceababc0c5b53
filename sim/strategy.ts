/**
 * Bidding strategies. The case study's: sellers ask between FiT and EP, buyers bid below EP with LEM charges
 * below ToU (its Figure 6 shows prices spread across those ranges). Household preferences narrow the ranges;
 * batteries ask high for stored energy and bid low for charging energy.
 */
import type { Household } from "./community.js";
import { Random } from "./random.js";
import { askRange, bidRange, lemCharges, type Tariff, timeOfUse } from "./market/tariff.js";
import type { BatterySpec, Preferences, Scenario } from "./scenario/scenario.js";

export type BidKind = "surplus" | "demand" | "batterySell" | "batteryBuy";

/** A limit price (µEUR/kWh) for a bid of `kind`, or null when preferences leave no allowed price. */
export function pricesFor(kind: BidKind, t: Tariff, prefs: Preferences, rng: Random): number | null {
  if (kind === "surplus" || kind === "batterySell") {
    const r = askRange(t);
    const lo = Math.max(r.min, prefs.minSellPrice ?? 0);
    if (lo > r.max) return null;
    // stored energy is offered in the upper half of the range
    const from = kind === "batterySell" ? Math.max(lo, Math.floor((lo + r.max) / 2)) : lo;
    return rng.int(from, r.max);
  }
  const r = bidRange(t);
  // a bid at or below FiT can never meet an ask, which is always above FiT
  const lo = Math.max(r.min, t.feedInTariff + 1);
  const hi = Math.min(r.max, prefs.maxBuyPrice ?? r.max);
  if (hi < lo) return null;
  // charging energy is bought in the lower third of the range
  const to = kind === "batteryBuy" ? lo + Math.floor((hi - lo) / 3) : hi;
  return rng.int(lo, to);
}

/**
 * A household's standing order for day mode (contracts/MarketDays.sol): limit prices drawn once, as the case study
 * draws a bid's (Figure 6), and kept for every interval. A prosumer sells its export for no less than `floor`
 * (within FiT < floor < EP, narrowed by its minimum sell price); every household buys its import for no more than
 * `cap` (above FiT, within the bid range, narrowed by its maximum buy price). Zero: not on that side.
 */
export function standingOrderFor(sells: boolean, t: Tariff, prefs: Preferences, rng: Random): StandingOrder {
  return {
    floor: sells ? (pricesFor("surplus", t, prefs, rng) ?? 0) : 0,
    cap: pricesFor("demand", t, prefs, rng) ?? 0,
  };
}

/** A day-mode standing order: limit prices in µEUR/kWh, zero where the household is not on that side. */
export interface StandingOrder {
  floor: number;
  cap: number;
}

/**
 * Every household's standing order in a day-mode run of `scenario`, seeded by the scenario's seed and the household's
 * index (the engine and the on-chain demo draw the same ones). A household that does not trade automatically keeps
 * none.
 */
export function standingOrdersOf(scenario: Scenario, homes: readonly Household[]): StandingOrder[] {
  const rng = new Random(`${scenario.seed}:standing-orders`);
  return homes.map((h) =>
    h.preferences.autoTrading
      ? standingOrderFor(h.class !== "consumer", scenario.suppliers[h.supplier].tariff.prices, h.preferences, rng.fork(h.index))
      : { floor: 0, cap: 0 },
  );
}

/**
 * The most a battery bids for a kWh from peers (µEUR/kWh) so that the purchase pays for itself: stored now, the kWh is
 * worth later what it saves at the time-of-use price after the round trip (charged at ηc, discharged at ηd), and its
 * purchase carries the LEM charges: bid + LEM charges < ToU × ηc × ηd (the case study's eqs. 20–21, no household worse
 * off than BAU, for the energy a battery buys).
 */
export function batteryBuyCap(t: Tariff, battery: BatterySpec): number {
  return Math.floor(timeOfUse(t) * battery.chargeEfficiency * battery.dischargeEfficiency) - lemCharges(t) - 1;
}

/** What a battery's charge is worth to its home at the end of a run (nano-euro): the time-of-use import it will save
 *  once discharged (Wh × ηd × ToU). Valued alike in BAU and LEM, so that a run's length does not decide a result. */
export function storedEnergyValueNano(socWh: number, t: Tariff, battery: BatterySpec): number {
  return Math.round(socWh * battery.dischargeEfficiency * timeOfUse(t));
}
