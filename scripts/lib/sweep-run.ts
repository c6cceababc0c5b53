/**
 * One run of a sweep (npm run sweep): the scenario with this run's seed, dates, strategy, mechanism and settlement,
 * simulated by the engine, summarized into one row. Pure: the same spec gives the same row, in any thread.
 */
import { simulate } from "@kiezstrom/engine/engine";
import type { Mechanism } from "@kiezstrom/engine/market/clearing";
import { summarize } from "@kiezstrom/engine/report/summary";
import type { Scenario, Settlement } from "@kiezstrom/engine/scenario/scenario";
import type { StrategyName } from "@kiezstrom/engine/strategy";

export interface SweepSpec {
  run: number;
  seed: number;
  start: string;
  /** The season the start stands for, when the sweep was given seasons. */
  season: string | null;
  days: number;
  strategy: StrategyName;
  mechanism: Mechanism;
  settlement: Settlement;
}

export interface SweepRow extends SweepSpec {
  participants: number;
  savingPctConsumer: number;
  savingPctPv: number;
  savingPctPvBattery: number;
  p2pKWh: number;
  averagePaidPrice: number;
  importReductionPct: number;
  peakImportReductionPct: number;
  peakExportReductionPct: number;
  worseOffHouseholds: number;
  worseOffHouseholdIntervals: number;
}

export async function runSweepSpec(base: Scenario, spec: SweepSpec): Promise<SweepRow> {
  const scenario: Scenario = {
    ...base,
    seed: spec.seed,
    start: spec.start,
    days: spec.days,
    market: { ...base.market, strategy: spec.strategy, mechanism: spec.mechanism, settlement: spec.settlement },
  };
  const s = summarize(await simulate(scenario));
  return {
    ...spec,
    participants: s.participants,
    savingPctConsumer: s.classes.consumer.savingPct,
    savingPctPv: s.classes.pv.savingPct,
    savingPctPvBattery: s.classes.pvBattery.savingPct,
    p2pKWh: s.p2pKWh,
    averagePaidPrice: s.averageClearingPrice,
    importReductionPct: s.grid.importReductionPct,
    peakImportReductionPct: s.grid.peakImportReductionPct,
    peakExportReductionPct: s.grid.peakExportReductionPct,
    worseOffHouseholds: s.worseOff.households,
    worseOffHouseholdIntervals: s.worseOff.householdIntervals,
  };
}
