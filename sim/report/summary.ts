/**
 * The KPIs of a simulation run, as the case study reports them: bills per class BAU vs LEM, grid exchange and
 * peaks, supplier margins, network operator, platform and tax income, P2P volume, self-sufficiency. Pure: shared by the
 * simulate and demo commands and the dApp.
 */
import type { SimulationResult } from "../engine.js";
import { roundTo as round } from "../gas-cost.js";
import { CLASSES, type ParticipantClass, type Settlement } from "../scenario/scenario.js";

const NANO_PER_EUR = 1e9;
const eur = (nano: number) => round(nano / NANO_PER_EUR, 4);
const kwh = (wh: number) => round(wh / 1000, 3);
/** Peak power in kW of an interval's energy (Wh in 15 minutes). */
const kwOf = (wh: number) => round((wh * 4) / 1000, 3);

/** % saving of LEM against BAU, relative to the size of the BAU bill (bills of prosumers may be negative). */
export function savingPct(bau: number, lem: number): number {
  if (bau === 0) return 0;
  return round(((bau - lem) / Math.abs(bau)) * 100, 2);
}

export function pctChange(before: number, after: number): number {
  if (before === 0) return 0;
  return round(((after - before) / Math.abs(before)) * 100, 2);
}

export interface ClassSummary {
  count: number;
  /** Average daily bill per participant, EUR. */
  billBauEur: number;
  billLemEur: number;
  savingPct: number;
}

export interface Summary {
  scenario: string;
  start: string;
  days: number;
  participants: number;
  mechanism: string;
  /** "interval": every interval bid, cleared and settled on its own; "day": standing orders matched ex post, a day at a
   *  time. */
  settlement: Settlement;
  marketEnabled: boolean;
  classes: Record<ParticipantClass, ClassSummary>;
  grid: {
    importBauKWh: number;
    importLemKWh: number;
    exportBauKWh: number;
    exportLemKWh: number;
    peakImportBauKW: number;
    peakImportLemKW: number;
    peakExportBauKW: number;
    peakExportLemKW: number;
    importReductionPct: number;
    exportReductionPct: number;
    peakImportReductionPct: number;
    peakExportReductionPct: number;
  };
  suppliers: { name: string; marginBauEur: number; marginLemEur: number; changePct: number }[];
  networkOperator: { incomeBauEur: number; incomeLemEur: number; changePct: number };
  platform: { incomeEur: number };
  taxes: { bauEur: number; lemEur: number };
  p2pKWh: number;
  loadKWh: number;
  pvKWh: number;
  pvKWhPerKWp: number;
  selfSufficiency: { bauPct: number; lemPct: number };
  /** The case study's eqs. 20–21 ask that no participant be worse off than in BAU: the households whose LEM result
   *  (bills less the end-of-run value of their battery's charge) is above their BAU result, and the household-intervals
   *  whose LEM bill is above the BAU bill. */
  worseOff: { households: number; householdIntervals: number };
  /** P2P energy traded but not delivered, settled with the grid (a forecast's error; 0 with perfect forecasts). */
  imbalanceKWh: number;
  /** What P2P energy cost its buyers on average, µEUR/kWh: Σ paid / Σ Wh over the run, whatever the mechanism. */
  averageClearingPrice: number;
}

export function summarize(r: SimulationResult): Summary {
  const classes = Object.fromEntries(
    CLASSES.map((cls) => {
      const members = r.households.filter((h) => h.household.class === cls);
      const bau = members.reduce((s, h) => s + h.bauNano, 0);
      const lem = members.reduce((s, h) => s + h.lemNano, 0);
      const per = members.length * r.days || 1;
      return [cls, { count: members.length, billBauEur: eur(bau / per), billLemEur: eur(lem / per), savingPct: savingPct(bau, lem) }];
    }),
  ) as Record<ParticipantClass, ClassSummary>;
  const sum = (f: (x: SimulationResult["intervals"][number]) => number) => r.intervals.reduce((s, x) => s + f(x), 0);
  const peak = (f: (x: SimulationResult["intervals"][number]) => number) => r.intervals.reduce((m, x) => Math.max(m, f(x)), 0);
  const importBau = sum((x) => x.importBauWh);
  const importLem = sum((x) => x.importLemWh);
  const exportBau = sum((x) => x.exportBauWh);
  const exportLem = sum((x) => x.exportLemWh);
  const load = sum((x) => x.loadWh);
  const pv = sum((x) => x.pvWh);
  const p2p = sum((x) => x.p2pWh);
  const priced = r.intervals.filter((x) => x.p2pWh > 0);
  const networkBau = r.suppliers.reduce((s, x) => s + x.networkBauNano, 0);
  const networkLem = r.suppliers.reduce((s, x) => s + x.networkLemNano, 0);
  const kWp = r.households.reduce((s, h) => s + h.household.pvKWp, 0);
  return {
    scenario: r.scenario.name,
    start: r.scenario.start,
    days: r.days,
    participants: r.households.length,
    mechanism: r.scenario.market.mechanism,
    settlement: r.scenario.market.settlement ?? "interval",
    marketEnabled: r.scenario.market.enabled,
    classes,
    grid: {
      importBauKWh: kwh(importBau),
      importLemKWh: kwh(importLem),
      exportBauKWh: kwh(exportBau),
      exportLemKWh: kwh(exportLem),
      peakImportBauKW: kwOf(peak((x) => x.importBauWh)),
      peakImportLemKW: kwOf(peak((x) => x.importLemWh)),
      peakExportBauKW: kwOf(peak((x) => x.exportBauWh)),
      peakExportLemKW: kwOf(peak((x) => x.exportLemWh)),
      importReductionPct: -pctChange(importBau, importLem),
      exportReductionPct: -pctChange(exportBau, exportLem),
      peakImportReductionPct: -pctChange(
        peak((x) => x.importBauWh),
        peak((x) => x.importLemWh),
      ),
      peakExportReductionPct: -pctChange(
        peak((x) => x.exportBauWh),
        peak((x) => x.exportLemWh),
      ),
    },
    suppliers: r.scenario.suppliers.map((s, i) => ({
      name: s.name,
      marginBauEur: eur(r.suppliers[i].marginBauNano),
      marginLemEur: eur(r.suppliers[i].marginLemNano),
      changePct: pctChange(r.suppliers[i].marginBauNano, r.suppliers[i].marginLemNano),
    })),
    networkOperator: { incomeBauEur: eur(networkBau), incomeLemEur: eur(networkLem), changePct: pctChange(networkBau, networkLem) },
    platform: { incomeEur: eur(r.suppliers.reduce((s, x) => s + x.platformNano, 0)) },
    taxes: { bauEur: eur(r.suppliers.reduce((s, x) => s + x.leviesBauNano, 0)), lemEur: eur(r.suppliers.reduce((s, x) => s + x.leviesLemNano, 0)) },
    p2pKWh: kwh(p2p),
    loadKWh: kwh(load),
    pvKWh: kwh(pv),
    pvKWhPerKWp: kWp > 0 ? round(pv / 1000 / kWp, 2) : 0,
    selfSufficiency: { bauPct: load ? round((1 - importBau / load) * 100, 2) : 0, lemPct: load ? round((1 - importLem / load) * 100, 2) : 0 },
    worseOff: {
      households: r.households.filter((h) => h.lemNano - h.endChargeLemNano > h.bauNano - h.endChargeBauNano).length,
      householdIntervals: r.households.reduce((s, h) => s + h.worseOffIntervals, 0),
    },
    imbalanceKWh: kwh(r.households.reduce((s, h) => s + h.imbalanceWh, 0)),
    averageClearingPrice: priced.length ? Math.round(priced.reduce((s, x) => s + x.p2pValue, 0) / p2p) : 0,
  };
}

/** The case study's headline results (Ali et al. 2023), to set beside ours. */
export const CASE_STUDY = {
  savingPct: { consumer: 4.9, pv: 15.7, pvBattery: 29.8 },
  peakExportReductionPct: 61.52,
  peakImportReductionPct: 26.93,
  supplierMarginChangePct: [7.4, 4.5],
  networkOperatorChangePct: 5.4,
  dailyBillLemEur: { consumer: 5.8, pv: 2.1, pvBattery: 1.0 },
} as const;

/** What the market saves a household a day on average (BAU bill − LEM bill), EUR. */
export function savingPerHouseholdDayEur(r: SimulationResult): number {
  return r.households.reduce((s, h) => s + h.bauNano - h.lemNano, 0) / 1e9 / r.households.length / r.days;
}
