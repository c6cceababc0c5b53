/**
 * One clock and calendar on every page: the community's time zone (Europe/Berlin unless its configuration says
 * otherwise), 24-hour times, ISO dates. Interval ids are unix time / 900.
 */
export const DEFAULT_TIME_ZONE = "Europe/Berlin";

let zone = DEFAULT_TIME_ZONE;
let formats = makeFormats(zone);

function makeFormats(timeZone: string) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  return { parts };
}

/** Sets the community's time zone (an IANA name); an unknown name keeps the current one and returns false. */
export function setCommunityTimeZone(timeZone: string): boolean {
  try {
    formats = makeFormats(timeZone);
    zone = timeZone;
    return true;
  } catch {
    return false;
  }
}

export function communityTimeZone(): string {
  return zone;
}

function fields(seconds: number) {
  const p = Object.fromEntries(formats.parts.formatToParts(new Date(seconds * 1000)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/** "HH:MM" in the community's time zone. */
export function clockTime(seconds: number): string {
  return fields(seconds).time;
}

/** "YYYY-MM-DD" in the community's time zone. */
export function calendarDay(seconds: number): string {
  return fields(seconds).date;
}

/** "YYYY-MM-DD HH:MM" in the community's time zone. */
export function dateTime(seconds: number): string {
  const f = fields(seconds);
  return `${f.date} ${f.time}`;
}

/** An interval's start, HH:MM. */
export function intervalLabel(interval: number): string {
  return clockTime(interval * 900);
}

/** An interval's day, YYYY-MM-DD. */
export function intervalDay(interval: number): string {
  return calendarDay(interval * 900);
}
