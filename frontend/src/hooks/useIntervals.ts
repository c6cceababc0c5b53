/** The market's intervals: the latest cleared ones with their results, and the order book of one interval. */
import { useMarket } from "../lib/market";
import type { Page } from "../lib/indexer";
import { fromRecent, useIndexed, type Loaded } from "./loaded";

export interface IntervalResult {
  id: number;
  price: number;
  matchedWh: number;
  tradeCount: number;
  bidCount: number;
}

/** The latest `limit` cleared intervals, newest first. */
export function useClearedIntervals(limit = 96): Loaded<IntervalResult[]> {
  const { indexer, rebuild, loadingHistory } = useMarket();
  const indexed = useIndexed(["cleared", limit], async (ix) => {
    const data = await ix.query<{ intervals: Page<IntervalResult & { matchedWh: string }> }>(
      `query ($limit: Int!) { intervals(where: { clearedAt_gt: 0 }, orderBy: "id", orderDirection: "desc", limit: $limit) { items { id price matchedWh tradeCount bidCount } } }`,
      { limit },
    );
    return data.intervals.items.map((r) => ({ ...r, matchedWh: Number(r.matchedWh) }));
  });
  if (indexer) return indexed;
  const cleared = [...rebuild.intervals]
    .filter(([, s]) => s.cleared)
    .sort((a, b) => b[0] - a[0])
    .slice(0, limit)
    .map(([id, s]) => ({ id, price: s.cleared!.price, matchedWh: s.cleared!.matchedWh, tradeCount: s.trades.length, bidCount: s.bids.length }));
  return fromRecent(loadingHistory, cleared);
}

export interface BookEntry {
  index: number;
  participant: string;
  side: "sell" | "buy";
  wh: number;
  price: number;
}

/** The live (not cancelled) bids of an interval. */
export function useOrderBook(interval: number | null): Loaded<BookEntry[]> {
  const { indexer, rebuild, loadingHistory } = useMarket();
  const indexed = useIndexed(
    ["book", interval],
    async (ix) => {
      const data = await ix.query<{ bids: Page<{ bidIndex: number; participant: string; side: "sell" | "buy"; wh: number; price: number }> }>(
        `query ($interval: Int!) { bids(where: { interval: $interval, cancelled: false }, orderBy: "bidIndex", limit: 1000) { items { bidIndex participant side wh price } } }`,
        { interval },
      );
      return data.bids.items.map((b) => ({ index: b.bidIndex, participant: b.participant, side: b.side, wh: b.wh, price: b.price }));
    },
    interval !== null,
  );
  if (indexer) return indexed;
  const s = interval !== null ? rebuild.intervals.get(interval) : undefined;
  return fromRecent(
    loadingHistory,
    (s?.bids ?? []).filter((b) => !b.cancelled),
  );
}
