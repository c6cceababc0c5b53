/**
 * Bidding strategies, chosen per scenario (`market.strategy`):
 *  - `zero-intelligence`, the case study's: sellers ask between FiT and EP, buyers bid below EP with LEM charges below
 *    ToU (its Figure 6 shows prices spread across those ranges), drawn afresh for every bid; batteries ask in the upper
 *    half for stored energy and bid in the lower third for charging energy;
 *  - `truthful`: every seller asks the least it accepts (FiT + 1 µEUR/kWh, or its minimum sell price), every buyer
 *    bids the most it may (the allowed maximum, or its maximum buy price; a battery its break-even, batteryBuyCap);
 *  - `adaptive`: Roth–Erev reinforcement learning (Roth & Erev 1995; Erev & Roth 1998) over ten price levels of the
 *    zero-intelligence range, per household and kind of bid: a level's propensity grows with the gain its fills
 *    brought against the grid (a seller's price above FiT, a buyer's price plus LEM charges below ToU), with
 *    forgetting (RECENCY) and experimentation (EXPERIMENTATION).
 * Household preferences narrow every range. All are seeded and deterministic.
 */
import type { Household } from "./community.js";
import { Random } from "./random.js";
import { askRange, bidRange, lemCharges, type Tariff, timeOfUse } from "./market/tariff.js";
import type { BatterySpec, Preferences, Scenario } from "./scenario/scenario.js";

export type BidKind = "surplus" | "demand" | "batterySell" | "batteryBuy";

export type StrategyName = "zero-intelligence" | "truthful" | "adaptive";
export const STRATEGIES: readonly StrategyName[] = ["zero-intelligence", "truthful", "adaptive"];

const sells = (kind: BidKind) => kind === "surplus" || kind === "batterySell";

/** The prices a household may name for a bid of `kind`, inclusive, or null when preferences leave none: asks within
 *  FiT < ask < EP from its minimum sell price; bids above FiT (a bid at or below FiT never meets an ask) within the
 *  bid range, up to its maximum buy price. */
export function allowedPrices(kind: BidKind, t: Tariff, prefs: Preferences): { lo: number; hi: number } | null {
  if (sells(kind)) {
    const r = askRange(t);
    const lo = Math.max(r.min, prefs.minSellPrice ?? 0);
    return lo > r.max ? null : { lo, hi: r.max };
  }
  const r = bidRange(t);
  const lo = Math.max(r.min, t.feedInTariff + 1);
  const hi = Math.min(r.max, prefs.maxBuyPrice ?? r.max);
  return hi < lo ? null : { lo, hi };
}

/** The zero-intelligence range of a bid of `kind`: stored energy is offered in the upper half of the allowed range,
 *  charging energy bought in its lower third. */
function drawRange(kind: BidKind, t: Tariff, prefs: Preferences): { lo: number; hi: number } | null {
  const r = allowedPrices(kind, t, prefs);
  if (!r) return null;
  if (kind === "batterySell") return { lo: Math.max(r.lo, Math.floor((r.lo + r.hi) / 2)), hi: r.hi };
  if (kind === "batteryBuy") return { lo: r.lo, hi: r.lo + Math.floor((r.hi - r.lo) / 3) };
  return r;
}

/** A zero-intelligence limit price (µEUR/kWh) for a bid of `kind`, or null when preferences leave no allowed price. */
export function pricesFor(kind: BidKind, t: Tariff, prefs: Preferences, rng: Random): number | null {
  const r = drawRange(kind, t, prefs);
  return r ? rng.int(r.lo, r.hi) : null;
}

/** The truthful limit price: the least a seller accepts, the most a buyer may pay. */
export function truthfulPrice(kind: BidKind, t: Tariff, prefs: Preferences): number | null {
  const r = allowedPrices(kind, t, prefs);
  return r ? (sells(kind) ? r.lo : r.hi) : null;
}

/** Roth–Erev: how many price levels a learner chooses among, how much of its propensities it forgets each round, and
 *  how much of a reward spills over to the other levels. */
export const ADAPTIVE_LEVELS = 10;
export const RECENCY = 0.1;
export const EXPERIMENTATION = 0.2;

/** One household's learner for one kind of bid: propensities over the price levels of its range. */
class RothErev {
  readonly q = new Float64Array(ADAPTIVE_LEVELS).fill(1);
  choose(rng: Random): number {
    const total = this.q.reduce((s, x) => s + x, 0);
    let u = rng.next() * total;
    for (let j = 0; j < ADAPTIVE_LEVELS; j++) {
      u -= this.q[j];
      if (u < 0) return j;
    }
    return ADAPTIVE_LEVELS - 1;
  }
  reinforce(chosen: number, reward: number) {
    const spill = (reward * EXPERIMENTATION) / (ADAPTIVE_LEVELS - 1);
    for (let j = 0; j < ADAPTIVE_LEVELS; j++) this.q[j] = (1 - RECENCY) * this.q[j] + (j === chosen ? reward * (1 - EXPERIMENTATION) : spill);
  }
}

/** A chosen limit price, with the level an adaptive learner chose it at. */
export interface PricedBid {
  price: number;
  level?: number;
}

/** A run's bidding strategy: a price per bid, and (adaptive) what each bid's fill teaches it. */
export interface BidStrategy {
  price(household: number, kind: BidKind, t: Tariff, prefs: Preferences, rng: Random): PricedBid | null;
  /** `filledWh` of the bid at `level` traded for `valueUnits` (Wh × µEUR/kWh). */
  learn(household: number, kind: BidKind, level: number, filledWh: number, valueUnits: number, t: Tariff): void;
}

export function bidStrategy(name: StrategyName): BidStrategy {
  if (name === "truthful") {
    return {
      price: (_h, kind, t, prefs) => {
        const price = truthfulPrice(kind, t, prefs);
        return price === null ? null : { price };
      },
      learn: () => {},
    };
  }
  if (name === "zero-intelligence") {
    return {
      price: (_h, kind, t, prefs, rng) => {
        const price = pricesFor(kind, t, prefs, rng);
        return price === null ? null : { price };
      },
      learn: () => {},
    };
  }
  const learners = new Map<string, RothErev>();
  const learner = (household: number, kind: BidKind) => {
    const key = `${household}:${kind}`;
    let l = learners.get(key);
    if (!l) {
      l = new RothErev();
      learners.set(key, l);
    }
    return l;
  };
  return {
    price(household, kind, t, prefs, rng) {
      const r = drawRange(kind, t, prefs);
      if (!r) return null;
      const level = learner(household, kind).choose(rng);
      return { price: r.lo + Math.round(((r.hi - r.lo) * level) / (ADAPTIVE_LEVELS - 1)), level };
    },
    learn(household, kind, level, filledWh, valueUnits, t) {
      // the gain against the grid, in euro-cents: a seller's above FiT, a buyer's below ToU after the LEM charges
      const gainUnits = sells(kind) ? valueUnits - filledWh * t.feedInTariff : filledWh * (timeOfUse(t) - lemCharges(t)) - valueUnits;
      learner(household, kind).reinforce(level, Math.max(0, gainUnits) / 1e7);
    },
  };
}

/**
 * A household's standing order for day mode (contracts/MarketDays.sol): limit prices drawn once, as the case study
 * draws a bid's (Figure 6), and kept for every interval. A prosumer sells its export for no less than `floor`
 * (within FiT < floor < EP, narrowed by its minimum sell price); every household buys its import for no more than
 * `cap` (above FiT, within the bid range, narrowed by its maximum buy price). Zero: not on that side.
 */
export function standingOrderFor(seller: boolean, t: Tariff, prefs: Preferences, rng: Random, strategy: StrategyName = "zero-intelligence"): StandingOrder {
  // a standing order is set once: truthful households keep their truthful limits, the others draw theirs (an adaptive
  // household has nothing to learn from before its first day)
  const price = (kind: BidKind) => (strategy === "truthful" ? truthfulPrice(kind, t, prefs) : pricesFor(kind, t, prefs, rng));
  return {
    floor: seller ? (price("surplus") ?? 0) : 0,
    cap: price("demand") ?? 0,
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
      ? standingOrderFor(h.class !== "consumer", scenario.suppliers[h.supplier].tariff.prices, h.preferences, rng.fork(h.index), scenario.market.strategy)
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
