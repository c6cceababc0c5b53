/**
 * Household load per quarter-hour: the BDEW H0 profile scaled to the household's annual consumption and
 * dynamised by day of year, with per-household timing and per-interval noise; or the sum of its appliances.
 */
import { H0_KW, type DayType, type Season } from "../data/h0-profile.js";
import type { ApplianceSpec } from "../scenario/scenario.js";

/** Wh in a quarter-hour at 1 kW. */
const WH_PER_KW_INTERVAL = 250;

/** H0 kWh of a year of the standard profile is 1,000; this is the kW value of quarter-hour `slot`. */
export function h0Kw(season: Season, dayType: DayType, slot: number): number {
  return H0_KW[season][dayType][((slot % 96) + 96) % 96];
}

/**
 * Wh of a scaled H0 load in one quarter-hour: `annualKWh / 1000` × profile × dynamisation, with the
 * household's timing shift (quarter-hours) and a noise factor.
 */
export function h0LoadWh(annualKWh: number, season: Season, dayType: DayType, slot: number, dynamisationFactor: number, shift: number, noise: number): number {
  return (annualKWh / 1000) * h0Kw(season, dayType, slot - shift) * dynamisationFactor * noise * WH_PER_KW_INTERVAL;
}

/** Wh drawn by appliances in quarter-hour `slot` of a day with weekday `weekday` (0 = Sunday). */
export function applianceLoadWh(appliances: readonly ApplianceSpec[], weekday: number, slot: number): number {
  let wh = 0;
  for (const a of appliances) {
    if (a.days && !a.days.includes(weekday)) continue;
    const [h, m] = a.start.split(":").map(Number);
    const startMin = h * 60 + m;
    const from = slot * 15;
    const to = from + 15;
    // minutes of [startMin, startMin + duration) that fall in this quarter-hour (wrapping past midnight)
    let minutes = 0;
    for (const offset of [0, -1440]) {
      const s = startMin + offset;
      const e = s + a.durationMin;
      minutes += Math.max(0, Math.min(e, to) - Math.max(s, from));
    }
    wh += (a.ratedW * minutes) / 60;
  }
  return wh;
}
