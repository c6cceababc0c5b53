/**
 * What a transaction costs in euro on a chain. Execution: W = c × g × z × 1e-18 (c: native token price in EUR, g: gas
 * used, z: gas price in wei), the case study's formula. A rollup adds the L1 data fee of the transaction's compressed
 * size, as the rollup itself computes it (OP Stack after Fjord: FastLZ size; Arbitrum: brotli size). Chain profiles
 * are inputs (sim/data/chain-profiles.json, each dated, with its source); nothing is fetched live.
 */
import profiles from "./data/chain-profiles.json" with { type: "json" };

/** An OP Stack chain's L1 data fee after Fjord (its GasPriceOracle's inputs). */
export interface OpStackFjordFee {
  kind: "op-stack-fjord";
  l1BaseFeeGwei: number;
  l1BlobBaseFeeGwei: number;
  /** Scaled by 1e6, as the GasPriceOracle holds them. */
  baseFeeScalar: number;
  blobBaseFeeScalar: number;
}

/** Arbitrum's L1 data fee: the brotli-compressed size × 16 units a byte × the L1 price per unit. */
export interface ArbitrumFee {
  kind: "arbitrum";
  l1PricePerUnitGwei: number;
  brotliLevel: number;
}

export interface ChainProfile {
  name: string;
  /** EUR per native token (ETH, POL, ...). */
  eurPerNative: number;
  /** Gas price in gwei. */
  gwei: number;
  /** A rollup's L1 data fee; absent on an L1. */
  l1Data?: OpStackFjordFee | ArbitrumFee;
  /** When the figures were taken, and where from. */
  asOf?: string;
  source?: string;
}

/** A chain profile read from JSON, checked field by field; throws with the field and the fix. */
export function parseChainProfile(key: string, raw: unknown): ChainProfile {
  if (!/^[a-z][a-z0-9-]*$/.test(key)) throw new Error(`chain key "${key}" must be lower-case letters, digits and dashes`);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${key} must be an object`);
  const p = raw as Record<string, unknown>;
  const positive = (field: string, v: unknown, where = `${key}.${field}`): number => {
    if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new Error(`${where} must be a positive number`);
    return v;
  };
  const text = (field: string) => {
    const v = p[field];
    if (v !== undefined && typeof v !== "string") throw new Error(`${key}.${field} must be text`);
    return v as string | undefined;
  };
  const profile: ChainProfile = {
    name: typeof p.name === "string" && p.name ? p.name : key,
    eurPerNative: positive("eurPerNative", p.eurPerNative),
    gwei: positive("gwei", p.gwei),
    asOf: text("asOf"),
    source: text("source"),
  };
  if (p.l1Data !== undefined) {
    const d = p.l1Data as Record<string, unknown>;
    const at = (f: string) => `${key}.l1Data.${f}`;
    if (d?.kind === "op-stack-fjord") {
      profile.l1Data = {
        kind: "op-stack-fjord",
        l1BaseFeeGwei: positive("", d.l1BaseFeeGwei, at("l1BaseFeeGwei")),
        l1BlobBaseFeeGwei: positive("", d.l1BlobBaseFeeGwei, at("l1BlobBaseFeeGwei")),
        baseFeeScalar: positive("", d.baseFeeScalar, at("baseFeeScalar")),
        blobBaseFeeScalar: positive("", d.blobBaseFeeScalar, at("blobBaseFeeScalar")),
      };
    } else if (d?.kind === "arbitrum") {
      const level = d.brotliLevel;
      if (typeof level !== "number" || !Number.isInteger(level) || level < 0 || level > 11)
        throw new Error(`${at("brotliLevel")} must be a whole number from 0 to 11`);
      profile.l1Data = { kind: "arbitrum", l1PricePerUnitGwei: positive("", d.l1PricePerUnitGwei, at("l1PricePerUnitGwei")), brotliLevel: level };
    } else {
      throw new Error(`${at("kind")} must be "op-stack-fjord" or "arbitrum"`);
    }
  }
  return profile;
}

/** Every profile of sim/data/chain-profiles.json: the case study's 2023 prices and dated 2026 ones. */
export const CHAIN_PROFILES: Record<string, ChainProfile> = Object.fromEntries(
  Object.entries(profiles).map(([key, raw]) => [key, parseChainProfile(key, raw)]),
);

/** The case study's two chains at its prices (2023). */
export const DEFAULT_CHAINS: Record<string, ChainProfile> = { ethereum: CHAIN_PROFILES.ethereum, polygon: CHAIN_PROFILES.polygon };

/** A signed transaction's size as a rollup prices it. */
export interface TxData {
  /** FastLZ-compressed size of the signed transaction, bytes (sim/fastlz.ts). */
  fastLzBytes: number;
  /** Brotli-compressed size at the chain's level, bytes, keyed by level. */
  brotliBytes: Record<number, number>;
}

/** OP Stack Fjord: the intercept and slope of the size estimate, scaled by 1e6, and the smallest size it charges. */
const FJORD_INTERCEPT = -42_585_600;
const FJORD_FASTLZ_COEF = 836_500;
const FJORD_MIN_SIZE_SCALED = 100e6;

/** A rollup's L1 data fee for one transaction, in wei of its native token (0 on an L1). */
export function l1DataFeeWei(tx: TxData, chain: ChainProfile): number {
  const fee = chain.l1Data;
  if (!fee) return 0;
  if (fee.kind === "op-stack-fjord") {
    const size = Math.max(FJORD_MIN_SIZE_SCALED, FJORD_INTERCEPT + FJORD_FASTLZ_COEF * tx.fastLzBytes);
    return (size * (fee.baseFeeScalar * fee.l1BaseFeeGwei * 1e9 * 16 + fee.blobBaseFeeScalar * fee.l1BlobBaseFeeGwei * 1e9)) / 1e12;
  }
  const brotli = tx.brotliBytes[fee.brotliLevel];
  if (brotli === undefined) throw new Error(`no brotli size at level ${fee.brotliLevel} for ${chain.name}`);
  return brotli * 16 * fee.l1PricePerUnitGwei * 1e9;
}

/** W = c × g × z × 1e-18, with z = gwei × 1e9. */
export function gasCostEur(gas: number, chain: ChainProfile): number {
  return chain.eurPerNative * gas * chain.gwei * 1e-9;
}

/** `x` rounded to `digits` decimals. */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The signed transactions that together stand for `units` of an action (bids, participant-intervals, household-days). */
export interface TxBasket {
  txs: TxData[];
  units: number;
}

/** A rollup's L1 data fee per unit of a basket, EUR (0 on an L1): the fee of each transaction, over the units. */
export function l1DataEurPerUnit(basket: TxBasket, chain: ChainProfile): number {
  let wei = 0;
  for (const tx of basket.txs) wei += l1DataFeeWei(tx, chain);
  return (wei * chain.eurPerNative * 1e-18) / basket.units;
}

/** What the chain costs a participant per day beside what the market saves it, per chain profile, in EUR to the µEUR.
 *  `l1DataEurPerDay` adds a rollup's L1 data fee per participant-day, per chain key. */
export function costPerDay(
  gasPerDay: number,
  savingEur: number,
  chains: Record<string, ChainProfile> = DEFAULT_CHAINS,
  l1DataEurPerDay: Record<string, number> = {},
) {
  return Object.fromEntries(
    Object.entries(chains).map(([k, chain]) => {
      const costEur = gasCostEur(gasPerDay, chain) + (l1DataEurPerDay[k] ?? 0);
      return [k, { gas: Math.round(gasPerDay), costEur: roundTo(costEur, 6), savingEur: roundTo(savingEur, 6), netEur: roundTo(savingEur - costEur, 6) }];
    }),
  );
}

/** The gas of the actions a household-day is made of, per unit (bench:gas's names, as gas-snapshot.json holds them). */
export interface ActionGasFigures {
  bid: number;
  relayedBid: number;
  clear: number;
  meter: number;
  billAndSettle: number;
}

/**
 * One household-day in interval mode from per-action gas: `bidsPerHouseholdDay` bids, half direct and half relayed, each
 * ordered and cleared; and in every interval the household metered, billed and settled (one meter page, billed and
 * settled in one transaction).
 */
export function intervalHouseholdDayGas(a: ActionGasFigures, bidsPerHouseholdDay: number, intervals: number): number {
  return bidsPerHouseholdDay * ((a.bid + a.relayedBid) / 2 + a.clear) + intervals * (a.meter + a.billAndSettle);
}
