/**
 * Engine speed and memory benchmark (not a test): one year of the 200-participant case study, one day of a
 * 10,000-participant community, and with `--year-10000` a year of 10,000 participants. Prints wall time,
 * participant-intervals per second and the peak resident memory (sampled once a simulated day).
 *
 *   npm run bench:sim [-- --year-10000]
 */
import { simulate } from "@kiezstrom/engine/engine";
import { DEFAULT_SCENARIO, scaleCommunity } from "@kiezstrom/engine/scenario/scenario";
import { flags } from "./lib/cli.js";

const values = flags({ "year-10000": { type: "boolean" } }, "Usage: npm run bench:sim -- [--year-10000]");

async function bench(label: string, participants: number, days: number, start: string, target: string) {
  const scenario = { ...scaleCommunity(DEFAULT_SCENARIO, participants), days, start };
  let peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await simulate(scenario, {
    onProgress: () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const pi = r.households.length * r.intervals.length;
  console.log(
    `${label}: ${r.households.length} participants × ${r.intervals.length} intervals = ${pi.toLocaleString("en-US")} participant-intervals in ${seconds.toFixed(2)} s (${Math.round(pi / seconds).toLocaleString("en-US")} per second); peak resident memory ${(peakRss / 2 ** 20).toFixed(0)} MB (${target})`,
  );
}

await bench("one year, case study", 200, 365, "2023-01-01", "target ≤ 2 s");
await bench("one day, 10,000 participants", 10_000, 1, "2023-06-21", "target ≤ 5 s");
if (values["year-10000"]) await bench("one year, 10,000 participants", 10_000, 365, "2023-01-01", "target ≤ 1.5 GB resident");
