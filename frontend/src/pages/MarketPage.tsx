/** The market: the interval open for bids and its gate, the order book, a bid form with prices read from the contract, my bids. */
import { useMemo, useState } from "react";

import { kiezMarketAbi, useReadKiezMarket } from "../contracts/generated";
import { ctText, formatCt, formatEuro, formatKWh, parseEnergyKWh, parsePriceCt } from "../lib/amounts";
import { useRelayedBid } from "../lib/bids";
import { intervalDay, intervalLabel, useMarket } from "../lib/market";
import { clockTime, communityTimeZone } from "../lib/time";
import { useTransactor } from "../lib/tx";
import { useClearedIntervals, useOrderBook } from "../hooks/useIntervals";
import { useBatchOf, useMyBids } from "../hooks/useMyBids";
import { useParticipant } from "../hooks/useParticipant";
import { askRange, bidRange, buyLockUnits, lemCharges, type Tariff, tariffFromChain, timeOfUse } from "@kiezstrom/engine/market/tariff";
import type { Side } from "@kiezstrom/engine/market/clearing";
import { SIDE, WEI_PER_UNIT } from "@kiezstrom/engine/market/onchain";
import { Field, Loading, Section, Short, TxStatus } from "../components/ui";

export function MarketPage({ me }: { me: `0x${string}` }) {
  const m = useMarket();
  const { biddingInterval: j, clock, chainNow, rc } = m;
  const participant = useParticipant(me).data ?? undefined;
  // the interval's gate and tariff epoch, and the prices the market will check this bid against, from the contract
  const state = useReadKiezMarket({
    address: rc.market,
    functionName: "intervalOf",
    args: [j ?? 0],
    query: { enabled: j !== null, refetchInterval: 5000 },
  }).data;
  const onChainTariff = useReadKiezMarket({
    address: rc.market,
    functionName: "tariffOf",
    args: [participant?.supplier ?? 0, state?.tariffEpoch ?? 0],
    query: { enabled: !!participant && !!state },
  });
  const tariff: Tariff | null = onChainTariff.data ? tariffFromChain(onChainTariff.data).prices : null;
  const gate = state ? Number(state.gateClosesAt) : 0;
  const book = useOrderBook(j);
  const lastCleared = useClearedIntervals(1).data?.find((r) => r.matchedWh > 0)?.price ?? null;

  // once the gate is reached the form must not target the closed interval: it waits for the next one
  const gateReached = clock?.manual ? false : clock?.nextTickAt ? Date.now() >= clock.nextTickAt : chainNow !== null && gate > 0 && chainNow >= gate;
  let countdown = "";
  if (clock?.manual) countdown = "closes when the operator advances the market clock";
  else if (gateReached) countdown = "has closed; the next interval opens in a moment";
  else if (clock?.nextTickAt)
    countdown = `closes in ${Math.max(0, Math.ceil((clock.nextTickAt - Date.now()) / 1000))} s (accelerated time: one interval every ${clock.realMsPerInterval / 1000} s)`;
  else if (chainNow !== null && gate > 0) countdown = `closes in ${formatDuration(Math.max(0, gate - chainNow))}`;

  const live = book.data ?? [];
  const sells = [...live.filter((b) => b.side === "sell")].sort((a, b) => a.price - b.price);
  const buys = [...live.filter((b) => b.side === "buy")].sort((a, b) => b.price - a.price);

  return (
    <>
      <Section title="Next interval" id="market-clock">
        {j === null ? (
          <p>No interval is open for bids yet.</p>
        ) : (
          <p>
            Bidding for <strong data-testid="bidding-interval">{intervalLabel(j)}</strong> on {intervalDay(j)} (interval {j}) <strong>{countdown}</strong>.
            {gate > 0 && ` Gate at ${clockTime(gate)} chain time (${communityTimeZone()}).`}
            {clock?.lastError && <span className="error"> The market clock reports: {clock.lastError}</span>}
          </p>
        )}
      </Section>
      {participant && j !== null && tariff && !gateReached && <BidForm me={me} interval={j} tariff={tariff} limits={participant} lastCleared={lastCleared} />}
      <Section title={`Order book ${j !== null ? intervalLabel(j) : ""}`} id="order-book">
        <Loading loaded={book} what="the order book" />
        <div className="two">
          <BookSide title={`Asks (${sells.length})`} bids={sells} me={me} allowed={tariff ? askRange(tariff) : null} />
          <BookSide title={`Bids (${buys.length})`} bids={buys} me={me} allowed={tariff ? bidRange(tariff) : null} />
        </div>
        {tariff && live.some((b) => outside(b, b.side === "sell" ? askRange(tariff) : bidRange(tariff))) && (
          <p className="hint">
            * A price outside the range your tariff allows: a household with another supplier, whose tariff sets other bounds (an ask must be above its feed-in
            tariff, a bid below its grid price after fees).
          </p>
        )}
      </Section>
      <MyBids me={me} />
      {!rc.relayUrl && <p className="hint">This community has no relay: bids are sent as transactions from your wallet.</p>}
    </>
  );
}

function formatDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}

function outside(b: { price: number }, allowed: { min: number; max: number }): boolean {
  return b.price < allowed.min || b.price > allowed.max;
}

function BookSide({
  title,
  bids,
  me,
  allowed,
}: {
  title: string;
  bids: { participant: string; wh: number; price: number; index: number }[];
  me: string;
  allowed: { min: number; max: number } | null;
}) {
  return (
    <div>
      <h3>{title}</h3>
      <table>
        <thead>
          <tr>
            <th>Price</th>
            <th>Energy</th>
            <th>From</th>
          </tr>
        </thead>
        <tbody>
          {bids.slice(0, 12).map((b) => (
            <tr key={b.index} className={b.participant === me.toLowerCase() ? "mine" : undefined}>
              <td>
                {formatCt(b.price)}
                {allowed && outside(b, allowed) ? " *" : ""}
              </td>
              <td>{formatKWh(b.wh)}</td>
              <td>{b.participant === me.toLowerCase() ? "you" : <Short address={b.participant} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {bids.length > 12 && <p className="hint">and {bids.length - 12} more</p>}
    </div>
  );
}

function BidForm({
  me,
  interval,
  tariff: t,
  limits,
  lastCleared,
}: {
  me: `0x${string}`;
  interval: number;
  tariff: Tariff;
  limits: { importLimitWh: number; exportLimitWh: number };
  /** The latest clearing price with a trade (µEUR/kWh), the form's suggestion. */
  lastCleared: number | null;
}) {
  const { rc, chainNow } = useMarket();
  const tx = useTransactor({ rpcUrl: rc.rpcUrl });
  const relay = useRelayedBid(rc);
  const [side, setSide] = useState<Side>(limits.exportLimitWh > 0 ? "sell" : "buy");
  const [energy, setEnergy] = useState("0.5");
  const [price, setPrice] = useState("");
  const [path, setPath] = useState<"direct" | "relay">(rc.relayUrl ? "relay" : "direct");
  const [relayState, setRelayState] = useState<{ busy: boolean; message: string | null; error: boolean }>({ busy: false, message: null, error: false });
  const range = side === "sell" ? askRange(t) : bidRange(t);
  // the suggestion: the latest clearing price within this side's range; else a seller's lowest, a buyer's middle
  const suggested =
    lastCleared !== null ? Math.min(range.max, Math.max(range.min, lastCleared)) : side === "sell" ? range.min : Math.round((range.min + range.max) / 2);
  const limitWh = side === "sell" ? limits.exportLimitWh : limits.importLimitWh;
  const wh = parseEnergyKWh(energy, "energy", Math.max(limitWh, 1));
  const p = parsePriceCt(price || "", "price");
  const priceError = !p.ok
    ? p.error
    : p.value < range.min || p.value > range.max
      ? `The price must be from ${formatCt(range.min, 4)} to ${formatCt(range.max, 4)}.`
      : null;
  const energyError = limitWh === 0 ? `Your registration allows no ${side === "sell" ? "selling" : "buying"}.` : wh.ok ? null : wh.error;
  const ok = !priceError && !energyError && wh.ok && p.ok;
  const busy = relayState.busy || ["checking", "signing", "pending"].includes(tx.state.status);
  const breakdown = useMemo(() => {
    const at = p.ok ? p.value : suggested;
    if (side === "buy") {
      return [
        ["P2P energy price", at],
        ["Platform fee", t.platformFee],
        ["Levies and taxes", t.levies],
        ["Supplier margin (LEM)", t.lemSupplierMargin],
        ["Network fee (LEM)", t.lemNetworkFee],
        ["You pay per kWh", at + lemCharges(t)],
        ["Grid price instead", timeOfUse(t)],
      ] as const;
    }
    return [
      ["You earn per kWh", at],
      ["Feed-in tariff instead", t.feedInTariff],
    ] as const;
  }, [p, side, t, suggested]);

  async function submit() {
    if (!ok || !wh.ok || !p.ok) return;
    setRelayState({ busy: false, message: null, error: false });
    tx.reset();
    if (path === "direct") {
      await tx.send(`${side === "sell" ? "Ask" : "Bid"} for ${intervalLabel(interval)}`, {
        address: rc.market,
        abi: kiezMarketAbi,
        functionName: "placeBid",
        args: [interval, SIDE[side], wh.value, p.value],
      });
      return;
    }
    setRelayState({ busy: true, message: "Checking with the market, then sign in your wallet…", error: false });
    try {
      await relay(me, { interval, side, wh: wh.value, price: p.value }, chainNow);
      setRelayState({
        busy: false,
        message: `Your ${side === "sell" ? "ask" : "bid"} for ${intervalLabel(interval)} was relayed (no gas for you).`,
        error: false,
      });
    } catch (e) {
      setRelayState({ busy: false, message: (e as Error).message, error: true });
    }
  }

  return (
    <Section title={`Place a bid for ${intervalLabel(interval)}`} id="bid-form">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="row">
          <label>
            <input type="radio" name="side" checked={side === "buy"} onChange={() => setSide("buy")} /> Buy
          </label>
          <label>
            <input type="radio" name="side" checked={side === "sell"} onChange={() => setSide("sell")} /> Sell
          </label>
        </div>
        <Field label="Energy (kWh)" hint={`at most ${formatKWh(limitWh)} per interval`} error={energyError}>
          <input aria-label="Energy" value={energy} onChange={(e) => setEnergy(e.target.value)} inputMode="decimal" />
        </Field>
        <Field
          label="Limit price (ct/kWh)"
          hint={`allowed: ${ctText(range.min)} to ${ctText(range.max)} ct/kWh${lastCleared !== null ? `; the last interval cleared at ${ctText(lastCleared)}` : ""}`}
          error={price === "" ? null : priceError}
        >
          <input aria-label="Price" value={price} onChange={(e) => setPrice(e.target.value)} inputMode="decimal" placeholder={ctText(suggested)} />
        </Field>
        <table className="breakdown" aria-label="What a kWh costs or earns">
          <tbody>
            {breakdown.map(([label, v]) => (
              <tr key={label}>
                <td>{label}</td>
                <td>{formatCt(v, 4)}</td>
              </tr>
            ))}
            {side === "buy" && wh.ok && p.ok && (
              <tr>
                <td>Locked until settlement</td>
                <td>{formatEuro(BigInt(buyLockUnits(t, wh.value, p.value)) * WEI_PER_UNIT, 4)}</td>
              </tr>
            )}
          </tbody>
        </table>
        {rc.relayUrl && (
          <div className="row">
            <label>
              <input type="radio" name="path" checked={path === "relay"} onChange={() => setPath("relay")} /> Sign and relay (no gas)
            </label>
            <label>
              <input type="radio" name="path" checked={path === "direct"} onChange={() => setPath("direct")} /> Send a transaction
            </label>
          </div>
        )}
        <button type="submit" disabled={!ok || price === "" || busy}>
          {side === "sell" ? "Place ask" : "Place bid"}
        </button>
      </form>
      <TxStatus state={tx.state} />
      {relayState.message && (
        <p className={relayState.error ? "tx tx-error" : "tx"} role={relayState.error ? "alert" : "status"}>
          {relayState.message}
        </p>
      )}
    </Section>
  );
}

function MyBids({ me }: { me: `0x${string}` }) {
  const { rc, chainNow } = useMarket();
  const tx = useTransactor({ rpcUrl: rc.rpcUrl });
  const bids = useMyBids(me, 30);
  const batchOf = useBatchOf();
  // a cancel sent from this page shows at once, before the next poll brings the event
  const [cancelled, setCancelled] = useState<Set<string>>(new Set());

  async function cancel(interval: number, index: number, relayed: boolean) {
    const label = `Cancelling the ${intervalLabel(interval)} bid`;
    let sent: boolean;
    if (relayed) {
      const at = await batchOf(interval, index);
      if (!at) {
        tx.fail(label, "That bid's relayed batch is not known yet. Try again in a moment.");
        return;
      }
      // a relayed bid is cancelled by handing its batch back as placed
      sent =
        (await tx.send(label, { address: rc.market, abi: kiezMarketAbi, functionName: "cancelSignedBid", args: [interval, at.batch, at.position] })) !== null;
    } else {
      sent = (await tx.send(label, { address: rc.market, abi: kiezMarketAbi, functionName: "cancelBid", args: [interval, index] })) !== null;
    }
    if (sent) setCancelled(new Set([...cancelled, `${interval}:${index}`]));
  }

  return (
    <Section title="My bids" id="my-bids">
      <Loading loaded={bids} what="your bids" />
      {bids.data && bids.data.length === 0 && <p>You have no bids yet.</p>}
      {bids.data && bids.data.length > 0 && (
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th>Interval</th>
                <th>Side</th>
                <th>Energy</th>
                <th>Limit</th>
                <th>Status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {bids.data.map((b) => {
                const isCancelled = b.cancelled || cancelled.has(`${b.interval}:${b.index}`);
                const open = !isCancelled && b.filledWh === null && chainNow !== null && b.gateClosesAt > chainNow;
                return (
                  <tr key={`${b.interval}:${b.index}`}>
                    <td>
                      {intervalDay(b.interval)} {intervalLabel(b.interval)}
                    </td>
                    <td>{b.side}</td>
                    <td>{formatKWh(b.wh)}</td>
                    <td>{formatCt(b.price)}</td>
                    <td>
                      {isCancelled
                        ? "cancelled"
                        : open
                          ? "open"
                          : b.filledWh === null
                            ? "gate closed, clearing"
                            : fillText(b.side, b.filledWh, b.clearedPrice ?? 0)}
                    </td>
                    <td>
                      {open && (
                        <button type="button" className="link" onClick={() => void cancel(b.interval, b.index, b.relayed)}>
                          Cancel
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <TxStatus state={tx.state} />
    </Section>
  );
}

/** How much of a cleared bid filled, and what it cost or earned at the interval's price. */
function fillText(side: Side, filledWh: number, price: number): string {
  if (filledWh === 0) return `not filled (cleared at ${formatCt(price)})`;
  const value = formatEuro(BigInt(filledWh * price) * WEI_PER_UNIT, 4);
  return `${side === "sell" ? "sold" : "bought"} ${formatKWh(filledWh)} at ${formatCt(price)}: ${side === "sell" ? "earned" : "cost"} ${value}`;
}
