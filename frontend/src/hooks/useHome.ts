/** The household's home as the dApp keeps it (this browser), the market's day, and the home's simulated day. */
import { useEffect, useState } from "react";

import { HOME_SAVED, homeProblem, initialHome, loadHome, saveHome, simulateHome, type HomeDay, type HomeSpec } from "../lib/home";
import { intervalDay, useMarket } from "../lib/market";
import { useParticipant } from "./useParticipant";

export function useHome(me: `0x${string}`): [HomeSpec | null, (h: HomeSpec) => void] {
  const { rc } = useMarket();
  const p = useParticipant(me).data;
  const [home, setHome] = useState<HomeSpec | null>(null);
  const cls = p?.participantClass ?? null;
  const supplier = p?.supplier ?? 0;
  useEffect(() => {
    if (!cls) return;
    const load = () => setHome(loadHome(me) ?? initialHome(me, cls, supplier, rc.community));
    load();
    window.addEventListener(HOME_SAVED, load);
    return () => window.removeEventListener(HOME_SAVED, load);
  }, [me, cls, supplier, rc.community]);
  return [home, (h: HomeSpec) => saveHome(me, h)];
}

/** The day the market is on: the clock's simulated day on a local community, else the chain's. */
export function useMarketDay(): { date: string; slot: number | null } {
  const { clock, biddingInterval, dayStartSlot } = useMarket();
  if (clock?.simulatedDate) return { date: clock.simulatedDate, slot: clock.simulatedSlot };
  if (biddingInterval !== null) return { date: intervalDay(biddingInterval), slot: (((biddingInterval - dayStartSlot) % 96) + 96) % 96 };
  return { date: new Date().toISOString().slice(0, 10), slot: null };
}

export function useHomeDay(home: HomeSpec | null, date: string): HomeDay | null {
  const { rc } = useMarket();
  const [day, setDay] = useState<HomeDay | null>(null);
  useEffect(() => {
    if (!home || homeProblem(home)) return;
    let current = true;
    void simulateHome(home, date, rc.community?.seed).then((d) => current && setDay(d));
    return () => {
      current = false;
    };
  }, [home, date, rc.community?.seed]);
  return day;
}
