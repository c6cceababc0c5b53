/**
 * What the settlement mode a demo did not run costs per household-day, from the committed gas snapshot
 * (gas-snapshot.json, written by `npm run bench:gas -- --snapshot` from real receipts) and the engine's run of the same
 * community in that mode, so that each demo's summary shows both modes side by side.
 */
import { existsSync, readFileSync } from "node:fs";

import { simulate } from "@kiezstrom/engine/engine";
import { costPerDay, intervalHouseholdDayGas } from "@kiezstrom/engine/gas-cost";
import { savingPerHouseholdDayEur } from "@kiezstrom/engine/report/summary";
import type { Scenario, Settlement } from "@kiezstrom/engine/scenario/scenario";

const SNAPSHOT = "gas-snapshot.json";

/** `scenario`'s community settled by `mode`, per household-day at the case study's chains; null without a snapshot. */
export async function otherMode(mode: Settlement, scenario: Scenario) {
  if (!existsSync(SNAPSHOT)) return null;
  const a = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as Record<string, number>;
  const run = await simulate({ ...scenario, market: { ...scenario.market, settlement: mode } });
  const bids = run.intervals.reduce((s, x) => s + x.bids, 0) / run.households.length / run.days;
  const gas =
    mode === "day"
      ? a.dayHouseholdDay
      : intervalHouseholdDayGas({ bid: a.bid, relayedBid: a.relayedBid, clear: a.clear, meter: a.meter, billAndSettle: a.billAndSettle }, bids, 96);
  if (!Number.isFinite(gas)) return null;
  return {
    mode,
    source: `${SNAPSHOT} (npm run bench:gas) and the engine's ${mode}-settled run`,
    perHouseholdDay: costPerDay(gas, savingPerHouseholdDayEur(run)),
  };
}

/** The report lines of `other` beside the demo's own mode. */
export function otherModeLines(other: Awaited<ReturnType<typeof otherMode>>, chainName: (key: string) => string): string[] {
  if (!other) return [];
  return [
    `The other settlement mode, ${other.mode}, for the same community (${other.source}):`,
    "",
    "| per household-day | gas | chain cost EUR | bill saving EUR | net EUR |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...Object.entries(other.perHouseholdDay).map(
      ([k, v]) => `| ${chainName(k)} | ${v.gas.toLocaleString("en-US")} | ${v.costEur} | ${v.savingEur} | ${v.netEur} |`,
    ),
    "",
  ];
}

/** One console line per chain for `other`. */
export function printOtherMode(other: Awaited<ReturnType<typeof otherMode>>, chainName: (key: string) => string) {
  if (!other) return;
  for (const [k, v] of Object.entries(other.perHouseholdDay)) {
    console.log(
      `  ${other.mode} mode instead, ${chainName(k)}: ${v.gas.toLocaleString("en-US")} gas, ${v.costEur.toFixed(4)} EUR per household-day vs bill saving ${v.savingEur.toFixed(4)} EUR → net ${v.netEur.toFixed(4)} EUR (${SNAPSHOT})`,
    );
  }
}
