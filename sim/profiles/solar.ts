/**
 * PV generation: solar position and a clear-sky model for the community's location, with seeded weather
 * variability, calibrated so a south-facing 35° array yields the scenario's kWh/kWp a year (about 950–1,000
 * in Berlin) on average weather.
 */
import { DAY_MS, dayOfYear, INTERVALS_PER_DAY } from "../calendar.js";
import { Random } from "../random.js";

const RAD = Math.PI / 180;

export interface Site {
  latitude: number;
  longitude: number;
  utcOffsetHours: number;
}

export interface Orientation {
  tiltDeg: number;
  /** 0 = south, negative east, positive west */
  azimuthDeg: number;
}

/**
 * Plane-of-array clear-sky irradiance (W/m²) at the middle of quarter-hour `slot` of a local day.
 * Haurwitz clear-sky GHI; beam/diffuse split 80/20; isotropic sky diffuse on the tilted plane.
 */
export function clearSkyPoa(site: Site, doy: number, slot: number, o: Orientation): number {
  const localHours = (slot + 0.5) / 4;
  const b = (360 / 364) * (doy - 81) * RAD;
  const equationOfTimeMin = 9.87 * Math.sin(2 * b) - 7.53 * Math.cos(b) - 1.5 * Math.sin(b);
  const solarHours = localHours + (4 * (site.longitude - 15 * site.utcOffsetHours) + equationOfTimeMin) / 60;
  const hourAngle = 15 * (solarHours - 12) * RAD;
  const declination = 23.45 * Math.sin((360 / 365) * (284 + doy) * RAD) * RAD;
  const lat = site.latitude * RAD;
  const cosZenith = Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
  if (cosZenith <= 0.01) return 0;
  const ghi = 1098 * cosZenith * Math.exp(-0.059 / cosZenith);
  const dni = (0.8 * ghi) / cosZenith;
  const diffuse = 0.2 * ghi;
  // sun direction: azimuth from south, positive west
  const sinZenith = Math.sqrt(1 - cosZenith * cosZenith);
  const cosSunAz = (Math.sin(lat) * cosZenith - Math.sin(declination)) / (Math.cos(lat) * sinZenith);
  const sunAz = Math.sign(hourAngle) * Math.acos(Math.max(-1, Math.min(1, cosSunAz)));
  const tilt = o.tiltDeg * RAD;
  const cosIncidence = cosZenith * Math.cos(tilt) + sinZenith * Math.sin(tilt) * Math.cos(sunAz - o.azimuthDeg * RAD);
  return Math.max(0, dni * Math.max(0, cosIncidence)) + diffuse * ((1 + Math.cos(tilt)) / 2);
}

/** Daily sky state: a seeded Markov chain of clear, mixed and overcast days, with seasonal odds for Berlin. */
export interface Weather {
  /** Clearness (0..1) per quarter-hour of each simulated day. */
  clearness(dayIndex: number, slot: number): number;
}

const STATES = [0.92, 0.62, 0.22]; // clear, mixed, overcast: share of clear-sky energy
/** Probability of a clear / mixed / overcast day by month (Jan..Dec), Berlin-like climate. */
const MONTH_ODDS: [number, number, number][] = [
  [0.08, 0.32, 0.6],
  [0.12, 0.36, 0.52],
  [0.2, 0.4, 0.4],
  [0.3, 0.42, 0.28],
  [0.34, 0.42, 0.24],
  [0.36, 0.42, 0.22],
  [0.36, 0.42, 0.22],
  [0.36, 0.42, 0.22],
  [0.3, 0.42, 0.28],
  [0.18, 0.4, 0.42],
  [0.08, 0.32, 0.6],
  [0.06, 0.3, 0.64],
];

export function seededWeather(seed: number | string, firstDayMs: number, days: number): Weather {
  const rng = new Random(`weather:${seed}`);
  const state: number[] = [];
  let previous = 1;
  for (let d = 0; d < days; d++) {
    const odds = MONTH_ODDS[new Date(firstDayMs + d * DAY_MS).getUTCMonth()];
    // persistence: keep yesterday's sky with probability 0.35, else draw from the month's odds
    let s: number;
    if (d > 0 && rng.next() < 0.35) s = previous;
    else {
      const u = rng.next();
      s = u < odds[0] ? 0 : u < odds[0] + odds[1] ? 1 : 2;
    }
    state.push(s);
    previous = s;
  }
  // quarter-hour variability on mixed days (passing clouds), smooth on clear and overcast days
  const noise = new Float64Array(days * INTERVALS_PER_DAY);
  for (let i = 0; i < noise.length; i++) noise[i] = rng.next();
  return {
    clearness(dayIndex, slot) {
      const s = state[dayIndex];
      const base = STATES[s];
      const u = noise[dayIndex * INTERVALS_PER_DAY + slot];
      if (s === 1) return Math.min(1, Math.max(0.15, base + (u - 0.5) * 0.7));
      return Math.min(1, Math.max(0.1, base + (u - 0.5) * 0.1));
    },
  };
}

/** Expected clearness of a month (for calibration). */
function expectedClearness(month: number): number {
  const o = MONTH_ODDS[month];
  return o[0] * STATES[0] + o[1] * STATES[1] + o[2] * STATES[2];
}

const PERFORMANCE_RATIO = 0.85;
const calibrationCache = new Map<string, number>();

/**
 * Scale factor so that 1 kWp, south 35°, over a year of expected weather yields `targetKWhPerKWp`.
 * Computed once per site and target.
 */
export function pvCalibration(site: Site, targetKWhPerKWp: number): number {
  const key = `${site.latitude}:${site.longitude}:${site.utcOffsetHours}:${targetKWhPerKWp}`;
  const cached = calibrationCache.get(key);
  if (cached !== undefined) return cached;
  let kwh = 0;
  const south = { tiltDeg: 35, azimuthDeg: 0 };
  for (let doy = 1; doy <= 365; doy++) {
    const month = new Date(Date.UTC(2023, 0, doy)).getUTCMonth();
    const k = expectedClearness(month);
    for (let slot = 0; slot < INTERVALS_PER_DAY; slot++) kwh += (clearSkyPoa(site, doy, slot, south) / 1000) * PERFORMANCE_RATIO * k * 0.25;
  }
  const factor = targetKWhPerKWp / kwh;
  calibrationCache.set(key, factor);
  return factor;
}

/** PV output in W of a `kWp` array for one quarter-hour (before calibration: multiply by pvCalibration). */
export function pvWatts(kWp: number, poa: number, clearness: number): number {
  return kWp * poa * PERFORMANCE_RATIO * clearness;
}

export { dayOfYear };
