/**
 * Tariffs and the per-kWh arithmetic of the market (README, "How the market works"). Prices are integer µEUR per kWh.
 * Money is integer nano-euro ("units": Wh × µEUR/kWh = 1e-9 EUR), so every amount is exact.
 * Mirrors contracts/MarketMath.sol.
 */

/** Largest tariff component the contract stores (uint24 µEUR/kWh, 16.77 EUR/kWh). */
export const MAX_TARIFF_COMPONENT = 0xffffff;

/** Per-kWh tariff components of one supplier, in µEUR/kWh (the contract's `Tariff`). */
export interface Tariff {
  /** EP: energy price */
  energyPrice: number;
  /** RT: EEG, taxes and levies (RT_LEM = RT) */
  levies: number;
  /** ESM: supplier margin */
  supplierMargin: number;
  /** SOM: network operator fee */
  networkFee: number;
  /** FiT: feed-in tariff */
  feedInTariff: number;
  /** LEM: platform fee per P2P kWh */
  platformFee: number;
  /** ESM_LEM ≥ ESM */
  lemSupplierMargin: number;
  /** SOM_LEM ≥ SOM */
  lemNetworkFee: number;
}

export interface SupplierTariff {
  prices: Tariff;
  /** Daily supply charge in µEUR, billed in the interval that starts a day. */
  dailyChargeMicroEur: number;
}

export const TARIFF_FIELDS = [
  "energyPrice",
  "levies",
  "supplierMargin",
  "networkFee",
  "feedInTariff",
  "platformFee",
  "lemSupplierMargin",
  "lemNetworkFee",
] as const satisfies readonly (keyof Tariff)[];

/** ToU = EP + RT + ESM + SOM. */
export function timeOfUse(t: Tariff): number {
  return t.energyPrice + t.levies + t.supplierMargin + t.networkFee;
}

/** What a buyer pays per P2P kWh on top of the P2P price: LEM + RT + ESM_LEM + SOM_LEM. */
export function lemCharges(t: Tariff): number {
  return t.platformFee + t.levies + t.lemSupplierMargin + t.lemNetworkFee;
}

/** Allowed ask range: FiT < ask < EP (inclusive bounds returned). */
export function askRange(t: Tariff): { min: number; max: number } {
  return { min: t.feedInTariff + 1, max: t.energyPrice - 1 };
}

/** Allowed bid range: 0 < bid < EP and bid + LEM charges < ToU (inclusive bounds returned). */
export function bidRange(t: Tariff): { min: number; max: number } {
  return { min: 1, max: Math.min(t.energyPrice - 1, timeOfUse(t) - lemCharges(t) - 1) };
}

/** Why a bid falls outside its tariff's price range (askRange, bidRange) or its registered limit, or null: the bounds of
 *  MarketRelay.checkLimits and the per-interval tally, for one bid. */
export function bidBoundsProblem(side: "sell" | "buy", wh: number, price: number, t: Tariff, limitWh: number): string | null {
  const range = side === "sell" ? askRange(t) : bidRange(t);
  if (price < range.min || price > range.max) {
    return side === "sell"
      ? `ask at ${price} outside FiT ${t.feedInTariff} < ask < EP ${t.energyPrice}`
      : `bid at ${price} breaks 0 < bid < EP ${t.energyPrice} or bid + LEM charges < ToU ${timeOfUse(t)}`;
  }
  if (wh > limitWh) return `${wh} Wh above the registered limit of ${limitWh} Wh`;
  return null;
}

/** Why a tariff cannot be used, or null. Same rules as KiezMarket._setTariff. */
export function tariffProblem(t: Tariff): string | null {
  for (const field of TARIFF_FIELDS) {
    const v = t[field];
    if (!Number.isInteger(v) || v < 0 || v > MAX_TARIFF_COMPONENT) return `${field} must be an integer µEUR/kWh in 0..${MAX_TARIFF_COMPONENT} (got ${v})`;
  }
  if (t.lemSupplierMargin < t.supplierMargin) return `lemSupplierMargin (${t.lemSupplierMargin}) must be ≥ supplierMargin (${t.supplierMargin})`;
  if (t.lemNetworkFee < t.networkFee) return `lemNetworkFee (${t.lemNetworkFee}) must be ≥ networkFee (${t.networkFee})`;
  if (t.feedInTariff + 1 >= t.energyPrice)
    return `feedInTariff (${t.feedInTariff}) must be below energyPrice − 1 (${t.energyPrice - 1}) so sellers have a price range`;
  if (lemCharges(t) + 1 >= timeOfUse(t)) return `LEM charges (${lemCharges(t)}) leave buyers no price below ToU (${timeOfUse(t)})`;
  return null;
}

/** Worst-case cost of a buy bid in units (Wh × µEUR/kWh): the contract locks this × 1e9 wei. */
export function buyLockUnits(t: Tariff, wh: number, price: number): number {
  return wh * (price + lemCharges(t));
}

/** A supplier's tariff as the contract returns or emits it (`Tariff`, every field a number or bigint). */
export type TariffStruct = { [K in keyof Tariff | "dailyChargeMicroEur"]: number | bigint };

/** The engine's tariff of a tariff struct read from the chain (`tariffOf`, `TariffSet`). */
export function tariffFromChain(t: TariffStruct): SupplierTariff {
  const prices = Object.fromEntries(TARIFF_FIELDS.map((f) => [f, Number(t[f])])) as unknown as Tariff;
  return { prices, dailyChargeMicroEur: Number(t.dailyChargeMicroEur) };
}
