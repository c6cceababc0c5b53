/**
 * npm run sweep -- [--file SWEEP.json] [--seeds 1-5] [--seasons winter,spring,summer,autumn | --starts DATES]
 *   [--days N] [--strategies LIST] [--mechanisms LIST] [--settlements LIST] [--scenario FILE] [--participants N]
 *   [--workers N] [--out DIR]
 *
 * Runs the engine over a grid (seeds × dates × strategies × mechanisms × settlements) on worker threads, one run per
 * grid point, and writes one row per run (runs.csv, runs.json, in grid order whatever thread ran it: deterministic)
 * and charts: each class's saving across seeds as box plots per strategy, and P2P volume and peak reductions per
 * season.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import { parseDate } from "@kiezstrom/engine/calendar";
import { MECHANISMS, type Mechanism } from "@kiezstrom/engine/market/clearing";
import { barChart, boxPlot } from "@kiezstrom/engine/report/charts";
import { csv } from "@kiezstrom/engine/report/outputs";
import { SETTLEMENTS, type Settlement } from "@kiezstrom/engine/scenario/scenario";
import { STRATEGIES, type StrategyName } from "@kiezstrom/engine/strategy";
import { fail, flags, loadScenario, progress, wholeNumber, writeOutputs } from "./lib/cli.js";
import type { SweepRow, SweepSpec } from "./lib/sweep-run.js";

const USAGE = `Usage: npm run sweep -- [options]
  --file SWEEP.json   the grid as JSON: {"seeds", "seasons" or "starts", "days", "strategies", "mechanisms",
                      "settlements"}; flags override it
  --seeds LIST        seeds, e.g. 1-5 or 1,2,7 (default 1-5)
  --seasons LIST      winter, spring, summer, autumn: a week from the 15th of January, April, July, October 2023
  --starts LIST       first days instead, YYYY-MM-DD,...
  --days N            days per run (default 7)
  --strategies LIST   ${STRATEGIES.join(", ")} (default zero-intelligence)
  --mechanisms LIST   ${MECHANISMS.join(", ")} (default uniform)
  --settlements LIST  ${SETTLEMENTS.join(", ")} (default interval; day runs only with uniform)
  --scenario FILE     the community and tariffs (default: the Berlin case study)
  --participants N    scale the community to N households
  --workers N         threads (default: the machine's cores, at most the runs)
  --out DIR           output folder (default out/sweep)`;

/** The week each season stands for. */
const SEASON_START: Record<string, string> = { winter: "2023-01-15", spring: "2023-04-15", summer: "2023-07-15", autumn: "2023-10-15" };

const values = flags(
  {
    file: { type: "string" },
    seeds: { type: "string" },
    seasons: { type: "string" },
    starts: { type: "string" },
    days: { type: "string" },
    strategies: { type: "string" },
    mechanisms: { type: "string" },
    settlements: { type: "string" },
    scenario: { type: "string" },
    participants: { type: "string" },
    workers: { type: "string" },
    out: { type: "string" },
  },
  USAGE,
);

type SweepFile = Partial<Record<"seeds" | "seasons" | "starts" | "strategies" | "mechanisms" | "settlements", unknown>> & { days?: unknown };
let file: SweepFile = {};
if (values.file) {
  if (!existsSync(values.file)) fail(`--file ${values.file}: no such file`);
  try {
    file = JSON.parse(readFileSync(values.file, "utf8"));
  } catch (e) {
    fail(`--file ${values.file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof file !== "object" || file === null || Array.isArray(file)) fail(`--file ${values.file} must hold an object`);
  const known = ["seeds", "seasons", "starts", "days", "strategies", "mechanisms", "settlements"];
  for (const k of Object.keys(file)) if (!known.includes(k)) fail(`--file: unknown field "${k}" (known: ${known.join(", ")})`);
}

/** A list from a flag (comma-separated) or the file (a JSON list), each item checked. */
function list<T extends string>(name: string, flag: string | undefined, fromFile: unknown, allowed: readonly T[] | null, fallback: T[]): T[] {
  const items = flag !== undefined ? flag.split(",").map((x) => x.trim()) : fromFile !== undefined ? fromFile : fallback;
  if (!Array.isArray(items) || items.length === 0) fail(`${name} must be a non-empty list, got ${JSON.stringify(items)}`);
  for (const x of items) {
    if (typeof x !== "string" || (allowed && !allowed.includes(x as T))) fail(`${name}: "${x}" is not one of ${allowed?.join(", ") ?? "the allowed values"}`);
  }
  return [...new Set(items as T[])];
}

function seedList(flag: string | undefined, fromFile: unknown): number[] {
  if (flag === undefined && Array.isArray(fromFile)) {
    for (const x of fromFile)
      if (!Number.isInteger(x) || x < 0 || x > 2 ** 32 - 1) fail(`seeds: ${JSON.stringify(x)} is not a whole number from 0 to 4294967295`);
    return [...new Set(fromFile as number[])];
  }
  if (fromFile !== undefined && flag === undefined) fail(`seeds must be a list of whole numbers, got ${JSON.stringify(fromFile)}`);
  const text = flag ?? "1-5";
  const seeds: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) fail(`--seeds must be numbers or ranges like 1-5, got "${text}"`);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a || b - a > 1_000) fail(`--seeds range ${part} must ascend and span at most 1,000 seeds`);
    for (let s = a; s <= b; s++) seeds.push(s);
  }
  return [...new Set(seeds)];
}

const seeds = seedList(values.seeds, file.seeds);
if (values.seasons !== undefined && values.starts !== undefined) fail("give --seasons or --starts, not both");
const useSeasons = values.seasons !== undefined || (values.starts === undefined && file.starts === undefined);
const seasons = useSeasons ? list("seasons", values.seasons, file.seasons, Object.keys(SEASON_START), ["summer"]) : [];
const starts = useSeasons ? seasons.map((s) => SEASON_START[s]) : list("starts", values.starts, file.starts, null, []);
for (const d of starts) if (parseDate(d) === null) fail(`starts: "${d}" is not a date YYYY-MM-DD`);
const days = wholeNumber("days", values.days ?? (file.days === undefined ? undefined : String(file.days)), 1, 366) ?? 7;
const strategies = list<StrategyName>("strategies", values.strategies, file.strategies, STRATEGIES, ["zero-intelligence"]);
const mechanisms = list<Mechanism>("mechanisms", values.mechanisms, file.mechanisms, MECHANISMS, ["uniform"]);
const settlements = list<Settlement>("settlements", values.settlements, file.settlements, SETTLEMENTS, ["interval"]);
const base = loadScenario({ scenario: values.scenario, participants: values.participants });

const specs: SweepSpec[] = [];
for (const [k, start] of starts.entries())
  for (const strategy of strategies)
    for (const mechanism of mechanisms)
      for (const settlement of settlements) {
        // day settlement clears at the uniform price only
        if (settlement === "day" && mechanism !== "uniform") continue;
        for (const seed of seeds) specs.push({ run: specs.length, seed, start, season: useSeasons ? seasons[k] : null, days, strategy, mechanism, settlement });
      }
if (specs.length === 0) fail("the grid is empty (day settlement runs only with the uniform mechanism)");
const workers = Math.min(specs.length, wholeNumber("workers", values.workers, 1, 64) ?? availableParallelism());

const started = performance.now();
const rows: SweepRow[] = new Array(specs.length);
const report = progress(`${specs.length} runs on ${workers} thread(s)`);
let done = 0;
const pool = Array.from({ length: workers }, () => new Worker(new URL("./lib/sweep-worker.ts", import.meta.url), { workerData: base }));
const finished = await new Promise<string | null>((resolve) => {
  let next = 0;
  const feed = (w: Worker) => {
    if (next < specs.length) w.postMessage(specs[next++]);
  };
  for (const w of pool) {
    w.on("message", (m: { row?: SweepRow; error?: string }) => {
      if (m.error) return resolve(m.error);
      const row = m.row as SweepRow;
      rows[row.run] = row;
      report(++done, specs.length);
      if (done === specs.length) resolve(null);
      else feed(w);
    });
    w.on("error", (e) => resolve(e.message));
    feed(w);
  }
});
// every thread stops, whether the sweep finished or not
await Promise.all(pool.map((w) => w.terminate()));
if (finished !== null) fail(`the sweep stopped: ${finished}`);

// charts: each class's saving across seeds, per strategy (boxes) and configuration; P2P and peaks per season or start
const configOf = (r: SweepRow) =>
  [r.strategy, r.mechanism, r.settlement].filter((x, i) => i === 0 || (i === 1 ? x !== "uniform" : x !== "interval")).join(" / ");
const configs = [...new Set(rows.map(configOf))];
const classes = [
  ["consumer", "savingPctConsumer"],
  ["PV", "savingPctPv"],
  ["PV + battery", "savingPctPvBattery"],
] as const;
const savings = boxPlot(
  `Saving per class across ${seeds.length} seed(s) and ${starts.length} date(s) (%)`,
  "saving %",
  classes.map(([label]) => label),
  configs.map((c) => ({ name: c, values: classes.map(([, field]) => rows.filter((r) => configOf(r) === c).map((r) => r[field])) })),
);
const periods = useSeasons ? seasons : starts;
const periodOf = (r: SweepRow) => (useSeasons ? (r.season as string) : r.start);
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
const perPeriod = (field: keyof SweepRow) =>
  configs.map((c) => ({
    name: c,
    values: periods.map((p) => Math.round(mean(rows.filter((r) => configOf(r) === c && periodOf(r) === p).map((r) => Number(r[field]))) * 100) / 100),
  }));
const p2pChart = barChart(`P2P volume per run (kWh, mean over seeds, ${days} day(s))`, "kWh", periods, perPeriod("p2pKWh"));
const peaksChart = barChart("Peak import reduction (%, mean over seeds)", "%", periods, perPeriod("peakImportReductionPct"));
const exportPeaksChart = barChart("Peak export reduction (%, mean over seeds)", "%", periods, perPeriod("peakExportReductionPct"));

const columns = Object.keys(rows[0]) as (keyof SweepRow)[];
const dir = writeOutputs(values.out ?? "out/sweep", {
  "runs.json": `${JSON.stringify({ grid: { seeds, starts, seasons: useSeasons ? seasons : null, days, strategies, mechanisms, settlements, participants: rows[0].participants }, runs: rows }, null, 2)}\n`,
  "runs.csv": csv([columns, ...rows.map((r) => columns.map((k) => (r[k] === null ? "" : (r[k] as string | number))))]),
  "savings-by-class.svg": savings,
  "p2p-by-period.svg": p2pChart,
  "peak-import-by-period.svg": peaksChart,
  "peak-export-by-period.svg": exportPeaksChart,
});
console.log(`${specs.length} runs (${seeds.length} seeds × ${starts.length} dates × ${configs.length} configurations), ${days} day(s) each`);
for (const c of configs) {
  const rs = rows.filter((r) => configOf(r) === c);
  const med = (field: "savingPctConsumer" | "savingPctPv" | "savingPctPvBattery") =>
    [...rs.map((r) => r[field])].sort((a, b) => a - b)[Math.floor(rs.length / 2)].toFixed(1);
  console.log(
    `  ${c.padEnd(36)} median saving ${med("savingPctConsumer")}% / ${med("savingPctPv")}% / ${med("savingPctPvBattery")}%, P2P ${mean(rs.map((r) => r.p2pKWh)).toFixed(0)} kWh a run`,
  );
}
console.log(`wall time ${((performance.now() - started) / 1000).toFixed(1)} s; outputs in ${dir}`);
