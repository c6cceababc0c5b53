/**
 * npm run gas-report -- [--eth-eur X] [--eth-gwei X] [--pol-eur X] [--pol-gwei X] [--profiles FILE] [--quick] [--out DIR]
 *
 * Gas of every market action from real receipts on the local chain, priced for each chain profile with
 * W = c × g × z × 1e-18, beside the case study's Table 3, and the researcher's question answered: the
 * on-chain cost per participant-day on each chain against the bill saving per participant-day.
 */
import { existsSync, readFileSync } from "node:fs";

import { simulate } from "@kiezstrom/engine/engine";
import { costPerDay, DEFAULT_CHAINS, gasCostEur, roundTo, type ChainProfile } from "@kiezstrom/engine/gas-cost";
import { barChart, lineChart } from "@kiezstrom/engine/report/charts";
import { csv } from "@kiezstrom/engine/report/outputs";
import { DEFAULT_SCENARIO } from "@kiezstrom/engine/scenario/scenario";
import { fail, flags, writeOutputs } from "./lib/cli.js";
import { GAS_CAP, measureGas } from "./lib/gas-measure.js";

const USAGE = `Usage: npm run gas-report -- [--eth-eur X] [--eth-gwei X] [--pol-eur X] [--pol-gwei X] [--profiles FILE] [--quick] [--out DIR]
  --eth-eur, --eth-gwei   Ethereum: EUR per ETH (default 1139.86) and gas price in gwei (default 20)
  --pol-eur, --pol-gwei   Polygon: EUR per POL (default 0.73) and gas price in gwei (default 250)
  --profiles FILE         JSON {"<chain>": {"name", "eurPerNative", "gwei"}}: adds or replaces chain profiles
  --quick                 clearing at 10, 50 and 200 bids only (no 1,000-bid run)
  --out DIR               output folder (default out/gas)`;

const values = flags(
  {
    "eth-eur": { type: "string" },
    "eth-gwei": { type: "string" },
    "pol-eur": { type: "string" },
    "pol-gwei": { type: "string" },
    profiles: { type: "string" },
    quick: { type: "boolean" },
    out: { type: "string" },
  },
  USAGE,
);

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) fail(`--${name} must be a positive number, got "${text}"`);
  return n;
}

const chains: Record<string, ChainProfile> = {
  ethereum: {
    ...DEFAULT_CHAINS.ethereum,
    eurPerNative: positive("eth-eur", values["eth-eur"], DEFAULT_CHAINS.ethereum.eurPerNative),
    gwei: positive("eth-gwei", values["eth-gwei"], DEFAULT_CHAINS.ethereum.gwei),
  },
  polygon: {
    ...DEFAULT_CHAINS.polygon,
    eurPerNative: positive("pol-eur", values["pol-eur"], DEFAULT_CHAINS.polygon.eurPerNative),
    gwei: positive("pol-gwei", values["pol-gwei"], DEFAULT_CHAINS.polygon.gwei),
  },
};
if (values.profiles) {
  if (!existsSync(values.profiles)) fail(`--profiles ${values.profiles}: no such file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(values.profiles, "utf8"));
  } catch (e) {
    fail(`--profiles ${values.profiles} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) fail(`--profiles must hold an object of chain profiles`);
  for (const [key, p] of Object.entries(parsed as Record<string, Record<string, unknown>>)) {
    if (!/^[a-z][a-z0-9-]*$/.test(key)) fail(`--profiles: chain key "${key}" must be lower-case letters, digits and dashes`);
    const name = typeof p?.name === "string" && p.name ? p.name : key;
    if (typeof p?.eurPerNative !== "number" || !(p.eurPerNative > 0)) fail(`--profiles: ${key}.eurPerNative must be a positive number`);
    if (typeof p?.gwei !== "number" || !(p.gwei > 0)) fail(`--profiles: ${key}.gwei must be a positive number`);
    chains[key] = { name, eurPerNative: p.eurPerNative as number, gwei: p.gwei as number };
  }
}

/** The case study's Table 3 (gas). */
const TABLE_3: Record<string, number> = { deploy: 3_928_062, register: 43_967, bid: 113_234, clear: 362_957, bill: 101_403, settle: 59_259 };
// which of our actions stands for each of Table 3's (the per-page billing and settlement of larger communities)

const started = Date.now();
const measured = await measureGas({
  participants: 200,
  clearingSizes: values.quick ? [10, 50, 200] : [10, 50, 200, 1_000],
  relayBatchSizes: [1, 10, 100],
  log: (line) => process.stderr.write(`… ${line}\n`),
});

// Cost per participant-day for the default community: the engine's default day gives how many bids each
// participant places; every interval also orders, clears, meters, bills and settles.
const day = await simulate(DEFAULT_SCENARIO);
const participants = day.households.length;
let bids = 0;
for (const x of day.intervals) bids += x.bids;
const a = measured.actions;
const bidGas = (a.bid.gas + a.relayedBid.gas) / 2; // half the households bid directly, half are relayed
// the default community meters in one page, so it bills and settles each interval in one transaction
const perIntervalParticipantGas = a.meter.gas + a.billAndSettle.gas;
const dayGas = bids * (bidGas + a.clear.gas) + day.intervals.length * participants * perIntervalParticipantGas;
const perParticipantDayGas = dayGas / participants;
const savingEur = day.households.reduce((s, h) => s + h.bauNano - h.lemNano, 0) / 1e9 / participants;
const round = (x: number, d = 6) => roundTo(x, d);

const actions = Object.fromEntries(
  Object.entries(a).map(([name, v]) => [
    name,
    { gas: v.gas, unit: v.unit, costEur: Object.fromEntries(Object.entries(chains).map(([k, ch]) => [k, round(gasCostEur(v.gas, ch))])) },
  ]),
);
const perParticipantDay = costPerDay(perParticipantDayGas, savingEur, chains);
const gasJson = {
  actions,
  chains: Object.fromEntries(Object.entries(chains).map(([k, ch]) => [k, { name: ch.name, eurPerNative: ch.eurPerNative, gwei: ch.gwei }])),
  clearing: measured.clearing,
  relayedBatches: measured.relayedBatches,
  perParticipantDay,
  caseStudyTable3: Object.fromEntries(
    Object.entries(TABLE_3).map(([k, g]) => [k, { gas: g, ours: a[k]?.gas ?? null, ratio: a[k] ? round(a[k].gas / g, 4) : null }]),
  ),
  basis: { participants, intervals: day.intervals.length, bidsPerParticipantDay: round(bids / participants, 2), gasCap: GAS_CAP },
};

const fmt = (n: number) => n.toLocaleString("en-US");
const chainKeys = Object.keys(chains);
const md = [
  "# Gas and its cost per chain",
  "",
  `Gas from receipts of real transactions on the in-process Hardhat chain (Osaka rules, per-transaction cap ${fmt(GAS_CAP)}). Cost W = c × g × z × 1e-18 with ${chainKeys.map((k) => `${chains[k].name}: ${chains[k].gwei} gwei at ${chains[k].eurPerNative} EUR`).join("; ")}.`,
  "",
  `| action | gas | unit | ${chainKeys.map((k) => `${chains[k].name} EUR`).join(" | ")} |`,
  `| --- | ---: | --- | ${chainKeys.map(() => "---:").join(" | ")} |`,
  ...Object.entries(actions).map(([n, v]) => `| ${n} | ${fmt(v.gas)} | ${v.unit} | ${chainKeys.map((k) => v.costEur[k]).join(" | ")} |`),
  "",
  "## Beside the case study's Table 3",
  "",
  "| action | case study gas | ours | ratio |",
  "| --- | ---: | ---: | ---: |",
  ...Object.entries(gasJson.caseStudyTable3).map(([k, v]) => `| ${k} | ${fmt(v.gas)} | ${v.ours === null ? "–" : fmt(v.ours)} | ${v.ratio ?? "–"} |`),
  "",
  "Units differ: the case study's figures are per transaction of its contract; ours are per bid (bid, clear) and per participant and interval (bill, settle), and `deploy` is the whole system (libraries, implementation, factory and a first community). A further community costs `createCommunity`.",
  "",
  "## Clearing against bid count",
  "",
  "| bids | total gas | per bid | transactions | largest transaction |",
  "| ---: | ---: | ---: | ---: | ---: |",
  ...measured.clearing.map((c) => `| ${fmt(c.bids)} | ${fmt(c.totalGas)} | ${fmt(c.perBidGas)} | ${c.transactions} | ${fmt(c.maxTxGas)} |`),
  "",
  "## Relayed bids by batch size",
  "",
  "| batch | gas per bid |",
  "| ---: | ---: |",
  ...measured.relayedBatches.map((b) => `| ${b.batch} | ${fmt(b.perBidGas)} |`),
  "",
  "## Does it pay? Cost per participant-day (default community, 96 intervals)",
  "",
  `${participants} participants placing ${round(bids / participants, 1)} bids each per day (the engine's default day), half direct and half relayed; every interval ordered, cleared, metered, then billed and settled in one transaction.`,
  "",
  "| chain | gas per participant-day | cost EUR | bill saving EUR | net EUR |",
  "| --- | ---: | ---: | ---: | ---: |",
  ...Object.entries(perParticipantDay).map(([k, v]) => `| ${chains[k].name} | ${fmt(v.gas)} | ${v.costEur} | ${v.savingEur} | ${v.netEur} |`),
  "",
];
const rows: (string | number)[][] = [["action", "gas", "unit", ...chainKeys.map((k) => `cost_eur_${k}`)]];
for (const [n, v] of Object.entries(actions)) rows.push([n, v.gas, v.unit, ...chainKeys.map((k) => v.costEur[k])]);
const costChart = barChart(
  "Cost per action (EUR, log10 scale)",
  "log10 EUR",
  Object.keys(actions),
  chainKeys.map((k) => ({ name: chains[k].name, values: Object.values(actions).map((v) => round(Math.log10(Math.max(v.costEur[k], 1e-9)), 3)) })),
);
const clearingChart = lineChart(
  "Clearing gas against bid count",
  "gas",
  [
    { name: "total gas", values: measured.clearing.map((c) => c.totalGas) },
    { name: "largest transaction", values: measured.clearing.map((c) => c.maxTxGas) },
  ],
  (i) => `${measured.clearing[i].bids} bids`,
  1,
);
const dir = writeOutputs(values.out ?? "out/gas", {
  "gas.json": `${JSON.stringify(gasJson, null, 2)}\n`,
  "gas.md": md.join("\n"),
  "gas.csv": csv(rows),
  "cost-per-action.svg": costChart,
  "clearing-gas.svg": clearingChart,
});
console.log(md.join("\n"));
console.log(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s; outputs in ${dir}`);
