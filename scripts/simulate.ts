/**
 * npm run simulate -- [--scenario FILE] [--days N] [--start YYYY-MM-DD] [--seed N] [--mechanism uniform|pay-as-bid|midpoint]
 *   [--settlement interval|day] [--strategy zero-intelligence|truthful|adaptive] [--out DIR]
 *
 * Simulates the community BAU vs LEM with the engine and writes summary.json, report.md, participants.csv,
 * intervals.csv and SVG charts to DIR (default out/simulate/). A day-settled run also runs the same community with
 * interval settlement and puts both modes' KPIs side by side.
 */
import { keepBusiestBids, simulationOutputs, type BidSnapshot } from "@kiezstrom/engine/report/outputs";
import { summarize } from "@kiezstrom/engine/report/summary";
import { simulate } from "@kiezstrom/engine/engine";
import { flags, loadScenario, progress, writeOutputs } from "./lib/cli.js";

const USAGE = `Usage: npm run simulate -- [--scenario FILE] [--days N] [--start YYYY-MM-DD] [--seed N] [--mechanism uniform|pay-as-bid|midpoint] [--settlement interval|day] [--participants N] [--out DIR]
  --scenario FILE   a scenario JSON (default: the Berlin case study, sim/scenario/berlin-case-study.json)
  --days N          days to simulate (1..3660)
  --start DATE      first day, YYYY-MM-DD
  --seed N          seed of the community, weather and bids
  --mechanism M     uniform (default: pay-as-clear, every pair at the marginal pair's midpoint), pay-as-bid (a
                    matched pair trades at the buyer's bid, as gsy-e's pay-as-bid) or midpoint (discriminatory,
                    each pair at the midpoint of its own ask and bid)
  --settlement S    interval (default: bids every interval) or day (standing orders matched against the meter's
                    readings, a day at a time, uniform price only); a day run reports interval mode beside it
  --strategy S      how households price their bids: zero-intelligence (default: the case study's random draws
                    across the allowed ranges), truthful (asks at FiT + 1, bids at the allowed maximum) or adaptive
                    (Roth-Erev learning over ten price levels from each bid's gain against the grid)
  --participants N  scale the community to N households, keeping its class shares
  --out DIR         output folder (default out/simulate)`;

const values = flags(
  {
    scenario: { type: "string" },
    days: { type: "string" },
    start: { type: "string" },
    seed: { type: "string" },
    mechanism: { type: "string" },
    settlement: { type: "string" },
    strategy: { type: "string" },
    participants: { type: "string" },
    out: { type: "string" },
  },
  USAGE,
);
const scenario = loadScenario(values);
const started = performance.now();
let snapshot: BidSnapshot | undefined;
const result = await simulate(scenario, {
  onProgress: progress("simulating days"),
  onInterval: (d) => {
    snapshot = keepBusiestBids(snapshot, d, scenario.start);
  },
});
const seconds = (performance.now() - started) / 1000;
const dayMode = scenario.market.settlement === "day";
// day mode is reported beside interval mode: the same community, settled every interval
const other = dayMode ? summarize(await simulate({ ...scenario, market: { ...scenario.market, settlement: "interval" } })) : undefined;
const dir = writeOutputs(values.out ?? "out/simulate", simulationOutputs(result, snapshot, other));
const s = summarize(result);
const line = (k: keyof typeof s.classes, label: string) =>
  `  ${label.padEnd(24)} ${String(s.classes[k].count).padStart(5)}  BAU ${s.classes[k].billBauEur.toFixed(3).padStart(8)} EUR/day  LEM ${s.classes[k].billLemEur.toFixed(3).padStart(8)}  saving ${s.classes[k].savingPct.toFixed(1)}%`;
console.log(`${s.scenario}: ${s.participants} participants, ${s.days} day(s) from ${s.start}, ${s.mechanism} clearing, ${s.settlement} settlement`);
console.log(line("consumer", "consumers"));
console.log(line("pv", "PV prosumers"));
console.log(line("pvBattery", "PV + battery prosumers"));
console.log(
  `  grid import ${s.grid.importBauKWh} → ${s.grid.importLemKWh} kWh, export ${s.grid.exportBauKWh} → ${s.grid.exportLemKWh} kWh, P2P ${s.p2pKWh} kWh`,
);
console.log(`  peak import ${s.grid.peakImportBauKW} → ${s.grid.peakImportLemKW} kW, peak export ${s.grid.peakExportBauKW} → ${s.grid.peakExportLemKW} kW`);
for (const x of s.suppliers) console.log(`  ${x.name} margin ${x.marginBauEur} → ${x.marginLemEur} EUR (${x.changePct}%)`);
console.log(
  `  network operator ${s.networkOperator.incomeBauEur} → ${s.networkOperator.incomeLemEur} EUR (${s.networkOperator.changePct}%), platform ${s.platform.incomeEur} EUR`,
);
if (other) {
  const pct = (x: typeof s, k: keyof typeof s.classes) => `${x.classes[k].savingPct.toFixed(1)}%`;
  console.log(
    `  beside interval settlement: savings ${pct(other, "consumer")} / ${pct(other, "pv")} / ${pct(other, "pvBattery")}, P2P ${other.p2pKWh} kWh (day: ${pct(s, "consumer")} / ${pct(s, "pv")} / ${pct(s, "pvBattery")}, ${s.p2pKWh} kWh)`,
  );
}
console.log(`simulated ${result.intervals.length * s.participants} participant-intervals in ${seconds.toFixed(2)} s; outputs in ${dir}`);
