/**
 * Engine speed benchmark (not a test): one year of the 200-participant case study, and one day of a
 * 10,000-participant community. Prints wall time and participant-intervals per second.
 *
 *   npm run bench:sim
 */
import { simulate } from "@kiezstrom/engine/engine";
import { DEFAULT_SCENARIO, scaleCommunity } from "@kiezstrom/engine/scenario/scenario";

async function bench(label: string, participants: number, days: number, start: string) {
  const scenario = { ...scaleCommunity(DEFAULT_SCENARIO, participants), days, start };
  const t0 = performance.now();
  const r = await simulate(scenario);
  const seconds = (performance.now() - t0) / 1000;
  const pi = r.households.length * r.intervals.length;
  console.log(
    `${label}: ${r.households.length} participants × ${r.intervals.length} intervals = ${pi.toLocaleString("en-US")} participant-intervals in ${seconds.toFixed(2)} s (${Math.round(pi / seconds).toLocaleString("en-US")} per second; target ≤ 5 s)`,
  );
}

await bench("one year, case study", 200, 365, "2023-01-01");
await bench("one day, 10,000 participants", 10_000, 1, "2023-06-21");
