/**
 * The market contract's vocabulary as the engine, the scripts and the dApp share it: enum values, the EIP-712
 * bid type, and the unit conversion between the engine's nano-euro and the token's wei.
 */

/** KiezMarket's `Side`. */
export const SIDE = { sell: 1, buy: 2 } as const;
/** KiezMarket's `Phase`, indexed by its value. */
export const PHASE = ["None", "Open", "Clearing", "Cleared", "Metering", "Metered", "Billing", "Billed", "Settling", "Settled", "Refunding", "Refunded"] as const;
export type PhaseName = (typeof PHASE)[number];
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

/** A signed bid's terms in one word, as KiezMarket.submitSignedBids takes them (MarketMath.packSignedTerms). */
export function packSignedTerms(t: { side: number; wh: number; price: number; nonce: number | bigint; deadline: number | bigint }): bigint {
  return (BigInt(t.side) << 152n) | (BigInt(t.wh) << 128n) | (BigInt(t.price) << 96n) | (BigInt(t.nonce) << 64n) | BigInt(t.deadline);
}

/** An order names a relayed bid by this bit plus its position in the batches handed back (OrderRef.sol). */
export const HANDED_BACK = 0x80000000;

/** How an order names a bid (contracts/OrderRef.sol): a direct bid by its index, a relayed one by its position. */
export const orderRef = {
  direct: (bidIndex: number): number => bidIndex,
  handedBack: (position: number): number => HANDED_BACK + position,
};

/** A placed bid as the market keeps it in one word (MarketMath.packBid). Side 0 is a cancelled bid. */
export interface BidWord {
  participant: string;
  side: number;
  wh: number;
  price: number;
}

/** participant << 96 | side << 88 | wh << 64 | price << 32 */
export function packBid(b: BidWord): bigint {
  return (BigInt(b.participant) << 96n) | (BigInt(b.side) << 88n) | (BigInt(b.wh) << 64n) | (BigInt(b.price) << 32n);
}

export function unpackBid(word: bigint): BidWord {
  return {
    participant: "0x" + (word >> 96n).toString(16).padStart(40, "0"),
    side: Number((word >> 88n) & 0xffn),
    wh: Number((word >> 64n) & 0xffffffn),
    price: Number((word >> 32n) & 0xffffffffn),
  };
}

/** A bid word with its side cleared, as a cancelled bid stays in its batch (MarketMath.cancelled). */
export function cancelledBid(word: bigint): bigint {
  return word & ~(0xffn << 88n);
}

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
    const bid = unpackBid(w);
    return { index: b.firstBidIndex + k, participant: bid.participant.toLowerCase(), side: bid.side === SIDE.sell ? "sell" : "buy", wh: bid.wh, price: bid.price };
  });
}

/** Applies a BidCancelled event to the batches: the bid's word keeps its terms with side None. */
export function cancelInBatches(batches: readonly BidBatch[], bidIndex: number): void {
  const at = findBidInBatches(batches, bidIndex);
  if (at) at.batch.bids[at.position] = cancelledBid(at.batch.bids[at.position]);
}

/** The batch holding a bid index, and the bid's position in it. */
export function findBidInBatches(batches: readonly BidBatch[], bidIndex: number): { batch: BidBatch; position: number } | undefined {
  const batch = batches.find((b) => bidIndex >= b.firstBidIndex && bidIndex < b.firstBidIndex + b.bids.length);
  return batch && { batch, position: bidIndex - batch.firstBidIndex };
}
