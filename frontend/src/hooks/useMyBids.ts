/** A household's own bids, newest first, with how much of each filled once its interval cleared. */
import { clearInterval } from "@kiezstrom/engine/market/clearing";
import { type BidBatch, findBidInBatches } from "@kiezstrom/engine/market/onchain";
import { useMarket } from "../lib/market";
import type { Page } from "../lib/indexer";
import { fromRecent, useIndexed, type Loaded } from "./loaded";

export interface MyBid {
  interval: number;
  index: number;
  side: "sell" | "buy";
  wh: number;
  price: number;
  cancelled: boolean;
  relayed: boolean;
  /** Wh traded, once the interval cleared; null before. */
  filledWh: number | null;
  /** The interval's uniform price once cleared (µEUR/kWh). */
  clearedPrice: number | null;
  gateClosesAt: number;
}

interface BidRow {
  interval: number;
  bidIndex: number;
  side: "sell" | "buy";
  wh: number;
  price: number;
  cancelled: boolean;
  relayed: boolean;
  filledWh: number | null;
  of: { phase: string; price: number | null; gateClosesAt: number } | null;
}

export function useMyBids(me: string, limit = 30): Loaded<MyBid[]> {
  const { indexer, rebuild, loadingHistory } = useMarket();
  const who = me.toLowerCase();
  const indexed = useIndexed(["my-bids", who, limit], async (ix) => {
    const data = await ix.query<{ bids: Page<BidRow> }>(
      `query ($who: String!, $limit: Int!) { bids(where: { participant: $who }, orderBy: "interval", orderDirection: "desc", limit: $limit) {
        items { interval bidIndex side wh price cancelled relayed filledWh of { phase price gateClosesAt } } } }`,
      { who, limit },
    );
    return data.bids.items.map((b) => ({
      interval: b.interval,
      index: b.bidIndex,
      side: b.side,
      wh: b.wh,
      price: b.price,
      cancelled: b.cancelled,
      relayed: b.relayed,
      filledWh: b.filledWh,
      clearedPrice: b.filledWh !== null ? (b.of?.price ?? null) : null,
      gateClosesAt: b.of?.gateClosesAt ?? 0,
    }));
  });
  if (indexer) return indexed;
  const mine: MyBid[] = [];
  for (const [id, s] of [...rebuild.intervals].sort((a, b) => b[0] - a[0])) {
    const own = s.bids.filter((b) => b.participant === who);
    if (own.length === 0) continue;
    const fills = s.cleared ? clearInterval(s.bids.filter((b) => !b.cancelled)).fills : null;
    for (const b of own) {
      mine.push({
        interval: id,
        index: b.index,
        side: b.side,
        wh: b.wh,
        price: b.price,
        cancelled: b.cancelled,
        relayed: findBidInBatches(s.batches, b.index) !== undefined,
        filledWh: fills ? (b.cancelled ? 0 : (fills.get(b.index) ?? 0)) : null,
        clearedPrice: s.cleared?.price ?? null,
        gateClosesAt: s.gateClosesAt,
      });
    }
    if (mine.length >= limit) break;
  }
  return fromRecent(loadingHistory, mine.slice(0, limit));
}

/** The relayed batch holding a bid, as cancelling it must hand it back. */
export function useBatchOf(): (interval: number, bidIndex: number) => Promise<{ batch: BidBatch; position: number } | undefined> {
  const { indexer, rebuild } = useMarket();
  return async (interval, bidIndex) => {
    if (!indexer) return findBidInBatches(rebuild.intervals.get(interval)?.batches ?? [], bidIndex);
    const data = await indexer.query<{ bidBatchs: Page<{ batch: number; firstBidIndex: number; words: string[] }> }>(
      `query ($interval: Int!) { bidBatchs(where: { interval: $interval }, limit: 1000) { items { batch firstBidIndex words } } }`,
      { interval },
    );
    const batches = data.bidBatchs.items.map((b) => ({ batch: b.batch, firstBidIndex: b.firstBidIndex, bids: b.words.map(BigInt) }));
    return findBidInBatches(batches, bidIndex);
  };
}
