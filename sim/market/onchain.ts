/**
 * The market contract's vocabulary as the engine, the scripts and the dApp share it: enum values, the EIP-712
 * bid type, the unit conversion between the engine's nano-euro and the token's wei, and relayed batches. The packed
 * words themselves are in ./words.ts.
 */
import { bidWord } from "./words.js";

/** KiezMarket's `Side`. */
export const SIDE = { sell: 1, buy: 2 } as const;
/** The name of a live bid's Side value (1 sell, 2 buy). */
export const sideName = (side: number | bigint): "sell" | "buy" => (Number(side) === SIDE.sell ? "sell" : "buy");
/** KiezMarket's `Phase`, indexed by its value. */
export const PHASE = [
  "None",
  "Open",
  "Clearing",
  "Cleared",
  "Metering",
  "Metered",
  "Billing",
  "Billed",
  "Settling",
  "Settled",
  "Refunding",
  "Refunded",
] as const;
export type PhaseName = (typeof PHASE)[number];
/** The value of a Phase by its name, as the contract's errors and views carry it. */
export const phaseValue = (name: PhaseName): number => PHASE.indexOf(name);
/** KiezMarket's participant class. */
export const CLASS = { consumer: 1, pv: 2, pvBattery: 3 } as const;
export const CLASS_NAMES = { 1: "consumer", 2: "pv", 3: "pvBattery" } as const;
/** The smallest bid the market takes, Wh (MarketRelay.MIN_BID_WH). */
export const MIN_BID_WH = 10;
/** The most live bids one participant may have in one interval (MarketRelay.MAX_PARTICIPANT_BIDS). */
export const MAX_PARTICIPANT_BIDS = 7;
/** The highest import or export limit a registration may carry, Wh per interval (KiezMarket.MAX_LIMIT_WH). */
export const MAX_LIMIT_WH = 262_143;
/** The marginal sell position that means "nothing traded". */
export const NO_TRADE = 0xffffffff;
/** One engine unit (Wh × µEUR/kWh = 1e-9 EUR) in token wei (18 decimals). */
export const WEI_PER_UNIT = 1_000_000_000n;

/** EIP-712 domain name and version of KiezMarket. */
export const BID_DOMAIN = { name: "Kiezstrom Market", version: "1" } as const;
/** The EIP-712 type of a signed bid. The signer is the participant, so no address is part of it. */
export const EIP712_BID_TYPES = {
  Bid: [
    { name: "interval", type: "uint32" },
    { name: "side", type: "uint8" },
    { name: "wh", type: "uint24" },
    { name: "price", type: "uint32" },
    { name: "nonce", type: "uint32" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

/** The EIP-2612 permit type of the settlement euro, for a deposit in one transaction (KiezMarket.depositWithPermit). */
export const EIP2612_PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/**
 * A relayed batch of signed bids as placed (event BidsPlaced), with cancellations applied: the market stores only
 * its digest, and whoever orders the interval or cancels one of its bids hands it back in this form. Bid k has
 * index `firstBidIndex + k`.
 */
export interface BidBatch {
  batch: number;
  firstBidIndex: number;
  bids: bigint[];
}

/** The bids of a batch as placed, with their indexes (participants in lower case). */
export function batchBids(b: BidBatch): { index: number; participant: string; side: "sell" | "buy"; wh: number; price: number }[] {
  return b.bids.map((w, k) => {
    const bid = bidWord.unpack(w);
    return { index: b.firstBidIndex + k, participant: bid.participant.toLowerCase(), side: sideName(bid.side), wh: bid.wh, price: bid.price };
  });
}

/** Applies a BidCancelled event to the batches: the bid's word keeps its terms with side None. */
export function cancelInBatches(batches: readonly BidBatch[], bidIndex: number): void {
  const at = findBidInBatches(batches, bidIndex);
  if (at) at.batch.bids[at.position] = bidWord.cancelled(at.batch.bids[at.position]);
}

/** The batch holding a bid index, and the bid's position in it. */
export function findBidInBatches(batches: readonly BidBatch[], bidIndex: number): { batch: BidBatch; position: number } | undefined {
  const batch = batches.find((b) => bidIndex >= b.firstBidIndex && bidIndex < b.firstBidIndex + b.bids.length);
  return batch && { batch, position: bidIndex - batch.firstBidIndex };
}
