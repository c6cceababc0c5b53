/**
 * The files a simulation run produces, as text: summary.json, report.md, participants.csv, intervals.csv
 * and the SVG charts. Pure (no file access) so the command line and the dApp build the same outputs.
 */
import { slotTime } from "../calendar.js";
import type { IntervalDetail, SimulationResult } from "../engine.js";
import { barChart, lineChart } from "./charts.js";
import { CASE_STUDY, savingPct, summarize, type Summary } from "./summary.js";

const CLASS_LABEL = { consumer: "Consumers", pv: "PV prosumers", pvBattery: "PV + battery prosumers" } as const;

/** The bids of one interval, kept for the bid-price chart. */
export interface BidSnapshot {
  localTime: string;
  bids: IntervalDetail["bids"];
  price: number;
}

/** Keeps the first day's busiest interval (most bids) for the bid-price chart: call with each interval. */
export function keepBusiestBids(kept: BidSnapshot | undefined, d: IntervalDetail, start: string): BidSnapshot | undefined {
  if (d.dayIndex !== 0 || (kept && d.bids.length <= kept.bids.length)) return kept;
  return { localTime: `${start} ${slotTime(d.slot)}`, bids: d.bids, price: d.clearing.price };
}

export function csv(rows: (string | number)[][]): string {
  return `${rows.map((r) => r.map((v) => (typeof v === "string" && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v))).join(",")).join("\n")}\n`;
}

export function participantsCsv(r: SimulationResult): string {
  const rows: (string | number)[][] = [
    [
      "index",
      "name",
      "class",
      "supplier",
      "annual_kwh",
      "pv_kwp",
      "battery_kwh",
      "bill_bau_eur",
      "bill_lem_eur",
      "saving_eur",
      "saving_pct",
      "p2p_bought_kwh",
      "p2p_sold_kwh",
      "grid_import_bau_kwh",
      "grid_import_lem_kwh",
      "grid_export_bau_kwh",
      "grid_export_lem_kwh",
      "end_charge_value_bau_eur",
      "end_charge_value_lem_eur",
      "worse_off_intervals",
    ],
  ];
  for (const h of r.households) {
    const x = h.household;
    rows.push([
      x.index,
      x.name,
      x.class,
      r.scenario.suppliers[x.supplier].name,
      x.annualKWh,
      x.pvKWp,
      x.battery ? x.battery.capacityWh / 1000 : 0,
      (h.bauNano / 1e9).toFixed(6),
      (h.lemNano / 1e9).toFixed(6),
      ((h.bauNano - h.lemNano) / 1e9).toFixed(6),
      savingPct(h.bauNano, h.lemNano),
      h.p2pBoughtWh / 1000,
      h.p2pSoldWh / 1000,
      h.importBauWh / 1000,
      h.gridImportLemWh / 1000,
      h.exportBauWh / 1000,
      h.gridExportLemWh / 1000,
      (h.endChargeBauNano / 1e9).toFixed(6),
      (h.endChargeLemNano / 1e9).toFixed(6),
      h.worseOffIntervals,
    ]);
  }
  return csv(rows);
}

export function intervalsCsv(r: SimulationResult): string {
  const rows: (string | number)[][] = [
    [
      "interval",
      "local_time",
      "load_kwh",
      "pv_kwh",
      "grid_import_bau_kwh",
      "grid_import_lem_kwh",
      "grid_export_bau_kwh",
      "grid_export_lem_kwh",
      "p2p_kwh",
      "p2p_price_paid_eur_per_kwh",
      "bids",
    ],
  ];
  for (const x of r.intervals) {
    rows.push([
      x.interval,
      x.localTime,
      x.loadWh / 1000,
      x.pvWh / 1000,
      x.importBauWh / 1000,
      x.importLemWh / 1000,
      x.exportBauWh / 1000,
      x.exportLemWh / 1000,
      x.p2pWh / 1000,
      (x.p2pWh > 0 ? x.p2pValue / x.p2pWh / 1e6 : 0).toFixed(6),
      x.bids,
    ]);
  }
  return csv(rows);
}

/** Average over days of each quarter-hour's value. */
function dailyProfile(r: SimulationResult, f: (x: SimulationResult["intervals"][number]) => number): number[] {
  const out = new Array(96).fill(0);
  for (const [i, x] of r.intervals.entries()) out[i % 96] += f(x) / r.days;
  return out;
}

export function charts(r: SimulationResult, s: Summary, snapshot?: BidSnapshot): Record<string, string> {
  const kw = (wh: number) => (wh * 4) / 1000;
  const out: Record<string, string> = {
    "load-pv-profile.svg": lineChart(
      "Average community load and PV over the day",
      "kW",
      [
        { name: "load", values: dailyProfile(r, (x) => kw(x.loadWh)) },
        { name: "PV", values: dailyProfile(r, (x) => kw(x.pvWh)) },
      ],
      slotTime,
    ),
    "grid-exchange.svg": lineChart(
      "Grid exchange over the day: BAU vs LEM (import +, export −)",
      "kW",
      [
        { name: "import BAU", values: dailyProfile(r, (x) => kw(x.importBauWh)), color: "#d62728" },
        { name: "import LEM", values: dailyProfile(r, (x) => kw(x.importLemWh)), color: "#ff9896" },
        { name: "export BAU", values: dailyProfile(r, (x) => -kw(x.exportBauWh)), color: "#1f77b4" },
        { name: "export LEM", values: dailyProfile(r, (x) => -kw(x.exportLemWh)), color: "#aec7e8" },
      ],
      slotTime,
    ),
    "bills-by-class.svg": barChart("Average daily bill per participant", "EUR per day", Object.values(CLASS_LABEL), [
      { name: "BAU", values: Object.keys(CLASS_LABEL).map((c) => s.classes[c as keyof typeof CLASS_LABEL].billBauEur) },
      { name: "LEM", values: Object.keys(CLASS_LABEL).map((c) => s.classes[c as keyof typeof CLASS_LABEL].billLemEur) },
    ]),
    "supplier-margins.svg": barChart(
      "Supplier energy margin",
      "EUR",
      s.suppliers.map((x) => x.name),
      [
        { name: "BAU", values: s.suppliers.map((x) => x.marginBauEur) },
        { name: "LEM", values: s.suppliers.map((x) => x.marginLemEur) },
      ],
    ),
    "network-operator-income.svg": barChart(
      "Network operator income",
      "EUR",
      ["network operator"],
      [
        { name: "BAU", values: [s.networkOperator.incomeBauEur] },
        { name: "LEM", values: [s.networkOperator.incomeLemEur] },
      ],
    ),
  };
  if (snapshot) {
    const asks = snapshot.bids
      .filter((b) => b.side === "sell")
      .map((b) => b.price / 1e6)
      .sort((a, b) => a - b);
    const bids = snapshot.bids
      .filter((b) => b.side === "buy")
      .map((b) => b.price / 1e6)
      .sort((a, b) => b - a);
    const n = Math.max(asks.length, bids.length);
    out["bid-prices.svg"] = lineChart(
      `Bid prices at ${snapshot.localTime} (sorted; clearing ${(snapshot.price / 1e6).toFixed(4)} EUR/kWh)`,
      "EUR per kWh",
      [
        { name: "asks (sellers, ascending)", values: asks.concat(new Array(n - asks.length).fill(asks[asks.length - 1] ?? 0)) },
        { name: "bids (buyers, descending)", values: bids.concat(new Array(n - bids.length).fill(bids[bids.length - 1] ?? 0)) },
      ],
      (i) => String(i + 1),
      Math.max(1, Math.ceil(n / 10)),
    );
  }
  return out;
}

const SETTLEMENT_LABEL = { interval: "interval settlement (bids every interval)", day: "day settlement (standing orders matched ex post)" };

/** The KPIs of both settlement modes of one community, side by side. */
function settlementComparison(a: Summary, b: Summary): string[] {
  const [interval, day] = a.settlement === "interval" ? [a, b] : [b, a];
  const row = (label: string, f: (x: Summary) => string | number) => `| ${label} | ${f(interval)} | ${f(day)} |`;
  return [
    "## Interval and day settlement, side by side",
    "",
    "The same community, weather and tariffs. In day mode every household's metered net position is its order, at the limit prices of its standing order, and batteries serve only their own home (no peer charging or discharging).",
    "",
    "| figure | interval | day |",
    "| --- | ---: | ---: |",
    ...(["consumer", "pv", "pvBattery"] as const).map((k) => row(`saving ${CLASS_LABEL[k]}`, (x) => `${x.classes[k].savingPct.toFixed(1)}%`)),
    row("P2P volume (kWh)", (x) => x.p2pKWh),
    row("average P2P price paid (µEUR/kWh)", (x) => x.averageClearingPrice),
    row("grid import reduction", (x) => `${x.grid.importReductionPct}%`),
    row("peak import reduction", (x) => `${x.grid.peakImportReductionPct}%`),
    row("peak export reduction", (x) => `${x.grid.peakExportReductionPct}%`),
    ...interval.suppliers.map((sup, i) => row(`${sup.name} margin change`, (x) => `${x.suppliers[i].changePct}%`)),
    row("network operator income change", (x) => `${x.networkOperator.changePct}%`),
    row("platform income (EUR)", (x) => x.platform.incomeEur),
    row("households / household-intervals worse off than BAU", (x) => `${x.worseOff.households} / ${x.worseOff.householdIntervals}`),
    "",
  ];
}

export function reportMarkdown(r: SimulationResult, s: Summary, other?: Summary): string {
  const c = s.classes;
  const row = (label: string, ours: string, paper: string, note = "") => `| ${label} | ${ours} | ${paper} | ${note} |`;
  const lines = [
    `# ${s.scenario}: BAU vs LEM`,
    "",
    `${s.participants} participants, ${s.days} day(s) from ${s.start}, ${s.mechanism} clearing, ${SETTLEMENT_LABEL[s.settlement]}${s.marketEnabled ? "" : " (market switched off)"}. Seed ${r.scenario.seed}.`,
    "",
    ...(other ? settlementComparison(s, other) : []),
    "## Bills (average per participant and day)",
    "",
    "| class | count | BAU EUR | LEM EUR | saving | case study saving |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...(["consumer", "pv", "pvBattery"] as const).map(
      (k) =>
        `| ${CLASS_LABEL[k]} | ${c[k].count} | ${c[k].billBauEur.toFixed(3)} | ${c[k].billLemEur.toFixed(3)} | ${c[k].savingPct.toFixed(1)}% | ${CASE_STUDY.savingPct[k]}% |`,
    ),
    "",
    "## Grid, suppliers, network operator",
    "",
    "| figure | ours | case study | |",
    "| --- | ---: | ---: | --- |",
    row("grid import BAU → LEM (kWh)", `${s.grid.importBauKWh} → ${s.grid.importLemKWh} (−${s.grid.importReductionPct}%)`, "", ""),
    row("grid export BAU → LEM (kWh)", `${s.grid.exportBauKWh} → ${s.grid.exportLemKWh} (−${s.grid.exportReductionPct}%)`, "", ""),
    row(
      "peak import BAU → LEM (kW)",
      `${s.grid.peakImportBauKW} → ${s.grid.peakImportLemKW} (−${s.grid.peakImportReductionPct}%)`,
      `−${CASE_STUDY.peakImportReductionPct}%`,
      "",
    ),
    row(
      "peak export BAU → LEM (kW)",
      `${s.grid.peakExportBauKW} → ${s.grid.peakExportLemKW} (−${s.grid.peakExportReductionPct}%)`,
      `−${CASE_STUDY.peakExportReductionPct}%`,
      "",
    ),
    ...s.suppliers.map((x, i) =>
      row(
        `${x.name} margin (EUR)`,
        `${x.marginBauEur} → ${x.marginLemEur} (${x.changePct >= 0 ? "+" : ""}${x.changePct}%)`,
        `+${CASE_STUDY.supplierMarginChangePct[i] ?? "–"}%`,
        "",
      ),
    ),
    row(
      "network operator income (EUR)",
      `${s.networkOperator.incomeBauEur} → ${s.networkOperator.incomeLemEur} (${s.networkOperator.changePct >= 0 ? "+" : ""}${s.networkOperator.changePct}%)`,
      `+${CASE_STUDY.networkOperatorChangePct}%`,
      "",
    ),
    row("platform income (EUR)", `${s.platform.incomeEur}`, "", ""),
    row("P2P volume (kWh)", `${s.p2pKWh}`, "", ""),
    row("average P2P price paid (µEUR/kWh)", `${s.averageClearingPrice}`, "", s.mechanism === "uniform" ? "" : `${s.mechanism} pricing`),
    row(
      "P2P traded but not delivered, settled with the grid (kWh)",
      `${s.imbalanceKWh}`,
      "",
      `forecast: ${r.scenario.market.forecast?.method ?? "perfect"}${r.scenario.market.forecast?.method === "noisy" ? ` (${r.scenario.market.forecast.errorPct}%)` : ""}`,
    ),
    row(
      "worse off than BAU (eqs. 20–21): households / household-intervals",
      `${s.worseOff.households} / ${s.worseOff.householdIntervals}`,
      "0 / 0",
      "households with the end-of-run battery charge valued in both; intervals by their bills alone",
    ),
    row("self-sufficiency BAU → LEM", `${s.selfSufficiency.bauPct}% → ${s.selfSufficiency.lemPct}%`, "", ""),
    row("PV yield (kWh/kWp over the run)", `${s.pvKWhPerKWp}`, "", ""),
    "",
    "## Why our figures differ from the case study's",
    "",
    "- Data: the case study used measured load of 74 HTW Berlin households (CC-BY-NC, not available offline); we scale the BDEW H0 standard profile with a seeded spread, which is smoother than real homes and so leaves fewer coincident surpluses and deficits to match.",
    "- Tariffs: the case study's Tables 1–2 (its tariff split and LEM fees) are lost in our copy; we use public 2023 Berlin figures and state every assumption in the scenario. The LEM fees (platform fee, LEM margins) set how much of the price gap between FiT and ToU is left to share, and with it every saving.",
    "- Bidding: prices are drawn across the case study's allowed ranges (its Figure 6); the share of bids that cross depends on those draws, not on an optimiser.",
    "- Batteries: ours serve their own home first and trade with peers only in the evening (selling spare stored energy) and at midday (charging); the case study's peer rules (its eqs. 33–38) are coarser in our copy.",
    "- Percent savings of prosumers are relative to the size of their BAU bill, which is small (or negative, a net income) on sunny days, so the same euro saving is a larger percentage.",
    "",
    "## Assumptions of the scenario",
    "",
    ...(r.scenario.assumptions ?? []).map((a) => `- ${a}`),
    ...r.scenario.suppliers.flatMap((x) => (x.notes ?? []).map((n) => `- ${x.name}: ${n}`)),
    "",
    "## Files",
    "",
    "summary.json, participants.csv, intervals.csv, and the charts load-pv-profile.svg, grid-exchange.svg, bills-by-class.svg, supplier-margins.svg, network-operator-income.svg, bid-prices.svg.",
    "",
  ];
  return lines.join("\n");
}

/** Every output file of a run, by name. */
/** The run's files; `other` is the same community settled the other way (interval vs day), shown beside it. */
export function simulationOutputs(r: SimulationResult, snapshot?: BidSnapshot, other?: Summary): Record<string, string> {
  const s = summarize(r);
  const json = other ? { ...s, otherSettlement: other } : s;
  return {
    "summary.json": `${JSON.stringify(json, null, 2)}\n`,
    "report.md": reportMarkdown(r, s, other),
    "participants.csv": participantsCsv(r),
    "intervals.csv": intervalsCsv(r),
    ...charts(r, s, snapshot),
  };
}
