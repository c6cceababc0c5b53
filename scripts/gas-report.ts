/**
 * npm run gas-report -- [--eth-eur X] [--eth-gwei X] [--pol-eur X] [--pol-gwei X] [--profiles FILE] [--quick] [--out DIR]
 *
 * Gas of every market action from real receipts on the local chain, priced for each chain profile
 * (sim/data/chain-profiles.json: the case study's 2023 prices and dated 2026 ones, rollups with their L1 data fee),
 * beside the case study's Table 3, and the researcher's question answered for both settlement modes: the on-chain
 * cost per household-day on each chain against the bill saving per household-day.
 */
import { existsSync, readFileSync } from "node:fs";

import { simulate } from "@kiezstrom/engine/engine";
import {
  CHAIN_PROFILES,
  type ChainProfile,
  costPerDay,
  gasCostEur,
  intervalHouseholdDayGas,
  l1DataEurPerUnit,
  parseChainProfile,
  roundTo,
  type TxBasket,
} from "@kiezstrom/engine/gas-cost";
import { barChart, lineChart } from "@kiezstrom/engine/report/charts";
import { csv } from "@kiezstrom/engine/report/outputs";
import { savingPerHouseholdDayEur } from "@kiezstrom/engine/report/summary";
import { DEFAULT_SCENARIO } from "@kiezstrom/engine/scenario/scenario";
import { fail, flags, writeOutputs } from "./lib/cli.js";
import { GAS_CAP, measureDayMode, measureGas } from "./lib/gas-measure.js";

const USAGE = `Usage: npm run gas-report -- [--eth-eur X] [--eth-gwei X] [--pol-eur X] [--pol-gwei X] [--profiles FILE] [--quick] [--out DIR]
  --eth-eur, --eth-gwei   the case study's Ethereum: EUR per ETH (default 1139.86) and gas price in gwei (default 20)
  --pol-eur, --pol-gwei   the case study's Polygon: EUR per POL (default 0.73) and gas price in gwei (default 250)
  --profiles FILE         JSON {"<chain>": {"name", "eurPerNative", "gwei", "l1Data"?}}: adds or replaces chain profiles
                          (the format of sim/data/chain-profiles.json)
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
  ...CHAIN_PROFILES,
  ethereum: {
    ...CHAIN_PROFILES.ethereum,
    eurPerNative: positive("eth-eur", values["eth-eur"], CHAIN_PROFILES.ethereum.eurPerNative),
    gwei: positive("eth-gwei", values["eth-gwei"], CHAIN_PROFILES.ethereum.gwei),
  },
  polygon: {
    ...CHAIN_PROFILES.polygon,
    eurPerNative: positive("pol-eur", values["pol-eur"], CHAIN_PROFILES.polygon.eurPerNative),
    gwei: positive("pol-gwei", values["pol-gwei"], CHAIN_PROFILES.polygon.gwei),
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
  for (const [key, raw] of Object.entries(parsed as Record<string, unknown>)) {
    try {
      chains[key] = parseChainProfile(key, raw);
    } catch (e) {
      fail(`--profiles: ${(e as Error).message}`);
    }
  }
}

/** The case study's Table 3 (gas). */
const TABLE_3: Record<string, number> = { deploy: 3_928_062, register: 43_967, bid: 113_234, clear: 362_957, bill: 101_403, settle: 59_259 };
// which of our actions stands for each of Table 3's (the per-page billing and settlement of larger communities)

const started = Date.now();
const log = (line: string) => process.stderr.write(`… ${line}\n`);
const measured = await measureGas({
  participants: 200,
  clearingSizes: values.quick ? [10, 50, 200] : [10, 50, 200, 1_000],
  relayBatchSizes: [1, 10, 100],
  log,
});

log("day mode: the default day settled a day at a time");
const dayMode = await measureDayMode(log);

// Interval mode, per household-day of the default community: the engine's default day gives how many bids each
// household places; every interval also orders, clears, meters, bills and settles.
const intervalRun = await simulate(DEFAULT_SCENARIO);
const participants = intervalRun.households.length;
let bids = 0;
for (const x of intervalRun.intervals) bids += x.bids;
const a = measured.actions;
const b = measured.baskets;
const intervals = intervalRun.intervals.length;
const perParticipantDayGas = intervalHouseholdDayGas(
  { bid: a.bid.gas, relayedBid: a.relayedBid.gas, clear: a.clear.gas, meter: a.meter.gas, billAndSettle: a.billAndSettle.gas },
  bids / participants,
  intervals,
);
// the same household-day's L1 data, for rollups: each action's transactions priced by size, per unit, times its count
const intervalData = (chain: ChainProfile) => {
  const per = (basket: TxBasket) => l1DataEurPerUnit(basket, chain);
  return (bids * ((per(b.bid) + per(b.relayedBid)) / 2 + per(b.clear)) + intervals * participants * (per(b.meter) + per(b.billAndSettle))) / participants;
};
const intervalSaving = savingPerHouseholdDayEur(intervalRun);
// Day mode: the meter's one transaction a day and the day's opening, over the households; the engine's day-settled run
// gives the saving (standing orders matched against the metered readings)
const dayRun = await simulate({ ...DEFAULT_SCENARIO, market: { ...DEFAULT_SCENARIO.market, settlement: "day" } });
const daySaving = savingPerHouseholdDayEur(dayRun);

const perMode = (gas: number, saving: number, l1Data: (chain: ChainProfile) => number) => {
  const perChain = costPerDay(gas, saving, chains, Object.fromEntries(Object.entries(chains).map(([k, ch]) => [k, l1Data(ch)])));
  return {
    gas: Math.round(gas),
    costEur: Object.fromEntries(Object.entries(perChain).map(([k, v]) => [k, v.costEur])),
    savingEur: roundTo(saving, 6),
    netEur: Object.fromEntries(Object.entries(perChain).map(([k, v]) => [k, v.netEur])),
  };
};
const modes = {
  interval: { perHouseholdDay: perMode(perParticipantDayGas, intervalSaving, intervalData) },
  day: { perHouseholdDay: perMode(dayMode.fusedPerHouseholdDay, daySaving, (ch) => l1DataEurPerUnit(dayMode.baskets.fused, ch)) },
};
const round = (x: number, d = 6) => roundTo(x, d);

const unitCost = (gas: number, basket: TxBasket | undefined, chain: ChainProfile) => gasCostEur(gas, chain) + (basket ? l1DataEurPerUnit(basket, chain) : 0);
const actions = Object.fromEntries(
  Object.entries(a).map(([name, v]) => [
    name,
    { gas: v.gas, unit: v.unit, costEur: Object.fromEntries(Object.entries(chains).map(([k, ch]) => [k, round(unitCost(v.gas, b[name], ch))])) },
  ]),
);
const dayActions = {
  dayHouseholdDay: {
    gas: dayMode.fusedPerHouseholdDay,
    unit: "per household-day, day mode, the meter's one transaction and the day's opening",
    basket: dayMode.baskets.fused,
  },
  dayHouseholdDayTwoStep: {
    gas: dayMode.perHouseholdDay,
    unit: "per household-day, day mode, readings posted then settled by anyone, and the day's opening",
    basket: dayMode.baskets.twoStep,
  },
  standingOrder: { gas: dayMode.standingOrderGas, unit: "per standing order set (once; nothing a day while it stands)", basket: dayMode.baskets.standingOrder },
};
for (const [name, v] of Object.entries(dayActions)) {
  actions[name] = { gas: v.gas, unit: v.unit, costEur: Object.fromEntries(Object.entries(chains).map(([k, ch]) => [k, round(unitCost(v.gas, v.basket, ch))])) };
}
const perParticipantDay = costPerDay(
  perParticipantDayGas,
  intervalSaving,
  chains,
  Object.fromEntries(Object.entries(chains).map(([k, ch]) => [k, intervalData(ch)])),
);
const gasJson = {
  actions,
  chains,
  clearing: measured.clearing,
  relayedBatches: measured.relayedBatches,
  perParticipantDay,
  modes,
  caseStudyTable3: Object.fromEntries(
    Object.entries(TABLE_3).map(([k, g]) => [k, { gas: g, ours: a[k]?.gas ?? null, ratio: a[k] ? round(a[k].gas / g, 4) : null }]),
  ),
  basis: {
    participants,
    intervals,
    bidsPerParticipantDay: round(bids / participants, 2),
    gasCap: GAS_CAP,
    dayMode: { households: dayMode.households, tradedIntervals: dayMode.tradedIntervals, maxTxGas: dayMode.maxTxGas },
  },
};

const fmt = (n: number) => n.toLocaleString("en-US");
const chainKeys = Object.keys(chains);
const md = [
  "# Gas and its cost per chain",
  "",
  `Gas from receipts of real transactions on the in-process Hardhat chain (Osaka rules, per-transaction cap ${fmt(GAS_CAP)}). Execution costs W = c × g × z × 1e-18 (the case study's formula). A rollup adds the L1 data fee of each signed transaction, from its measured compressed size: OP Stack after Fjord, max(100e6, −42,585,600 + 836,500 × fastlzSize) × (baseFeeScalar × l1BaseFee × 16 + blobBaseFeeScalar × l1BlobBaseFee) / 1e12; Arbitrum, the brotli-compressed size × 16 units a byte × its L1 price per unit.`,
  "",
  "## Does it pay? Net benefit per household-day, both settlement modes",
  "",
  `The default community (${participants} households, one June day). Interval mode: ${round(bids / participants, 1)} bids per household and day (the engine's default day), half direct and half relayed; every interval ordered, cleared, metered, then billed and settled in one transaction. Day mode: each household's standing order set once (nothing a day), the day opened by the operator and posted and settled by the meter in one transaction (${fmt(dayMode.maxTxGas)} gas, the largest transaction of the day's paths). Savings are each mode's own (BAU bill − LEM bill, the engine's run in that mode).`,
  "",
  "| chain | as of | interval: cost EUR | interval: net EUR | day: cost EUR | day: net EUR |",
  "| --- | --- | ---: | ---: | ---: | ---: |",
  ...chainKeys.map(
    (k) =>
      `| ${chains[k].name} | ${chains[k].asOf ?? "–"} | ${modes.interval.perHouseholdDay.costEur[k]} | ${modes.interval.perHouseholdDay.netEur[k]} | ${modes.day.perHouseholdDay.costEur[k]} | **${modes.day.perHouseholdDay.netEur[k]}** |`,
  ),
  "",
  `Gas per household-day: interval ${fmt(modes.interval.perHouseholdDay.gas)}, day ${fmt(modes.day.perHouseholdDay.gas)}. Bill saving per household-day: interval ${modes.interval.perHouseholdDay.savingEur} EUR, day ${modes.day.perHouseholdDay.savingEur} EUR (in day mode batteries serve only their own home).`,
  "",
  "### Chain profiles",
  "",
  "| chain | EUR per native token | gas price gwei | L1 data fee | as of | source |",
  "| --- | ---: | ---: | --- | --- | --- |",
  ...chainKeys.map((k) => {
    const ch = chains[k];
    const l1 = !ch.l1Data
      ? "–"
      : ch.l1Data.kind === "op-stack-fjord"
        ? `OP Fjord: L1 base fee ${ch.l1Data.l1BaseFeeGwei} gwei, blob base fee ${ch.l1Data.l1BlobBaseFeeGwei} gwei, scalars ${ch.l1Data.baseFeeScalar} / ${ch.l1Data.blobBaseFeeScalar}`
        : `Arbitrum: ${ch.l1Data.l1PricePerUnitGwei} gwei per unit, brotli level ${ch.l1Data.brotliLevel}`;
    return `| ${ch.name} | ${ch.eurPerNative} | ${ch.gwei} | ${l1} | ${ch.asOf ?? "–"} | ${ch.source ?? "–"} |`;
  }),
  "",
  "## Every action",
  "",
  `| action | gas | unit | ${chainKeys.map((k) => `${chains[k].name} EUR`).join(" | ")} |`,
  `| --- | ---: | --- | ${chainKeys.map(() => "---:").join(" | ")} |`,
  ...Object.entries(actions).map(([n, v]) => `| ${n} | ${fmt(v.gas)} | ${v.unit} | ${chainKeys.map((k) => v.costEur[k]).join(" | ")} |`),
  "",
  `A rollup's L1 data fee is included where the action's transactions were measured (${[...Object.keys(b), ...Object.keys(dayActions)].join(", ")}); the other rows are execution only.`,
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
// net benefit spans −140 to +0.14 EUR: a signed log scale (sign × log10(1 + |net| / 1 ct)) keeps both in view
const signedLog = (eur: number) => round(Math.sign(eur) * Math.log10(1 + Math.abs(eur) / 0.01), 3);
const netChart = barChart(
  "Net benefit per household-day (bill saving − chain cost)",
  "sign × log10(1 + |net EUR| / 0.01)",
  chainKeys.map((k) => chains[k].name),
  (["interval", "day"] as const).map((m) => ({ name: `${m} mode`, values: chainKeys.map((k) => signedLog(modes[m].perHouseholdDay.netEur[k])) })),
);
const dir = writeOutputs(values.out ?? "out/gas", {
  "net-benefit.svg": netChart,
  "gas.json": `${JSON.stringify(gasJson, null, 2)}\n`,
  "gas.md": md.join("\n"),
  "gas.csv": csv(rows),
  "cost-per-action.svg": costChart,
  "clearing-gas.svg": clearingChart,
});
console.log(md.join("\n"));
const polygon = modes.day.perHouseholdDay.netEur.polygon;
if (polygon !== undefined) console.log(`day mode on Polygon at the case study's prices: net ${polygon} EUR per household-day`);
console.log(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s; outputs in ${dir}`);
