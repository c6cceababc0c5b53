import { afterEach, describe, expect, it } from "vitest";

import { calendarDay, clockTime, DEFAULT_TIME_ZONE, intervalDay, intervalLabel, setCommunityTimeZone } from "../src/lib/time";

const intervalAt = (iso: string) => Date.parse(iso) / 900_000;

describe("the community's clock", () => {
  afterEach(() => setCommunityTimeZone(DEFAULT_TIME_ZONE));

  it("shows Berlin time whatever the browser's zone, summer and winter", () => {
    // 22:00 UTC in June is midnight in Berlin (CEST); 23:00 UTC in December is midnight (CET)
    expect(intervalLabel(intervalAt("2023-06-21T22:00:00Z"))).toBe("00:00");
    expect(intervalDay(intervalAt("2023-06-21T22:00:00Z"))).toBe("2023-06-22");
    expect(intervalLabel(intervalAt("2023-12-01T23:00:00Z"))).toBe("00:00");
    expect(intervalDay(intervalAt("2023-12-01T23:00:00Z"))).toBe("2023-12-02");
    expect(clockTime(Date.parse("2023-12-01T22:45:00Z") / 1000)).toBe("23:45");
  });

  it("takes another community's zone, and keeps its own for a name that is none", () => {
    expect(setCommunityTimeZone("America/New_York")).toBe(true);
    expect(calendarDay(Date.parse("2023-12-02T03:00:00Z") / 1000)).toBe("2023-12-01");
    expect(setCommunityTimeZone("Mars/Olympus")).toBe(false);
    expect(calendarDay(Date.parse("2023-12-02T03:00:00Z") / 1000)).toBe("2023-12-01");
  });
});
