/** Results: every cleared interval's price and volume, my trades, and the neighbours I traded with. */
import { lineChart } from "@kiezstrom/engine/report/charts";
import { formatCt, formatKWh, formatNanoEuro } from "../lib/amounts";
import { intervalLabel, useMarket } from "../lib/market";
import { Section, Short, SvgChart } from "../components/ui";

export function ResultsPage({ me }: { me: `0x${string}` | undefined }) {
  const { rebuild } = useMarket();
  const cleared = [...rebuild.intervals].filter(([, s]) => s.cleared).sort((a, b) => a[0] - b[0]);
  const recent = cleared.slice(-96);
  const myKey = me?.toLowerCase();
  const trades = cleared.flatMap(([id, s]) => s.trades.filter((t) => t.seller === myKey || t.buyer === myKey).map((t) => ({ id, ...t })));
  const traders = new Map<string, { boughtWh: number; soldWh: number; nano: number; trades: number }>();
  for (const t of trades) {
    const other = t.seller === myKey ? t.buyer : t.seller;
    const r = traders.get(other) ?? { boughtWh: 0, soldWh: 0, nano: 0, trades: 0 };
    if (t.buyer === myKey) r.boughtWh += t.wh;
    else r.soldWh += t.wh;
    r.nano += t.wh * t.price;
    r.trades++;
    traders.set(other, r);
  }
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
                { name: "price ct/kWh", values: recent.map(([, s]) => (s.cleared!.price || NaN) / 10_000) },
                { name: "P2P kWh", values: recent.map(([, s]) => s.cleared!.matchedWh / 1000) },
              ],
              (i) => intervalLabel(recent[i][0]),
              Math.max(1, Math.ceil(recent.length / 8)),
            )}
          />
        )}
        <table>
          <thead>
            <tr>
              <th>Interval</th>
              <th>Price</th>
              <th>P2P energy</th>
              <th>Trades</th>
              <th>Bids</th>
            </tr>
          </thead>
          <tbody>
            {[...cleared]
              .reverse()
              .slice(0, 24)
              .map(([id, s]) => (
                <tr key={id} data-testid={`cleared-${id}`}>
                  <td>{intervalLabel(id)}</td>
                  <td>{s.cleared!.matchedWh > 0 ? formatCt(s.cleared!.price) : "no trade"}</td>
                  <td>{formatKWh(s.cleared!.matchedWh)}</td>
                  <td>{s.trades.length}</td>
                  <td>{s.bids.filter((b) => !b.cancelled).length}</td>
                </tr>
              ))}
          </tbody>
        </table>
        {cleared.length === 0 && <p>No interval has cleared yet.</p>}
      </Section>
      {me && (
        <>
          <Section title="My trades" id="my-trades">
            {trades.length === 0 ? (
              <p>No trades yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Interval</th>
                    <th>I</th>
                    <th>Energy</th>
                    <th>Price</th>
                    <th>With</th>
                  </tr>
                </thead>
                <tbody>
                  {[...trades]
                    .reverse()
                    .slice(0, 40)
                    .map((t, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: a static table of the latest results, rebuilt as a whole
                      <tr key={i}>
                        <td>{intervalLabel(t.id)}</td>
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
            {traders.size === 0 ? (
              <p>You have not traded with a neighbour yet.</p>
            ) : (
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
                  {[...traders]
                    .sort((a, b) => b[1].boughtWh + b[1].soldWh - (a[1].boughtWh + a[1].soldWh))
                    .map(([who, r]) => (
                      <tr key={who}>
                        <td>
                          <Short address={who} />
                        </td>
                        <td>{formatKWh(r.boughtWh)}</td>
                        <td>{formatKWh(r.soldWh)}</td>
                        <td>{formatNanoEuro(r.nano)}</td>
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
