/** Results: the latest cleared intervals' prices and volumes, my trades, and the neighbours I traded with. */
import { lineChart } from "@kiezstrom/engine/report/charts";
import { formatCt, formatKWh, formatNanoEuro } from "../lib/amounts";
import { intervalDay, intervalLabel } from "../lib/market";
import { Loading, Section, Short, SvgChart } from "../components/ui";
import { useClearedIntervals } from "../hooks/useIntervals";
import { useMyTraders, useMyTrades } from "../hooks/useMyTrades";

export function ResultsPage({ me }: { me: `0x${string}` | undefined }) {
  const cleared = useClearedIntervals(96);
  const trades = useMyTrades(me, 40);
  const traders = useMyTraders(me);
  const myKey = me?.toLowerCase();
  const recent = [...(cleared.data ?? [])].reverse();
  return (
    <>
      <Section title="Cleared intervals" id="cleared">
        {recent.length > 1 && (
          <SvgChart
            label="Clearing price history"
            svg={lineChart(
              "Clearing price and P2P volume",
              "ct/kWh · kWh",
              [
                // an interval without a trade has no price: a gap in the line, not a zero
                { name: "price ct/kWh", values: recent.map((s) => (s.matchedWh > 0 ? s.price / 10_000 : Number.NaN)) },
                { name: "P2P kWh", values: recent.map((s) => s.matchedWh / 1000) },
              ],
              (i) => intervalLabel(recent[i].id),
              Math.max(1, Math.ceil(recent.length / 8)),
            )}
          />
        )}
        <Loading loaded={cleared} what="the cleared intervals" />
        {cleared.data && cleared.data.length === 0 && <p>No interval has cleared yet.</p>}
        {cleared.data && cleared.data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th>Day</th>
                <th>Interval</th>
                <th>Price</th>
                <th>P2P energy</th>
                <th>Trades</th>
                <th>Bids</th>
              </tr>
            </thead>
            <tbody>
              {cleared.data.slice(0, 24).map((s) => (
                <tr key={s.id} data-testid={`cleared-${s.id}`}>
                  <td>{intervalDay(s.id)}</td>
                  <td>{intervalLabel(s.id)}</td>
                  <td>{s.matchedWh > 0 ? formatCt(s.price) : "no trade"}</td>
                  <td>{formatKWh(s.matchedWh)}</td>
                  <td>{s.tradeCount}</td>
                  <td>{s.bidCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {me && (
        <>
          <Section title="My trades" id="my-trades">
            <Loading loaded={trades} what="your trades" />
            {trades.data && trades.data.length === 0 && <p>No trades yet.</p>}
            {trades.data && trades.data.length > 0 && (
              <table>
                <thead>
                  <tr>
                    <th>Day</th>
                    <th>Interval</th>
                    <th>I</th>
                    <th>Energy</th>
                    <th>Price</th>
                    <th>With</th>
                  </tr>
                </thead>
                <tbody>
                  {trades.data.map((t, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a static table of the latest results, rebuilt as a whole
                    <tr key={i}>
                      <td>{intervalDay(t.interval)}</td>
                      <td>{intervalLabel(t.interval)}</td>
                      <td>{t.buyer === myKey ? "bought" : "sold"}</td>
                      <td>{formatKWh(t.wh)}</td>
                      <td>{formatCt(t.price)}</td>
                      <td>
                        <Short address={t.buyer === myKey ? t.seller : t.buyer} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
          <Section title="My energy traders" id="my-traders">
            <Loading loaded={traders} what="your trading neighbours" />
            {traders.data && traders.data.length === 0 && <p>You have not traded with a neighbour yet.</p>}
            {traders.data && traders.data.length > 0 && (
              <table>
                <thead>
                  <tr>
                    <th>Neighbour</th>
                    <th>Bought from</th>
                    <th>Sold to</th>
                    <th>Value</th>
                    <th>Trades</th>
                  </tr>
                </thead>
                <tbody>
                  {traders.data.map((r) => (
                    <tr key={r.address}>
                      <td>
                        <Short address={r.address} />
                      </td>
                      <td>{formatKWh(r.boughtWh)}</td>
                      <td>{formatKWh(r.soldWh)}</td>
                      <td>{formatNanoEuro(r.valueNano)}</td>
                      <td>{r.trades}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
        </>
      )}
    </>
  );
}
