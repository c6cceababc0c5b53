/**
 * What every page needs of the community: the runtime config, the event store and the engine's rebuild of
 * the market from it, the market's configuration, the chain's clock and (on a local community) the market
 * clock's status. One provider polls; pages derive.
 */
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { usePublicClient } from "wagmi";
import type { PublicClient } from "viem";

import type { RuntimeConfig } from "../config";
import type { ClockStatus } from "@kiezstrom/engine/runtime-config";

export type { ClockStatus };
import { useReadKiezMarket } from "../contracts/generated";
import { createMarketRebuild, type MarketRebuild } from "@kiezstrom/engine/audit";
import { MarketEventStore, useEventVersion } from "./events";

export interface Market {
  rc: RuntimeConfig;
  store: MarketEventStore;
  version: number;
  rebuild: MarketRebuild;
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
  const store = useMemo(() => new MarketEventStore(client, rc.market, rc.fromBlock), [client, rc.market, rc.fromBlock]);
  const version = useEventVersion(store);
  const [chain, setChain] = useState<{ timestamp: number; at: number } | null>(null);
  const [clock, setClock] = useState<ClockStatus | null>(null);
  const [now, setNow] = useState(Date.now());
  const config = useReadKiezMarket({ address: rc.market, functionName: "config" });

  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      await store.sync();
      try {
        const block = await client.getBlock();
        if (!stopped) setChain({ timestamp: Number(block.timestamp), at: Date.now() });
      } catch {
        // the store reports the read error
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
  const rebuild = useMemo(() => createMarketRebuild(dayStartSlot), [store, dayStartSlot]);
  if (rebuild.applied < store.events.length) rebuild.apply(store.events.slice(rebuild.applied));
  const chainNow = chain ? chain.timestamp + Math.floor((now - chain.at) / 1000) : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the rebuild is mutated in place; `version` says new events arrived
  const biddingInterval = useMemo(() => {
    if (clock?.biddingInterval) return clock.biddingInterval;
    if (chainNow === null) return null;
    let best: number | null = null;
    for (const [id, s] of rebuild.intervals) if (s.gateClosesAt > chainNow && (best === null || id < best)) best = id;
    return best;
  }, [clock, chainNow, rebuild, version]);

  const value: Market = {
    rc,
    store,
    version,
    rebuild,
    dayStartSlot,
    gateLeadSeconds: config.data ? Number(config.data.gateLeadSeconds) : 0,
    chainNow,
    clock,
    biddingInterval,
    readError: store.error ?? config.error,
  };
  return <MarketContext.Provider value={value}>{children}</MarketContext.Provider>;
}

/** Local time of an interval's start, HH:MM. */
export function intervalLabel(interval: number): string {
  return new Date(interval * 900_000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** The interval's day, YYYY-MM-DD in local time. */
export function intervalDay(interval: number): string {
  const d = new Date(interval * 900_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}
