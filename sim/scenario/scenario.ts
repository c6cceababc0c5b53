/**
 * Scenario files: what community to simulate, where, when, with which tariffs and market. A scenario is
 * plain JSON; `parseScenario` checks every field and says which one is wrong and how to fix it.
 */
import { MAX_TARIFF_COMPONENT, TARIFF_FIELDS, tariffProblem, type SupplierTariff } from "../market/tariff.js";
import { MECHANISMS, type Mechanism } from "../market/clearing.js";
import { STRATEGIES, type StrategyName } from "../strategy.js";
import { parseDate } from "../calendar.js";
import caseStudy from "./berlin-case-study.json" with { type: "json" };

export type ParticipantClass = "consumer" | "pv" | "pvBattery";
/** How the market settles: every interval on its own (bids, clearing, bills), or a day at a time (standing orders
 *  matched against the metered readings, contracts/MarketDays.sol). */
export type Settlement = "interval" | "day";
export type Forecast = { method: "perfect" } | { method: "persistence" } | { method: "noisy"; errorPct: number };
export const SETTLEMENTS: readonly Settlement[] = ["interval", "day"];
export const CLASSES: readonly ParticipantClass[] = ["consumer", "pv", "pvBattery"];

export interface BatterySpec {
  capacityWh: number;
  maxChargeW: number;
  maxDischargeW: number;
  chargeEfficiency: number;
  dischargeEfficiency: number;
  /** Fractions of capacity. */
  minSoc: number;
  maxSoc: number;
  initialSoc: number;
}

export interface Preferences {
  /** µEUR/kWh; asks never go below this. */
  minSellPrice?: number;
  /** µEUR/kWh; bids never go above this. */
  maxBuyPrice?: number;
  /** Share of battery capacity (%) kept for the home, never sold. */
  batteryReservePct: number;
  /** Place bids automatically each interval. */
  autoTrading: boolean;
}

export interface ApplianceSpec {
  name: string;
  ratedW: number;
  /** Local start time HH:MM and duration in minutes, on the given weekdays (0 = Sunday; all days when absent). */
  start: string;
  durationMin: number;
  days?: number[];
}

/** A household given in full (instead of generated from the community counts). */
export interface HouseholdSpec {
  name: string;
  class: ParticipantClass;
  supplier: number;
  /** Annual consumption for the scaled H0 profile; ignored when appliances are given. */
  annualKWh?: number;
  appliances?: ApplianceSpec[];
  pvKWp?: number;
  battery?: BatterySpec;
  preferences?: Partial<Preferences>;
}

export interface Scenario {
  name: string;
  description?: string;
  location: { name?: string; latitude: number; longitude: number; utcOffsetHours: number };
  start: string;
  days: number;
  seed: number;
  pvYieldKWhPerKWp: number;
  suppliers: { name: string; tariff: SupplierTariff; notes?: string[] }[];
  community: { supplier: number; consumer: number; pv: number; pvBattery: number }[];
  households: {
    annualKWh: Record<ParticipantClass, number> & { spread: number };
    pvKWp: { mean: number; sd: number; min: number; max: number };
    battery: BatterySpec;
    importLimitWh: number;
    exportLimitWh: number;
    preferences: Preferences;
  };
  extraHouseholds?: HouseholdSpec[];
  /** `settlement` is optional in a scenario file (default "interval"); day mode clears at the uniform price only. */
  market: {
    enabled: boolean;
    mechanism: Mechanism;
    gateLeadSeconds: number;
    settlement?: Settlement;
    strategy?: StrategyName;
    /** How households know the quantities they bid (optional; default perfect): `persistence` bids the previous
     *  interval's metered position, `noisy` the actual one with a normal error of `errorPct` percent. Deliveries are
     *  metered; what was traded but not delivered is settled with the grid at its prices. */
    forecast?: Forecast;
  };
  assumptions?: string[];
}

/** A scenario field that is wrong: where, what, and how to fix it. */
export class ScenarioError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`scenario field \`${field}\`: ${problem}`);
    this.name = "ScenarioError";
  }
}

export const DEFAULT_SCENARIO: Scenario = caseStudy as Scenario;

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

class Reader {
  constructor(private readonly path: string) {}
  at(key: string | number): Reader {
    return new Reader(typeof key === "number" ? `${this.path}[${key}]` : this.path ? `${this.path}.${key}` : key);
  }
  fail(problem: string): never {
    throw new ScenarioError(this.path || "(root)", problem);
  }
  object(v: Json): Record<string, Json> {
    if (!isObject(v)) this.fail(`must be an object, got ${JSON.stringify(v)}`);
    return v;
  }
  array(v: Json): Json[] {
    if (!Array.isArray(v)) this.fail(`must be a list, got ${JSON.stringify(v)}`);
    return v;
  }
  number(v: Json, min: number, max: number, integer = false): number {
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(`must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    if (integer && !Number.isInteger(v)) this.fail(`must be a whole number, got ${v}`);
    if (v < min || v > max) this.fail(`must be from ${min} to ${max}, got ${v}`);
    return v;
  }
  string(v: Json): string {
    if (typeof v !== "string" || v.length === 0) this.fail(`must be a non-empty text, got ${JSON.stringify(v)}`);
    return v;
  }
  boolean(v: Json): boolean {
    if (typeof v !== "boolean") this.fail(`must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }
}

function readBattery(r: Reader, v: Json): BatterySpec {
  const o = r.object(v);
  const b: BatterySpec = {
    capacityWh: r.at("capacityWh").number(o.capacityWh, 100, 1_000_000, true),
    maxChargeW: r.at("maxChargeW").number(o.maxChargeW, 1, 100_000),
    maxDischargeW: r.at("maxDischargeW").number(o.maxDischargeW, 1, 100_000),
    chargeEfficiency: r.at("chargeEfficiency").number(o.chargeEfficiency, 0.5, 1),
    dischargeEfficiency: r.at("dischargeEfficiency").number(o.dischargeEfficiency, 0.5, 1),
    minSoc: r.at("minSoc").number(o.minSoc, 0, 1),
    maxSoc: r.at("maxSoc").number(o.maxSoc, 0, 1),
    initialSoc: r.at("initialSoc").number(o.initialSoc, 0, 1),
  };
  if (b.minSoc >= b.maxSoc) r.at("minSoc").fail(`(${b.minSoc}) must be below maxSoc (${b.maxSoc}); lower minSoc or raise maxSoc`);
  if (b.initialSoc < b.minSoc || b.initialSoc > b.maxSoc)
    r.at("initialSoc").fail(`(${b.initialSoc}) must lie between minSoc (${b.minSoc}) and maxSoc (${b.maxSoc})`);
  return b;
}

function readPreferences(r: Reader, v: Json, partial: boolean): Partial<Preferences> {
  const o = r.object(v);
  const p: Partial<Preferences> = {};
  if (o.minSellPrice !== undefined) p.minSellPrice = r.at("minSellPrice").number(o.minSellPrice, 0, MAX_TARIFF_COMPONENT, true);
  if (o.maxBuyPrice !== undefined) p.maxBuyPrice = r.at("maxBuyPrice").number(o.maxBuyPrice, 0, MAX_TARIFF_COMPONENT, true);
  if (o.batteryReservePct !== undefined || !partial) p.batteryReservePct = r.at("batteryReservePct").number(o.batteryReservePct, 0, 100);
  if (o.autoTrading !== undefined || !partial) p.autoTrading = r.at("autoTrading").boolean(o.autoTrading);
  const known = new Set(["minSellPrice", "maxBuyPrice", "batteryReservePct", "autoTrading"]);
  for (const k of Object.keys(o)) if (!known.has(k)) r.at(k).fail(`is not a preference; use one of ${[...known].join(", ")}`);
  return p;
}

function readClass(r: Reader, v: Json): ParticipantClass {
  if (!CLASSES.includes(v as ParticipantClass)) r.fail(`must be one of ${CLASSES.join(", ")}, got ${JSON.stringify(v)}`);
  return v as ParticipantClass;
}

/** Checks a parsed JSON value and returns it as a Scenario, or throws ScenarioError naming the field. */
export function parseScenario(value: Json): Scenario {
  const r = new Reader("");
  const o = r.object(value);
  const known = new Set([
    "name",
    "description",
    "location",
    "start",
    "days",
    "seed",
    "pvYieldKWhPerKWp",
    "suppliers",
    "community",
    "households",
    "extraHouseholds",
    "market",
    "assumptions",
  ]);
  for (const k of Object.keys(o)) if (!known.has(k)) r.at(k).fail(`is not a scenario field; the fields are ${[...known].join(", ")}`);
  const loc = r.at("location").object(o.location);
  const start = r.at("start").string(o.start);
  if (parseDate(start) === null) r.at("start").fail(`must be a date YYYY-MM-DD, got ${JSON.stringify(start)}`);
  const suppliersIn = r.at("suppliers").array(o.suppliers);
  if (suppliersIn.length === 0 || suppliersIn.length > 16) r.at("suppliers").fail(`must list 1 to 16 suppliers, got ${suppliersIn.length}`);
  const suppliers = suppliersIn.map((s, i) => {
    const sr = r.at("suppliers").at(i);
    const so = sr.object(s);
    const tr = sr.at("tariff");
    const to = tr.object(so.tariff);
    const po = tr.at("prices").object(to.prices);
    const prices = Object.fromEntries(
      TARIFF_FIELDS.map((f) => [f, tr.at("prices").at(f).number(po[f], 0, MAX_TARIFF_COMPONENT, true)]),
    ) as unknown as SupplierTariff["prices"];
    const problem = tariffProblem(prices);
    if (problem) tr.at("prices").fail(problem);
    return {
      name: sr.at("name").string(so.name),
      tariff: { prices, dailyChargeMicroEur: tr.at("dailyChargeMicroEur").number(to.dailyChargeMicroEur, 0, 1e12, true) },
      notes:
        so.notes === undefined
          ? undefined
          : sr
              .at("notes")
              .array(so.notes)
              .map((n, k) => sr.at("notes").at(k).string(n)),
    };
  });
  const community = r
    .at("community")
    .array(o.community)
    .map((g, i) => {
      const gr = r.at("community").at(i);
      const go = gr.object(g);
      const supplier = gr.at("supplier").number(go.supplier, 0, suppliers.length - 1, true);
      return {
        supplier,
        consumer: gr.at("consumer").number(go.consumer, 0, 100_000, true),
        pv: gr.at("pv").number(go.pv, 0, 100_000, true),
        pvBattery: gr.at("pvBattery").number(go.pvBattery, 0, 100_000, true),
      };
    });
  const hr = r.at("households");
  const ho = hr.object(o.households);
  const ak = hr.at("annualKWh").object(ho.annualKWh);
  const pk = hr.at("pvKWp").object(ho.pvKWp);
  const pvKWp = {
    mean: hr.at("pvKWp").at("mean").number(pk.mean, 0.1, 100),
    sd: hr.at("pvKWp").at("sd").number(pk.sd, 0, 50),
    min: hr.at("pvKWp").at("min").number(pk.min, 0.1, 100),
    max: hr.at("pvKWp").at("max").number(pk.max, 0.1, 100),
  };
  if (pvKWp.min > pvKWp.max) hr.at("pvKWp").at("min").fail(`(${pvKWp.min}) must not exceed max (${pvKWp.max})`);
  const households: Scenario["households"] = {
    annualKWh: {
      consumer: hr.at("annualKWh").at("consumer").number(ak.consumer, 100, 100_000),
      pv: hr.at("annualKWh").at("pv").number(ak.pv, 100, 100_000),
      pvBattery: hr.at("annualKWh").at("pvBattery").number(ak.pvBattery, 100, 100_000),
      spread: hr.at("annualKWh").at("spread").number(ak.spread, 0, 2),
    },
    pvKWp,
    battery: readBattery(hr.at("battery"), ho.battery),
    importLimitWh: hr.at("importLimitWh").number(ho.importLimitWh, 1, 16_777_215, true),
    exportLimitWh: hr.at("exportLimitWh").number(ho.exportLimitWh, 1, 16_777_215, true),
    preferences: readPreferences(hr.at("preferences"), ho.preferences, false) as Preferences,
  };
  const extraHouseholds =
    o.extraHouseholds === undefined
      ? undefined
      : r
          .at("extraHouseholds")
          .array(o.extraHouseholds)
          .map((h, i) => {
            const xr = r.at("extraHouseholds").at(i);
            const xo = xr.object(h);
            const cls = readClass(xr.at("class"), xo.class);
            const spec: HouseholdSpec = {
              name: xr.at("name").string(xo.name),
              class: cls,
              supplier: xr.at("supplier").number(xo.supplier, 0, suppliers.length - 1, true),
            };
            if (xo.annualKWh !== undefined) spec.annualKWh = xr.at("annualKWh").number(xo.annualKWh, 100, 100_000);
            if (xo.pvKWp !== undefined) spec.pvKWp = xr.at("pvKWp").number(xo.pvKWp, 0.1, 100);
            if (cls !== "consumer" && spec.pvKWp === undefined) xr.at("pvKWp").fail(`is needed for a ${cls} household (kWp of its PV array)`);
            if (xo.battery !== undefined) spec.battery = readBattery(xr.at("battery"), xo.battery);
            if (cls === "pvBattery" && !spec.battery) spec.battery = households.battery;
            if (xo.preferences !== undefined) spec.preferences = readPreferences(xr.at("preferences"), xo.preferences, true);
            if (xo.appliances !== undefined) {
              spec.appliances = xr
                .at("appliances")
                .array(xo.appliances)
                .map((a, k) => {
                  const ar = xr.at("appliances").at(k);
                  const ao = ar.object(a);
                  const startText = ar.at("start").string(ao.start);
                  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(startText)) ar.at("start").fail(`must be a time HH:MM, got ${JSON.stringify(startText)}`);
                  return {
                    name: ar.at("name").string(ao.name),
                    ratedW: ar.at("ratedW").number(ao.ratedW, 1, 50_000),
                    start: startText,
                    durationMin: ar.at("durationMin").number(ao.durationMin, 15, 1440, true),
                    days:
                      ao.days === undefined
                        ? undefined
                        : ar
                            .at("days")
                            .array(ao.days)
                            .map((d, j) => ar.at("days").at(j).number(d, 0, 6, true)),
                  };
                });
            }
            return spec;
          });
  const mo = r.at("market").object(o.market);
  const mechanism = mo.mechanism;
  if (!MECHANISMS.includes(mechanism as Mechanism))
    r.at("market")
      .at("mechanism")
      .fail(`must be one of ${MECHANISMS.map((m) => JSON.stringify(m)).join(", ")}, got ${JSON.stringify(mechanism)}`);
  const strategy = mo.strategy ?? "zero-intelligence";
  if (!STRATEGIES.includes(strategy as StrategyName))
    r.at("market")
      .at("strategy")
      .fail(`must be one of ${STRATEGIES.map((x) => JSON.stringify(x)).join(", ")}, got ${JSON.stringify(strategy)}`);
  let forecast: Forecast = { method: "perfect" };
  if (mo.forecast !== undefined) {
    const fr = r.at("market").at("forecast");
    const fo = fr.object(mo.forecast);
    if (fo.method === "perfect" || fo.method === "persistence") forecast = { method: fo.method };
    else if (fo.method === "noisy") forecast = { method: "noisy", errorPct: fr.at("errorPct").number(fo.errorPct, 0, 100) };
    else fr.at("method").fail(`must be "perfect", "persistence" or "noisy", got ${JSON.stringify(fo.method)}`);
  }
  const settlement = mo.settlement ?? "interval";
  if (!SETTLEMENTS.includes(settlement as Settlement))
    r.at("market")
      .at("settlement")
      .fail(`must be "interval" or "day", got ${JSON.stringify(settlement)}`);
  if (settlement === "day" && mechanism !== "uniform")
    r.at("market")
      .at("mechanism")
      .fail(`day settlement clears every interval at the uniform price; set "uniform" (got ${JSON.stringify(mechanism)})`);
  const total = community.reduce((s, g) => s + g.consumer + g.pv + g.pvBattery, 0) + (extraHouseholds?.length ?? 0);
  if (total === 0) r.at("community").fail("has no households; give counts per supplier or extraHouseholds");
  return {
    name: r.at("name").string(o.name),
    description: o.description === undefined ? undefined : r.at("description").string(o.description),
    location: {
      name: loc.name === undefined ? undefined : r.at("location").at("name").string(loc.name),
      latitude: r.at("location").at("latitude").number(loc.latitude, -66, 66),
      longitude: r.at("location").at("longitude").number(loc.longitude, -180, 180),
      utcOffsetHours: r.at("location").at("utcOffsetHours").number(loc.utcOffsetHours, -12, 14, true),
    },
    start,
    days: r.at("days").number(o.days, 1, 3660, true),
    seed: r.at("seed").number(o.seed, 0, 2 ** 32 - 1, true),
    pvYieldKWhPerKWp: r.at("pvYieldKWhPerKWp").number(o.pvYieldKWhPerKWp, 100, 3000),
    suppliers,
    community,
    households,
    extraHouseholds,
    market: {
      enabled: r.at("market").at("enabled").boolean(mo.enabled),
      mechanism: mechanism as Mechanism,
      gateLeadSeconds: r.at("market").at("gateLeadSeconds").number(mo.gateLeadSeconds, 0, 86_400, true),
      settlement: settlement as Settlement,
      strategy: strategy as StrategyName,
      forecast,
    },
    assumptions:
      o.assumptions === undefined
        ? undefined
        : r
            .at("assumptions")
            .array(o.assumptions)
            .map((a, i) => r.at("assumptions").at(i).string(a)),
  };
}

/** The scenario with its community scaled to `total` households, keeping each group's class shares. */
export function scaleCommunity(scenario: Scenario, total: number): Scenario {
  const groups = scenario.community.flatMap((g) => (["consumer", "pv", "pvBattery"] as const).map((cls) => ({ supplier: g.supplier, cls, count: g[cls] })));
  const current = groups.reduce((s, g) => s + g.count, 0);
  const scaled = groups.map((g) => ({ ...g, exact: (g.count * total) / current, count: Math.floor((g.count * total) / current) }));
  let left = total - scaled.reduce((s, g) => s + g.count, 0);
  for (const g of [...scaled].sort((a, b) => b.exact - b.count - (a.exact - a.count))) {
    if (left-- <= 0) break;
    g.count++;
  }
  const community = scenario.community.map((g) => ({
    supplier: g.supplier,
    consumer: scaled.find((x) => x.supplier === g.supplier && x.cls === "consumer")!.count,
    pv: scaled.find((x) => x.supplier === g.supplier && x.cls === "pv")!.count,
    pvBattery: scaled.find((x) => x.supplier === g.supplier && x.cls === "pvBattery")!.count,
  }));
  return { ...scenario, community, extraHouseholds: [] };
}
