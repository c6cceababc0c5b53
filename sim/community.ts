/**
 * Builds the community of a scenario: every household with its load, PV, battery, preferences and limits,
 * drawn from seeded randomness so a scenario and seed always give the same homes.
 */
import type { Orientation } from "./profiles/solar.js";
import { Random } from "./random.js";
import type { ApplianceSpec, BatterySpec, ParticipantClass, Preferences, Scenario } from "./scenario/scenario.js";

export interface Household {
  index: number;
  name: string;
  class: ParticipantClass;
  supplier: number;
  /** Annual consumption for the scaled H0 profile (when no appliances are given). */
  annualKWh: number;
  appliances?: ApplianceSpec[];
  pvKWp: number;
  /** Index into the community's PV orientations (shared to keep the sun model cheap). */
  orientation: number;
  battery?: BatterySpec;
  preferences: Preferences;
  importLimitWh: number;
  exportLimitWh: number;
  /** Timing of this home's routine relative to the standard profile, in quarter-hours. */
  shift: number;
  /** Scale of its per-interval load noise. */
  noise: number;
}

/** PV orientations households draw from: south ± 45°, tilt 25–45°. */
export const ORIENTATIONS: readonly Orientation[] = [
  { tiltDeg: 35, azimuthDeg: 0 },
  { tiltDeg: 30, azimuthDeg: -25 },
  { tiltDeg: 30, azimuthDeg: 25 },
  { tiltDeg: 40, azimuthDeg: -45 },
  { tiltDeg: 40, azimuthDeg: 45 },
  { tiltDeg: 25, azimuthDeg: 0 },
  { tiltDeg: 45, azimuthDeg: 10 },
];

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export function buildCommunity(scenario: Scenario): Household[] {
  const rng = new Random(`community:${scenario.seed}`);
  const hh = scenario.households;
  const homes: Household[] = [];
  const add = (cls: ParticipantClass, supplier: number, name: string, r: Random) => {
    // lognormal spread around the class's mean annual consumption
    const sigma = hh.annualKWh.spread;
    const annualKWh = hh.annualKWh[cls] * Math.exp(r.normal(-(sigma * sigma) / 2, sigma));
    const hasPv = cls !== "consumer";
    homes.push({
      index: homes.length,
      name,
      class: cls,
      supplier,
      annualKWh: Math.round(annualKWh),
      pvKWp: hasPv ? Math.round(clamp(r.normal(hh.pvKWp.mean, hh.pvKWp.sd), hh.pvKWp.min, hh.pvKWp.max) * 10) / 10 : 0,
      orientation: hasPv ? r.int(0, ORIENTATIONS.length - 1) : 0,
      battery: cls === "pvBattery" ? hh.battery : undefined,
      preferences: { ...hh.preferences },
      importLimitWh: hh.importLimitWh,
      exportLimitWh: cls === "consumer" ? 0 : hh.exportLimitWh,
      shift: r.int(-2, 2),
      noise: 0.1 + 0.15 * r.next(),
    });
  };
  for (const group of scenario.community) {
    for (const cls of ["consumer", "pv", "pvBattery"] as const) {
      for (let i = 0; i < group[cls]; i++) add(cls, group.supplier, `S${group.supplier + 1}-${cls}-${i + 1}`, rng.fork(`${group.supplier}:${cls}:${i}`));
    }
  }
  for (const [i, spec] of (scenario.extraHouseholds ?? []).entries()) {
    add(spec.class, spec.supplier, spec.name, rng.fork(`extra:${i}`));
    const home = homes[homes.length - 1];
    if (spec.annualKWh !== undefined) home.annualKWh = spec.annualKWh;
    if (spec.appliances) home.appliances = spec.appliances;
    if (spec.pvKWp !== undefined) home.pvKWp = spec.pvKWp;
    if (spec.battery) home.battery = spec.battery;
    if (spec.preferences) home.preferences = { ...home.preferences, ...spec.preferences };
  }
  return homes;
}

/**
 * The simulated home that stands in for a household the scenario does not know (one that registered itself):
 * a home of its class, picked by its address so that the dev meter and the dApp pick the same one.
 */
export function standInHousehold(address: string, cls: ParticipantClass, homes: readonly Household[]): Household | undefined {
  const ofClass = homes.filter((h) => h.class === cls);
  if (ofClass.length === 0) return undefined;
  // FNV-1a over the lower-case address: stable across runs, machines and the browser
  let hash = 0x811c9dc5;
  for (const ch of address.toLowerCase()) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return ofClass[hash % ofClass.length];
}
