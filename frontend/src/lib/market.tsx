/**
 * What every page needs of the community: the runtime config, where history comes from (the community's indexer,
 * or without one the latest blocks of the node, rebuilt by the engine), the market's configuration, the chain's
 * clock and (on a local community) the market clock's status. One provider polls; the data hooks (src/hooks/) read.
 */
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { usePublicClient } from "wagmi";
import type { PublicClient } from "viem";

import type { RuntimeConfig } from "../config";
import type { ClockStatus } from "@kiezstrom/engine/runtime-config";

export type { ClockStatus };
import { useReadKiezMarket } from "../contracts/generated";
import { useQuery } from "@tanstack/react-query";
import { createMarketRebuild, type MarketRebuild } from "@kiezstrom/engine/audit";
import { MarketEventStore, useEventVersion } from "./events";
import { IndexerClient } from "./indexer";
import { DEFAULT_TIME_ZONE, setCommunityTimeZone } from "./time";

/** How far back a community without an indexer reads: about a day of blocks at one block per 15-minute step
 *  per action, bounded whatever the chain's block rate. */
export const RECENT_BLOCKS = 5_000;

export interface Market {
  rc: RuntimeConfig;
  /** The community's indexer; null: history is the latest RECENT_BLOCKS blocks of `store`. */
  indexer: IndexerClient | null;
  /** Without an indexer: the latest blocks' events (with one: null). */
  store: MarketEventStore | null;
  version: number;
  /** The engine's rebuild of `store`'s events (empty with an indexer). */
  rebuild: MarketRebuild;
  /** Without an indexer, while the latest blocks are still being read: how far it got (0 to 1). */
  loadingHistory: number | null;
  dayStartSlot: number;
  gateLeadSeconds: number;
  /** The chain's time now (seconds), estimated from the latest block. */
  chainNow: number | null;
  clock: ClockStatus | null;
  /** The interval open for bids whose gate closes next. */
  biddingInterval: number | null;
  /** Why the chain cannot be read, if it cannot. */
  readError: unknown;
}

const MarketContext = createContext<Market | null>(null);

export function useMarket(): Market {
  const m = useContext(MarketContext);
  if (!m) throw new Error("useMarket outside MarketProvider");
  return m;
}

export function MarketProvider({ rc, children, pollMs = 1500 }: { rc: RuntimeConfig; children: ReactNode; pollMs?: number }) {
  const client = usePublicClient() as PublicClient;
  setCommunityTimeZone(rc.timeZone ?? DEFAULT_TIME_ZONE);
  const indexer = useMemo(() => (rc.indexerUrl ? new IndexerClient(rc.indexerUrl) : null), [rc.indexerUrl]);
  const store = useMemo(
    () => (indexer ? null : new MarketEventStore(client, rc.market, rc.fromBlock, { recentBlocks: RECENT_BLOCKS })),
    [indexer, client, rc.market, rc.fromBlock],
  );
  const version = useEventVersion(store);
  const [chain, setChain] = useState<{ timestamp: number; at: number } | null>(null);
  const [clock, setClock] = useState<ClockStatus | null>(null);
  // the node answers the clock's poll, or why not: with an indexer this is how an unreachable node shows
  const [chainError, setChainError] = useState<unknown>(null);
  const [now, setNow] = useState(Date.now());
  const config = useReadKiezMarket({ address: rc.market, functionName: "config" });

  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      await store?.sync();
      try {
        const block = await client.getBlock();
        if (!stopped) {
          setChain({ timestamp: Number(block.timestamp), at: Date.now() });
          setChainError(null);
        }
      } catch (e) {
        if (!stopped) setChainError(e);
      }
      if (rc.clockUrl) {
        try {
          const res = await fetch(rc.clockUrl, { cache: "no-store" });
          if (res.ok && !stopped) setClock((await res.json()) as ClockStatus);
        } catch {
          if (!stopped) setClock(null);
        }
      }
    };
    void poll();
    const timer = setInterval(poll, pollMs);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
      clearInterval(tick);
    };
  }, [store, client, rc.clockUrl, pollMs]);

  const dayStartSlot = config.data ? Number(config.data.dayStartSlot) : 0;
  // one rebuild per store and day start, fed only the events it has not seen (a long-running community
  // would otherwise be replayed from its first block on every poll)
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new event store (another market) starts a new rebuild
  const rebuild = useMemo(() => createMarketRebuild(dayStartSlot, { partial: true }), [store, dayStartSlot]);
  if (store && rebuild.applied < store.events.length) rebuild.apply(store.events.slice(rebuild.applied));
  const chainNow = chain ? chain.timestamp + Math.floor((now - chain.at) / 1000) : null;
  // the interval open for bids whose gate closes next: the indexer's, or the latest blocks'
  const nextOpen = useQuery({
    queryKey: ["next-open-interval", rc.indexerUrl, chainNow === null ? null : Math.floor(chainNow / 15)],
    enabled: !!indexer && chainNow !== null && !clock?.biddingInterval,
    queryFn: async () => {
      const data = await indexer!.query<{ intervals: { items: { id: number }[] } }>(
        `query ($now: Int!) { intervals(where: { phase: "open", gateClosesAt_gt: $now }, orderBy: "gateClosesAt", orderDirection: "asc", limit: 1) { items { id } } }`,
        { now: chainNow },
      );
      return data.intervals.items[0]?.id ?? null;
    },
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: the rebuild is mutated in place; `version` says new events arrived
  const biddingInterval = useMemo(() => {
    if (clock?.biddingInterval) return clock.biddingInterval;
    if (indexer) return nextOpen.data ?? null;
    if (chainNow === null) return null;
    let best: number | null = null;
    for (const [id, s] of rebuild.intervals) if (s.gateClosesAt > chainNow && (best === null || id < best)) best = id;
    return best;
  }, [clock, chainNow, rebuild, version, indexer, nextOpen.data]);
  const loadingHistory = store && !store.caughtUp ? (store.progress.total > 0n ? Number(store.progress.read) / Number(store.progress.total) : 0) : null;

  const value: Market = {
    rc,
    indexer,
    store,
    version,
    rebuild,
    loadingHistory,
    dayStartSlot,
    gateLeadSeconds: config.data ? Number(config.data.gateLeadSeconds) : 0,
    chainNow,
    clock,
    biddingInterval,
    readError: store?.error ?? chainError ?? config.error,
  };
  return <MarketContext.Provider value={value}>{children}</MarketContext.Provider>;
}

export { intervalDay, intervalLabel } from "./time";
