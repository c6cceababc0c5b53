/**
 * Auto-trading: while the page is open and the household has it on, each new interval gets the bid the
 * engine's strategy makes from the home's forecast and preferences, signed and relayed (or sent).
 */
import { useEffect, useRef, useState } from "react";

import { useRelayedBid } from "../lib/bids";
import { intervalLabel, useMarket } from "../lib/market";
import { useHome, useHomeDay, useMarketDay } from "../hooks/useHome";
import { useMyBids } from "../hooks/useMyBids";
import { useReadKiezMarket } from "../contracts/generated";
import { formatKWh } from "../lib/amounts";

export function AutoBidder({ me }: { me: `0x${string}` }) {
  const m = useMarket();
  const [home] = useHome(me);
  const { date, slot } = useMarketDay();
  const day = useHomeDay(home, date);
  const relay = useRelayedBid(m.rc);
  const done = useRef(new Set<number>());
  const [last, setLast] = useState<string | null>(null);
  const j = m.biddingInterval;
  const on = !!home?.preferences.autoTrading && !!m.rc.relayUrl;
  const gateRead = useReadKiezMarket({ address: m.rc.market, functionName: "intervalOf", args: [j ?? 0], query: { enabled: on && j !== null } });
  const mine = useMyBids(me, 8);

  // biome-ignore lint/correctness/useExhaustiveDependencies: it bids once per interval as it opens; the clock, relay and account are read at that moment
  useEffect(() => {
    if (!on || j === null || slot === null || !day || done.current.has(j)) return;
    // a view of the clock that lags the chain must not make it bid on an interval whose gate has passed
    const gate = gateRead.data ? Number(gateRead.data.gateClosesAt) : undefined;
    if (gate === undefined || gate === 0 || m.chainNow === null || gate <= m.chainNow || !mine.data) return;
    done.current.add(j);
    if (mine.data.some((b) => b.interval === j)) return;
    const bids = day.bids[slot] ?? [];
    void (async () => {
      for (const b of bids) {
        try {
          await relay(me, { interval: j, side: b.side, wh: b.wh, price: b.price }, m.chainNow);
          setLast(`Auto-trading placed a ${b.side === "sell" ? "sell" : "buy"} bid of ${formatKWh(b.wh)} for ${intervalLabel(j)}.`);
        } catch (e) {
          setLast(`Auto-trading could not bid for ${intervalLabel(j)}: ${(e as Error).message}`);
        }
      }
      if (bids.length === 0) setLast(`Auto-trading: nothing to trade at ${intervalLabel(j)} by your home's forecast.`);
    })();
  }, [on, j, slot, day, gateRead.data, mine.data]);

  if (!home?.preferences.autoTrading) return null;
  return (
    <p className="hint" role="status" data-testid="auto-trading">
      {m.rc.relayUrl
        ? (last ?? "Auto-trading is on: bids follow your home's forecast each interval.")
        : "Auto-trading needs the community's relay, which this deployment does not offer."}
    </p>
  );
}
