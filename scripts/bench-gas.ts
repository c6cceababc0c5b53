/**
 * Gas benchmark of the market contracts against the targets of the market issue and the case study's Table 3.
 * Every figure is gas used by a real transaction on the in-process chain.
 *
 *   npm run bench:gas [-- --participants 200 --quick]
 *   npm run bench:gas -- --day-scale 10000   (a day of that many day-mode households, settled in steps)
 */
import { parseArgs } from "node:util";

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

import { GAS_CAP, measureDayMode, measureDayScale, measureGas } from "./lib/gas-measure.js";
import { fail } from "./lib/cli.js";

/** Committed gas per action: each run prints the change against it; `--snapshot` rewrites it. */
const DEFAULT_SNAPSHOT = "gas-snapshot.json";

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        participants: { type: "string", default: "200" },
        quick: { type: "boolean", default: false },
        snapshot: { type: "boolean", default: false },
        check: { type: "boolean", default: false },
        against: { type: "string", default: DEFAULT_SNAPSHOT },
        "save-measured": { type: "string" },
        "from-measured": { type: "string" },
        "day-scale": { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    return fail(`${(e as Error).message}. Usage: npm run bench:gas -- [--participants N] [--quick] [--snapshot] [--check] [--against FILE] [--day-scale N]`);
  }
})();
if (values.help) {
  console.log(
    "Usage: npm run bench:gas -- [--participants N] [--quick] [--snapshot] [--check] [--against FILE] [--day-scale N]\n  --quick     clearing at 10 and 200 bids only (no 1,000-bid run)\n  --snapshot  rewrite gas-snapshot.json with this run's figures\n  --check     exit 1 when an action costs more than 1% above the snapshot (a gas regression), or more than 1% below it (the snapshot is stale)\n  --against F compare with (and --snapshot writes) F instead of gas-snapshot.json\n  --save-measured F  also write this run's figures to F\n  --from-measured F  measure nothing: compare the figures a run saved in F (with --check, --against)\n  --day-scale N  only this: a day of N day-mode households (201 to 10,000) settled in steps; exit 1 if a transaction reaches the gas cap; writes out/bench/day-scale.json",
  );
  process.exit(0);
}
if (values["day-scale"] !== undefined) {
  const n = Number(values["day-scale"]);
  if (!/^\d+$/.test(values["day-scale"]) || n < 201 || n > 10_000) fail(`--day-scale must be a whole number from 201 to 10000, got "${values["day-scale"]}"`);
  const started = Date.now();
  const s = await measureDayScale(n, (line) => console.error(`… ${line}`));
  const fmt = (x: number) => x.toLocaleString("en-US");
  console.log(`\nDay mode at scale: ${fmt(s.households)} households, ${s.meterPages} meter pages, ${s.tradedIntervals} of 96 intervals with P2P trades`);
  for (const k of ["open", "post", "verify", "settle"] as const) {
    console.log(`  ${k.padEnd(7)} ${String(s[k].transactions).padStart(4)} tx, ${fmt(s[k].gas).padStart(13)} gas, largest ${fmt(s[k].maxTxGas)}`);
  }
  console.log(`  ${fmt(s.perHouseholdDay)} gas per household-day; largest transaction ${fmt(s.maxTxGas)} (cap ${fmt(GAS_CAP)})`);
  if (s.rosterFullRefused !== null) console.log(`  one household more refused (DayRosterFull): ${s.rosterFullRefused}`);
  mkdirSync("out/bench", { recursive: true });
  writeFileSync("out/bench/day-scale.json", `${JSON.stringify(s, null, 2)}\n`);
  console.log(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s; out/bench/day-scale.json`);
  if (s.maxTxGas >= GAS_CAP || s.rosterFullRefused === false) process.exit(1);
  process.exit(0);
}
const SNAPSHOT = values.against;
const fmt = (n: number) => n.toLocaleString("en-US");
if (values["from-measured"]) {
  if (!existsSync(values["from-measured"])) fail(`--from-measured: ${values["from-measured"]} does not exist`);
  compareWithSnapshot(JSON.parse(readFileSync(values["from-measured"], "utf8")) as Record<string, number>);
  process.exit(0);
}
const participants = Number(values.participants);
if (!Number.isInteger(participants) || participants < 10 || participants > 2_000) fail("--participants must be a whole number from 10 to 2000");

const started = Date.now();
const m = await measureGas({
  participants,
  clearingSizes: values.quick ? [10, 200] : [10, 50, 200, 1_000],
  relayBatchSizes: [1, 10, 100],
  log: (line) => console.error(`… ${line}`),
});

const day = await measureDayMode((line) => console.error(`… ${line}`));
m.actions.dayHouseholdDay = {
  gas: day.fusedPerHouseholdDay,
  unit: `per household-day, day mode, ${day.households} households: readings posted and the day settled in one transaction, the day's opening shared`,
};
m.actions.dayHouseholdDayTwoStep = {
  gas: day.perHouseholdDay,
  unit: `per household-day, day mode, ${day.households} households: readings posted, then the day settled by anyone`,
};
m.actions.standingOrder = { gas: day.standingOrderGas, unit: "per standing order set (day mode; a household that keeps its order pays nothing a day)" };

const targets: [string, number, string][] = [
  ["register", 46_000, "register ≤ 46,000"],
  ["bid", 60_000, "direct bid ≤ 60,000"],
  ["bidMax", 60_000, "direct buy bid (the dearer side) ≤ 60,000"],
  ["relayedBid", 15_000, "relayed signed bid ≤ 15,000 each (batch of 100)"],
  ["clear", 8_000, "clearing ≤ 8,000 per bid at 200 bids"],
  ["createCommunity", 400_000, "new community from the factory ≤ 400,000"],
  ["dayHouseholdDay", 50_000, "day mode ≤ 50,000 per household-day at 200 households, everything included"],
];
console.log("\nAction gas (receipts)");
for (const [name, a] of Object.entries(m.actions)) console.log(`  ${name.padEnd(16)} ${fmt(a.gas).padStart(12)}  ${a.unit}`);
console.log("\nRelayed bids by batch size");
for (const b of m.relayedBatches) console.log(`  batch ${String(b.batch).padStart(4)}: ${fmt(b.perBidGas)} per bid (${fmt(b.totalGas)} total)`);
console.log("\nClearing (order pages + pricing + trade emission)");
for (const c of m.clearing)
  console.log(
    `  ${String(c.bids).padStart(5)} bids: ${fmt(c.totalGas)} total, ${fmt(c.perBidGas)} per bid, ${c.transactions} tx, largest ${fmt(c.maxTxGas)} (cap ${fmt(GAS_CAP)})`,
  );
const p = m.perInterval;
const billSettle = Math.round(p.billAndSettleGas / p.participants);
const paged = Math.round((p.billGas + p.settleGas) / p.participants);
console.log(
  `\nMetering, billing and settlement of one interval, ${p.participants} participants: meter ${fmt(p.meterGas)}; bill and settle in one transaction ${fmt(p.billAndSettleGas)}; paged: bill ${fmt(p.billGas)}, settle ${fmt(p.settleGas)}; largest tx ${fmt(p.maxTxGas)}`,
);
console.log(
  `\nDay mode, ${day.households} households (the default scenario's day, ${day.tradedIntervals} of 96 intervals with P2P trades): open ${fmt(day.openGas)}; readings ${fmt(day.meterGas)} in ${day.meterTransactions} tx; settle ${fmt(day.settleGas)}; or both in one transaction ${fmt(day.fusedGas)} (with the opening); largest tx ${fmt(day.maxTxGas)}`,
);
console.log("\nTargets");
for (const [name, limit, text] of targets) {
  const got = m.actions[name]?.gas ?? NaN;
  console.log(`  ${got <= limit ? "met " : "MISS"}  ${text}: ${fmt(got)}`);
}
console.log(
  `  ${billSettle <= 15_000 ? "met " : "MISS"}  billing + settlement ≤ 15,000 per participant and interval: ${fmt(billSettle)} in one transaction (${fmt(paged)} when paged)`,
);
const big = m.clearing.find((c) => c.bids === 1_000);
if (big)
  console.log(
    `  ${big.maxTxGas < GAS_CAP ? "met " : "MISS"}  1,000 bids clear with every tx under ${fmt(GAS_CAP)}: largest ${fmt(big.maxTxGas)} in ${big.transactions} tx`,
  );
const current = Object.fromEntries(Object.entries(m.actions).map(([k, v]) => [k, v.gas]));
if (values["save-measured"]) writeFileSync(values["save-measured"], `${JSON.stringify(current, null, 2)}\n`);
compareWithSnapshot(current);
console.log(`\nwall time ${((Date.now() - started) / 1000).toFixed(1)} s`);

/** Each action's gas against the snapshot; with --check, exit 1 on a regression or a snapshot left behind. */
function compareWithSnapshot(current: Record<string, number>) {
  /** More than this above the snapshot is a regression for --check (calldata bytes vary a little run to run). */
  const REGRESSION_PCT = 1;
  const regressions: string[] = [];
  /** Cheaper than the snapshot by more than REGRESSION_PCT: the snapshot (and the README's gas table) lag behind. */
  const stale: string[] = [];
  if (existsSync(SNAPSHOT)) {
    const committed = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as Record<string, number>;
    console.log(`\nAgainst ${SNAPSHOT}`);
    for (const [k, gas] of Object.entries(current)) {
      const before = committed[k];
      const change = before ? ((gas - before) / before) * 100 : NaN;
      if (change > REGRESSION_PCT) regressions.push(`${k} ${fmt(before)} → ${fmt(gas)} (+${change.toFixed(2)}%)`);
      if (change < -REGRESSION_PCT) stale.push(`${k} ${fmt(before)} → ${fmt(gas)} (${change.toFixed(2)}%)`);
      console.log(
        `  ${k.padEnd(20)} ${fmt(before ?? NaN).padStart(10)} → ${fmt(gas).padStart(10)}  ${Number.isNaN(change) ? "new" : `${change >= 0 ? "+" : ""}${change.toFixed(2)}%`}`,
      );
    }
  } else if (values.check) {
    fail(`--check needs a committed ${SNAPSHOT}; write one with --snapshot`);
  }
  if (values.snapshot) {
    writeFileSync(SNAPSHOT, `${JSON.stringify(current, null, 2)}\n`);
    console.log(`wrote ${SNAPSHOT}`);
  }
  if (values.check && regressions.length > 0) {
    process.stderr.write(`gas regression against ${SNAPSHOT} (more than ${REGRESSION_PCT}%): ${regressions.join("; ")}\n`);
  }
  if (values.check && stale.length > 0 && !values.snapshot) {
    process.stderr.write(
      `cheaper than ${SNAPSHOT} by more than ${REGRESSION_PCT}%: ${stale.join("; ")}. Rewrite it with npm run bench:gas -- --snapshot and update the README's gas table\n`,
    );
  }
  if (values.check && (regressions.length > 0 || (stale.length > 0 && !values.snapshot))) process.exit(1);
}
