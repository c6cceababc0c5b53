/**
 * The reference clearing: a uniform-price double auction per interval, identical to the contract's
 * (contracts/MarketClearing.sol). Sellers ascending by price, buyers descending, ties by bid index; the
 * greedy merge matches while bid ≥ ask; the price is the midpoint (rounded down) of the marginal pair.
 * For research, two discriminatory pricings of the same matches (the contract clears uniform only):
 *  - `pay-as-bid`, as gsy-e defines its two-sided pay-as-bid market: a matched pair trades at the buyer's bid;
 *  - `midpoint`: discriminatory k = 0.5 pricing, each pair at the midpoint of its own ask and bid.
 */

export type Side = "sell" | "buy";
/** `uniform` is pay-as-clear: every pair at the marginal pair's midpoint. */
export type Mechanism = "uniform" | "pay-as-bid" | "midpoint";
export const MECHANISMS: readonly Mechanism[] = ["uniform", "pay-as-bid", "midpoint"];

export interface OrderBid {
  /** Index of the bid within its interval, in submission order. */
  index: number;
  participant: string;
  side: Side;
  /** Energy in Wh. */
  wh: number;
  /** Limit price in µEUR/kWh. */
  price: number;
}

export interface Trade {
  sellIndex: number;
  buyIndex: number;
  seller: string;
  buyer: string;
  wh: number;
  price: number;
}

export interface ClearingResult {
  /** Uniform clearing price (µEUR/kWh), the marginal pair's midpoint; 0 when nothing matched. What each pair pays
   *  depends on the mechanism: see `trades` and `valueUnits`. */
  price: number;
  /** What buyers paid sellers, Σ trade Wh × its price (Wh × µEUR/kWh = nano-euro). */
  valueUnits: number;
  matchedWh: number;
  /** Positions of the marginal pair in the sorted orders; null when nothing matched. */
  marginal: { sellPos: number; buyPos: number } | null;
  sells: OrderBid[];
  buys: OrderBid[];
  trades: Trade[];
  /** Filled Wh per bid index. */
  fills: Map<number, number>;
}

export function sortOrders(bids: readonly OrderBid[]): { sells: OrderBid[]; buys: OrderBid[] } {
  const sells = bids.filter((b) => b.side === "sell").sort((a, b) => a.price - b.price || a.index - b.index);
  const buys = bids.filter((b) => b.side === "buy").sort((a, b) => b.price - a.price || a.index - b.index);
  return { sells, buys };
}

export function midpoint(ask: number, bid: number): number {
  return Math.floor((ask + bid) / 2);
}

/** Filled Wh of a bid with `cumBeforeWh` ahead of it in its side's order when `matchedWh` is matched. */
export function fillOf(matchedWh: number, cumBeforeWh: number, wh: number): number {
  return matchedWh <= cumBeforeWh ? 0 : Math.min(wh, matchedWh - cumBeforeWh);
}

export function clearInterval(bids: readonly OrderBid[], mechanism: Mechanism = "uniform"): ClearingResult {
  const { sells, buys } = sortOrders(bids);
  const pairs: Omit<Trade, "price">[] = [];
  const pairPrices: number[] = [];
  let i = 0;
  let j = 0;
  let sellLeft = sells[0]?.wh ?? 0;
  let buyLeft = buys[0]?.wh ?? 0;
  let matchedWh = 0;
  let marginal: ClearingResult["marginal"] = null;
  while (i < sells.length && j < buys.length && buys[j].price >= sells[i].price) {
    const wh = Math.min(sellLeft, buyLeft);
    pairs.push({ sellIndex: sells[i].index, buyIndex: buys[j].index, seller: sells[i].participant, buyer: buys[j].participant, wh });
    pairPrices.push(mechanism === "pay-as-bid" ? buys[j].price : midpoint(sells[i].price, buys[j].price));
    matchedWh += wh;
    marginal = { sellPos: i, buyPos: j };
    sellLeft -= wh;
    buyLeft -= wh;
    if (sellLeft === 0 && ++i < sells.length) sellLeft = sells[i].wh;
    if (buyLeft === 0 && ++j < buys.length) buyLeft = buys[j].wh;
  }
  const price = marginal ? midpoint(sells[marginal.sellPos].price, buys[marginal.buyPos].price) : 0;
  const trades = pairs.map((p, k) => ({ ...p, price: mechanism === "uniform" ? price : pairPrices[k] }));
  const fills = new Map<number, number>();
  let valueUnits = 0;
  for (const t of trades) {
    valueUnits += t.wh * t.price;
    fills.set(t.sellIndex, (fills.get(t.sellIndex) ?? 0) + t.wh);
    fills.set(t.buyIndex, (fills.get(t.buyIndex) ?? 0) + t.wh);
  }
  return { price, valueUnits, matchedWh, marginal, sells, buys, trades, fills };
}
