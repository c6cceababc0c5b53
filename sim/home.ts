/**
 * A household's own home as its owner describes it (appliances, PV, battery, preferences), checked and
 * simulated with the engine for one day. The dApp's My Home and the local dev meter both use it, so the
 * readings a household sees forecast are the readings its meter posts.
 */
import { buildCommunity, standInHousehold } from "./community.js";
import { simulate } from "./engine.js";
import type { Side } from "./market/clearing.js";
import {
  DEFAULT_SCENARIO,
  scaleCommunity,
  type ApplianceSpec,
  type BatterySpec,
  type ParticipantClass,
  type Preferences,
  type Scenario,
} from "./scenario/scenario.js";
import type { BidKind } from "./strategy.js";

export interface HomeSpec {
  class: ParticipantClass;
  supplier: number;
  /** Everyday load from the standard profile (used when no appliances are listed). */
  annualKWh: number;
  appliances: ApplianceSpec[];
  pvKWp: number;
  battery: BatterySpec | null;
  preferences: Preferences;
}

export interface HomeDay {
  date: string;
  loadWh: number[];
  pvWh: number[];
  /** Battery charge at the end of each interval, Wh (empty without a battery). */
  socWh: number[];
  importWh: number[];
  exportWh: number[];
  /** What auto-trading would bid per slot. */
  bids: { slot: number; kind: BidKind; side: Side; wh: number; price: number }[][];
}

export function communityScenario(community?: { seed: number; households: number }): Scenario {
  if (!community) return DEFAULT_SCENARIO;
  return { ...scaleCommunity(DEFAULT_SCENARIO, community.households), seed: community.seed };
}

/** The stand-in home of `address` for its class, as the dev meter picks it; the class defaults without one. */
export function initialHome(address: string, cls: ParticipantClass, supplier: number, community?: { seed: number; households: number }): HomeSpec {
  const scenario = communityScenario(community);
  const h = standInHousehold(address, cls, buildCommunity(scenario));
  const defaults = scenario.households;
  return {
    class: cls,
    supplier: h?.supplier ?? supplier,
    annualKWh: h?.annualKWh ?? defaults.annualKWh[cls],
    appliances: [],
    pvKWp: cls === "consumer" ? 0 : (h?.pvKWp ?? defaults.pvKWp.mean),
    battery: cls === "pvBattery" ? { ...defaults.battery } : null,
    // auto-trading signs on the household's behalf: the household turns it on, not the default
    preferences: { ...(h?.preferences ?? defaults.preferences), autoTrading: false },
  };
}

/** Why a home cannot be simulated, or null. */
export function homeProblem(h: HomeSpec): string | null {
  if (!(h.annualKWh > 0 && h.annualKWh <= 100_000)) return "Yearly consumption must be between 1 and 100,000 kWh.";
  if (!(h.pvKWp >= 0 && h.pvKWp <= 100)) return "PV power must be between 0 and 100 kWp.";
  for (const a of h.appliances) {
    if (!a.name.trim()) return "Every appliance needs a name.";
    if (!(a.ratedW > 0 && a.ratedW <= 50_000)) return `${a.name}: power must be between 1 and 50,000 W.`;
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(a.start)) return `${a.name}: start must be HH:MM.`;
    if (!(a.durationMin > 0 && a.durationMin <= 1440)) return `${a.name}: duration must be 1 to 1440 minutes.`;
  }
  const b = h.battery;
  if (b) {
    if (!(b.capacityWh > 0)) return "Battery capacity must be above zero.";
    if (!(b.minSoc >= 0 && b.minSoc < b.maxSoc && b.maxSoc <= 1)) return "Battery limits need 0 ≤ minimum < maximum ≤ 100 %.";
    if (!(b.maxChargeW > 0 && b.maxDischargeW > 0)) return "Battery power limits must be above zero.";
  }
  const p = h.preferences;
  if (!(p.batteryReservePct >= 0 && p.batteryReservePct <= 100)) return "Battery reserve must be 0–100 %.";
  return null;
}

/** Simulates the home through one day with the engine (weather of the community's seed). */
export async function simulateHome(h: HomeSpec, date: string, seed = DEFAULT_SCENARIO.seed): Promise<HomeDay> {
  const battery = h.battery ? { ...h.battery, initialSoc: Math.min(Math.max(h.battery.initialSoc, h.battery.minSoc), h.battery.maxSoc) } : undefined;
  const scenario: Scenario = {
    ...DEFAULT_SCENARIO,
    start: date,
    days: 1,
    seed,
    community: [],
    extraHouseholds: [
      {
        name: "My home",
        class: h.class,
        supplier: h.supplier,
        annualKWh: h.annualKWh,
        ...(h.appliances.length > 0 ? { appliances: h.appliances } : {}),
        pvKWp: h.pvKWp,
        ...(battery ? { battery } : {}),
        preferences: { ...h.preferences, autoTrading: true },
      },
    ],
  };
  const day: HomeDay = { date, loadWh: [], pvWh: [], socWh: [], importWh: [], exportWh: [], bids: [] };
  await simulate(scenario, {
    onInterval: (d) => {
      day.loadWh.push(d.loadWh[0]);
      day.pvWh.push(d.pvWh[0]);
      const soc = d.batterySocWh[0];
      if (soc !== null) day.socWh.push(soc);
      day.importWh.push(d.readings[0].importWh);
      day.exportWh.push(d.readings[0].exportWh);
      day.bids.push(d.bids.map((b) => ({ slot: d.slot, kind: b.kind, side: b.side, wh: b.wh, price: b.price })));
    },
  });
  return day;
}

/** A home received as JSON (from a browser), checked field by field; throws an Error naming the field. */
export function parseHome(value: unknown): HomeSpec {
  const o = value as Record<string, unknown>;
  const num = (v: unknown, field: string) => {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`home.${field} must be a number`);
    return v;
  };
  if (typeof o !== "object" || o === null) throw new Error("home must be an object");
  if (o.class !== "consumer" && o.class !== "pv" && o.class !== "pvBattery") throw new Error("home.class must be consumer, pv or pvBattery");
  if (!Array.isArray(o.appliances)) throw new Error("home.appliances must be a list");
  const appliances: ApplianceSpec[] = o.appliances.map((a: Record<string, unknown>, i: number) => {
    if (typeof a?.name !== "string" || typeof a?.start !== "string") throw new Error(`home.appliances[${i}] needs a name and a start HH:MM`);
    return { name: a.name, ratedW: num(a.ratedW, `appliances[${i}].ratedW`), start: a.start, durationMin: num(a.durationMin, `appliances[${i}].durationMin`) };
  });
  const b = o.battery as Record<string, unknown> | null;
  const battery: BatterySpec | null =
    b === null || b === undefined
      ? null
      : {
          capacityWh: num(b.capacityWh, "battery.capacityWh"),
          maxChargeW: num(b.maxChargeW, "battery.maxChargeW"),
          maxDischargeW: num(b.maxDischargeW, "battery.maxDischargeW"),
          chargeEfficiency: num(b.chargeEfficiency, "battery.chargeEfficiency"),
          dischargeEfficiency: num(b.dischargeEfficiency, "battery.dischargeEfficiency"),
          minSoc: num(b.minSoc, "battery.minSoc"),
          maxSoc: num(b.maxSoc, "battery.maxSoc"),
          initialSoc: num(b.initialSoc, "battery.initialSoc"),
        };
  const p = o.preferences as Record<string, unknown>;
  if (typeof p !== "object" || p === null || typeof p.autoTrading !== "boolean") throw new Error("home.preferences needs autoTrading true or false");
  const home: HomeSpec = {
    class: o.class,
    supplier: num(o.supplier, "supplier"),
    annualKWh: num(o.annualKWh, "annualKWh"),
    appliances,
    pvKWp: num(o.pvKWp, "pvKWp"),
    battery,
    preferences: {
      batteryReservePct: num(p.batteryReservePct, "preferences.batteryReservePct"),
      autoTrading: p.autoTrading,
      ...(p.minSellPrice !== undefined ? { minSellPrice: num(p.minSellPrice, "preferences.minSellPrice") } : {}),
      ...(p.maxBuyPrice !== undefined ? { maxBuyPrice: num(p.maxBuyPrice, "preferences.maxBuyPrice") } : {}),
    },
  };
  const problem = homeProblem(home);
  if (problem) throw new Error(problem);
  return home;
}
