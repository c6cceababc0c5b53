/** Audit: the replay checks of `npm run audit`, run in the browser from the market's events, and any interval in detail. */
import { useState } from "react";
import type { PublicClient } from "viem";
import { useConfig, usePublicClient } from "wagmi";
import { getBlockNumber, readContract } from "wagmi/actions";

import { euroTokenAbi, kiezMarketAbi } from "../contracts/generated";
import { rebuildMarket, replayMarket, type MarketRebuild, type ReplayResult } from "@kiezstrom/engine/audit";
import { MarketEventStore, useEventVersion } from "../lib/events";
import { formatCt, formatEuro, formatKWh } from "../lib/amounts";
import { explainError } from "../lib/errors";
import { intervalLabel, useMarket } from "../lib/market";
import { Section, Short } from "../components/ui";

const PAGE = 40;

export function AuditPage() {
  const { rc, dayStartSlot } = useMarket();
  const config = useConfig();
  const client = usePublicClient() as PublicClient;
  // the audit reads the chain itself, never the indexer: its own store of the market's events, read when it runs
  const [store, setStore] = useState<MarketEventStore | null>(null);
  useEventVersion(store);
  const [rebuild, setRebuild] = useState<MarketRebuild | null>(null);
  const [report, setReport] = useState<ReplayResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const intervals: MarketRebuild["intervals"] = rebuild?.intervals ?? new Map();
  const ids = [...intervals.keys()].filter((id) => intervals.get(id)!.bids.length > 0).sort((a, b) => b - a);
  const [picked, setPicked] = useState<number | null>(null);
  // the interval's lists, shown a page of PAGE rows at a time
  const [shown, setShown] = useState(PAGE);
  const selected = picked ?? ids.find((id) => intervals.get(id)!.cleared) ?? null;
  const detail = selected !== null ? intervals.get(selected) : undefined;

  async function run() {
    setBusy(true);
    setError(null);
    try {
      // events and view calls at one block, so the replay and the chain describe the same moment
      const blockNumber = await getBlockNumber(config);
      const reader = new MarketEventStore(client, rc.market, rc.fromBlock, { toBlock: blockNumber });
      setStore(reader);
      await reader.syncThrough(blockNumber);
      const events = reader.events.filter((e) => e.blockNumber <= blockNumber);
      setRebuild(rebuildMarket(events, dayStartSlot));
      const result = await replayMarket(
        events,
        {
          phaseOf: async (id) =>
            Number((await readContract(config, { address: rc.market, abi: kiezMarketAbi, functionName: "intervalOf", args: [id], blockNumber })).phase),
          accountOf: async (a) => {
            const acc = await readContract(config, {
              address: rc.market,
              abi: kiezMarketAbi,
              functionName: "accountOf",
              args: [a as `0x${string}`],
              blockNumber,
            });
            return { free: acc.free, locked: acc.locked };
          },
          owed: (a) => readContract(config, { address: rc.market, abi: kiezMarketAbi, functionName: "owed", args: [a as `0x${string}`], blockNumber }),
          tokenBalance: () => readContract(config, { address: rc.token, abi: euroTokenAbi, functionName: "balanceOf", args: [rc.market], blockNumber }),
        },
        dayStartSlot,
      );
      setReport(result);
    } catch (e) {
      setError(explainError(e, { rpcUrl: rc.rpcUrl }));
    } finally {
      setBusy(false);
    }
  }

  const row = report && selected !== null ? report.intervals.find((r) => r.interval === selected) : undefined;
  const findings = report ? report.findings.filter((f) => selected === null || f.interval === undefined || f.interval === selected) : [];

  return (
    <>
      <Section title="Audit the market" id="audit">
        <p>
          Replays every interval from the market's events with the reference clearing and billing, rebuilds every balance and compares it with the chain: the
          same checks as <code>npm run audit</code>.
        </p>
        <button type="button" onClick={() => void run()} disabled={busy}>
          {busy ? "Replaying…" : "Run the audit"}
        </button>
        {busy && store && (
          <>
            {" "}
            <progress value={Number(store.progress.read)} max={Math.max(1, Number(store.progress.total))} aria-label="Blocks read" />{" "}
            <button type="button" className="link" onClick={() => store.cancel()}>
              Cancel
            </button>
          </>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {report && (
          <p data-testid="audit-verdict" className={report.findings.length === 0 ? "ok" : "error"}>
            {report.findings.length === 0
              ? `Pass: ${report.intervals.length} intervals and ${report.accounts} accounts replayed, no finding. The market holds ${formatEuro(BigInt(report.tokenBalance), 4)} and owes its accounts ${formatEuro(BigInt(report.owedByMarket), 4)}.`
              : `Fail: ${report.findings.length} findings.`}
          </p>
        )}
      </Section>
      <Section title="Interval" id="audit-interval">
        <select
          aria-label="Interval to audit"
          value={selected ?? ""}
          onChange={(e) => {
            setPicked(Number(e.target.value));
            setShown(PAGE);
          }}
        >
          {ids.map((id) => (
            <option key={id} value={id}>
              {intervalLabel(id)} (interval {id})
            </option>
          ))}
        </select>
        {detail && selected !== null && (
          <>
            <p>
              {detail.bids.filter((b) => !b.cancelled).length} bids;{" "}
              {detail.cleared ? `cleared at ${formatCt(detail.cleared.price)} for ${formatKWh(detail.cleared.matchedWh)}` : "not cleared yet"};{" "}
              {detail.trades.length} trades; {detail.bills.size} bills; {detail.settledEvents > 0 ? "settled" : "not settled"}.
              {row && <strong className={row.ok ? "ok" : "error"}> Replay: {row.ok ? "consistent" : "findings below"}.</strong>}
            </p>
            {findings.length > 0 && (
              <ul>
                {findings.map((f, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: findings are shown as a whole list, recomputed on every replay
                  <li key={i} className="error">
                    {f.check}: {f.detail}
                  </li>
                ))}
              </ul>
            )}
            {Math.max(detail.bids.length, detail.trades.length, detail.bills.size) > shown && (
              <p>
                Showing {shown} of {detail.bids.length} bids, {detail.trades.length} trades and {detail.bills.size} bills.{" "}
                <button type="button" className="link" onClick={() => setShown(shown + PAGE)}>
                  Show {PAGE} more
                </button>
              </p>
            )}
            <div className="two">
              <div>
                <h3>Bids</h3>
                <table>
                  <tbody>
                    {detail.bids.slice(0, shown).map((b) => (
                      <tr key={b.index}>
                        <td>#{b.index}</td>
                        <td>{b.side}</td>
                        <td>{formatKWh(b.wh)}</td>
                        <td>{formatCt(b.price)}</td>
                        <td>
                          <Short address={b.participant} />
                        </td>
                        <td>{b.cancelled ? "cancelled" : ""}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div>
                <h3>Trades</h3>
                <table>
                  <tbody>
                    {detail.trades.slice(0, shown).map((t, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: a trade is its position in the interval's greedy merge
                      <tr key={i}>
                        <td>
                          <Short address={t.seller} /> → <Short address={t.buyer} />
                        </td>
                        <td>{formatKWh(t.wh)}</td>
                        <td>{formatCt(t.price)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <h3>Bills</h3>
                <table>
                  <tbody>
                    {[...detail.bills].slice(0, shown).map(([who, b]) => (
                      <tr key={who}>
                        <td>
                          <Short address={who} />
                        </td>
                        <td>
                          P2P {formatKWh(b.p2pBoughtWh)} in / {formatKWh(b.p2pSoldWh)} out
                        </td>
                        <td>
                          grid {formatKWh(b.gridImportWh)} in / {formatKWh(b.gridExportWh)} out
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          </>
        )}
      </Section>
    </>
  );
}
