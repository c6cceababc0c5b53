/** A household's trades with its neighbours, newest first, and the neighbours it traded with. */
import { useMarket } from "../lib/market";
import type { Page } from "../lib/indexer";
import { fromRecent, useIndexed, type Loaded } from "./loaded";

export interface MyTrade {
  interval: number;
  seller: string;
  buyer: string;
  wh: number;
  price: number;
}

export function useMyTrades(me: string | undefined, limit = 40): Loaded<MyTrade[]> {
  const { indexer, rebuild, loadingHistory } = useMarket();
  const who = me?.toLowerCase() ?? "";
  const indexed = useIndexed(
    ["my-trades", who, limit],
    async (ix) => {
      const data = await ix.query<{ trades: Page<MyTrade> }>(
        `query ($who: String!, $limit: Int!) { trades(where: { OR: [{ seller: $who }, { buyer: $who }] }, orderBy: "interval", orderDirection: "desc", limit: $limit) {
          items { interval seller buyer wh price } } }`,
        { who, limit },
      );
      return data.trades.items;
    },
    !!me,
  );
  if (indexer) return indexed;
  const trades = [...rebuild.intervals]
    .sort((a, b) => b[0] - a[0])
    .flatMap(([id, s]) =>
      s.trades.filter((t) => t.seller === who || t.buyer === who).map((t) => ({ interval: id, seller: t.seller, buyer: t.buyer, wh: t.wh, price: t.price })),
    );
  return fromRecent(loadingHistory, trades.slice(0, limit));
}

export interface Trader {
  address: string;
  boughtWh: number;
  soldWh: number;
  /** Value of the energy traded with this neighbour, nano-euro. */
  valueNano: number;
  trades: number;
}

export function useMyTraders(me: string | undefined): Loaded<Trader[]> {
  const { indexer, rebuild, loadingHistory } = useMarket();
  const who = me?.toLowerCase() ?? "";
  const indexed = useIndexed(
    ["my-traders", who],
    async (ix) => {
      const data = await ix.get<{ traders: (Omit<Trader, "valueNano"> & { value: string })[] }>(`/households/${who}/traders`);
      return data.traders.map((t) => ({ address: t.address, boughtWh: t.boughtWh, soldWh: t.soldWh, valueNano: Number(t.value), trades: t.trades }));
    },
    !!me,
  );
  if (indexer) return indexed;
  const traders = new Map<string, Trader>();
  for (const s of rebuild.intervals.values()) {
    for (const t of s.trades) {
      if (t.seller !== who && t.buyer !== who) continue;
      const other = t.seller === who ? t.buyer : t.seller;
      const r = traders.get(other) ?? { address: other, boughtWh: 0, soldWh: 0, valueNano: 0, trades: 0 };
      if (t.buyer === who) r.boughtWh += t.wh;
      else r.soldWh += t.wh;
      r.valueNano += t.wh * t.price;
      r.trades++;
      traders.set(other, r);
    }
  }
  return fromRecent(
    loadingHistory,
    [...traders.values()].sort((a, b) => b.boughtWh + b.soldWh - (a.boughtWh + a.soldWh)),
  );
}
