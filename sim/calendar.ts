/**
 * Time in the engine. Intervals are 15 minutes; interval ids are unix seconds / 900, as on chain. Profiles
 * are in local standard time (a fixed UTC offset, CET for Berlin: daylight saving is not modelled, so the
 * H0 profile and the sun keep one clock all year).
 */
import type { DayType, Season } from "./data/h0-profile.js";

export const INTERVAL_SECONDS = 900;
export const INTERVALS_PER_DAY = 96;
const DAY_MS = 86_400_000;

/** Parses YYYY-MM-DD strictly; returns the UTC midnight in ms, or null. */
export function parseDate(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(ms);
  if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return null;
  return ms;
}

/** Local clock time HH:MM at the start of quarter-hour `slot` (0..95). */
export function slotTime(slot: number): string {
  return `${String(Math.floor(slot / 4)).padStart(2, "0")}:${String((slot % 4) * 15).padStart(2, "0")}`;
}

/** The chain interval id of quarter-hour `slot` (0..95) of the local day starting at `localMidnightMs` (as UTC ms). */
export function intervalId(localDayMs: number, slot: number, utcOffsetHours: number): number {
  return Math.floor((localDayMs - utcOffsetHours * 3_600_000) / 1000 / INTERVAL_SECONDS) + slot;
}

/** The slot (interval % 96) at which a local day starts, as the market's dayStartSlot. */
export function dayStartSlot(utcOffsetHours: number): number {
  return (((-utcOffsetHours * 4) % INTERVALS_PER_DAY) + INTERVALS_PER_DAY) % INTERVALS_PER_DAY;
}

export function dayOfYear(dayMs: number): number {
  const d = new Date(dayMs);
  return Math.floor((dayMs - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
}

/** BDEW seasons: summer 15 May – 14 Sep; transition 21 Mar – 14 May and 15 Sep – 31 Oct; winter otherwise. */
export function seasonOf(dayMs: number): Season {
  const d = new Date(dayMs);
  const md = (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
  if (md >= 515 && md <= 914) return "summer";
  if ((md >= 321 && md <= 514) || (md >= 915 && md <= 1031)) return "transition";
  return "winter";
}

/** Working day, Saturday or Sunday; Berlin public holidays count as Sunday, 24 and 31 December as Saturday. */
export function dayTypeOf(dayMs: number): DayType {
  const d = new Date(dayMs);
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  if (month === 12 && (day === 24 || day === 31)) return "saturday";
  if (isBerlinHoliday(dayMs)) return "sunday";
  const weekday = d.getUTCDay();
  return weekday === 0 ? "sunday" : weekday === 6 ? "saturday" : "workday";
}

/** BDEW dynamisation factor for day of year t. */
export function dynamisation(t: number): number {
  return -3.92e-10 * t ** 4 + 3.2e-7 * t ** 3 - 7.02e-5 * t ** 2 + 2.1e-3 * t + 1.24;
}

function easterSunday(year: number): number {
  // Anonymous Gregorian algorithm
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return Date.UTC(year, month - 1, day);
}

const holidayCache = new Map<number, Set<number>>();

export function isBerlinHoliday(dayMs: number): boolean {
  const year = new Date(dayMs).getUTCFullYear();
  let set = holidayCache.get(year);
  if (!set) {
    const easter = easterSunday(year);
    set = new Set([
      Date.UTC(year, 0, 1),
      Date.UTC(year, 2, 8), // International Women's Day (Berlin, since 2019)
      easter - 2 * DAY_MS, // Good Friday
      easter + DAY_MS, // Easter Monday
      Date.UTC(year, 4, 1),
      easter + 39 * DAY_MS, // Ascension
      easter + 50 * DAY_MS, // Whit Monday
      Date.UTC(year, 9, 3),
      Date.UTC(year, 11, 25),
      Date.UTC(year, 11, 26),
    ]);
    holidayCache.set(year, set);
  }
  return set.has(dayMs);
}

export { DAY_MS };
