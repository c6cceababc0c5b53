/** Research: gas per market action (the committed benchmark snapshot) and what it costs on Ethereum and Polygon. */
import { useState } from "react";

import snapshot from "../../../gas-snapshot.json";
import { barChart } from "@kiezstrom/engine/report/charts";
import { DEFAULT_CHAINS, gasCostEur, type ChainProfile } from "@kiezstrom/engine/gas-cost";
import { Field, Section, SvgChart } from "../components/ui";

const ACTIONS: [keyof typeof snapshot, string][] = [
  ["register", "Register"],
  ["deposit", "Deposit"],
  ["bid", "Bid (direct)"],
  ["relayedBid", "Bid (relayed, each in 100)"],
  ["clear", "Clearing, per bid"],
  ["meter", "Meter reading, per participant"],
  ["billAndSettle", "Billing + settlement, per participant"],
  ["withdraw", "Withdraw"],
];

export function ResearchPage() {
  const [chains, setChains] = useState<Record<string, ChainProfile>>(DEFAULT_CHAINS);
  const rows = ACTIONS.map(([k, label]) => ({
    label,
    gas: snapshot[k] as number,
    costs: Object.fromEntries(Object.entries(chains).map(([c, p]) => [c, gasCostEur(snapshot[k] as number, p)])),
  }));
  const set = (chain: string, field: "eurPerNative" | "gwei", text: string) => {
    const v = Number(text);
    if (Number.isFinite(v) && v >= 0) setChains({ ...chains, [chain]: { ...chains[chain], [field]: v } });
  };
  return (
    <Section title="Gas per action and its cost" id="research">
      <p>
        Gas measured from real transactions by <code>npm run bench:gas</code> (committed in gas-snapshot.json); cost = native price × gas × gas price.
      </p>
      <div className="row">
        {Object.entries(chains).map(([k, c]) => (
          <fieldset key={k}>
            <legend>{c.name}</legend>
            <Field label="EUR per coin">
              <input aria-label={`${c.name} EUR per coin`} type="number" value={c.eurPerNative} onChange={(e) => set(k, "eurPerNative", e.target.value)} />
            </Field>
            <Field label="gas price (gwei)">
              <input aria-label={`${c.name} gwei`} type="number" value={c.gwei} onChange={(e) => set(k, "gwei", e.target.value)} />
            </Field>
          </fieldset>
        ))}
      </div>
      <SvgChart
        label="Cost per action"
        svg={barChart(
          "Cost per action (EUR)",
          "EUR",
          rows.map((r) => r.label),
          Object.entries(chains).map(([k, c]) => ({ name: c.name, values: rows.map((r) => r.costs[k]) })),
        )}
      />
      <table>
        <thead>
          <tr>
            <th>Action</th>
            <th>Gas</th>
            {Object.values(chains).map((c) => (
              <th key={c.name}>{c.name} EUR</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <td>{r.label}</td>
              <td>{r.gas.toLocaleString("en-US")}</td>
              {Object.keys(chains).map((k) => (
                <td key={k}>{r.costs[k].toFixed(4)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
