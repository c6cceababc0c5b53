import { describe, expect, it } from "vitest";

import { ctText, formatCt, formatEuro, parseEnergyKWh, parseEuro, parsePriceCt } from "../src/lib/amounts";

describe("amounts typed by a household", () => {
  it("parses euros exactly, with a point or a comma", () => {
    expect(parseEuro("12.5")).toEqual({ ok: true, value: 12_500_000_000_000_000_000n });
    expect(parseEuro("0,000000001")).toEqual({ ok: true, value: 1_000_000_000n });
    expect(parseEuro("  7 ")).toEqual({ ok: true, value: 7n * 10n ** 18n });
  });

  it("refuses zero, negative, over-precise and non-numbers with a reason", () => {
    expect(parseEuro("0")).toMatchObject({ ok: false, error: expect.stringMatching(/more than zero/) });
    expect(parseEuro("-3")).toMatchObject({ ok: false, error: expect.stringMatching(/negative/) });
    expect(parseEuro("1.0000000001")).toMatchObject({ ok: false, error: expect.stringMatching(/at most 9 decimal places/) });
    expect(parseEuro("1e3")).toMatchObject({ ok: false, error: expect.stringMatching(/must be a number/) });
    expect(parseEuro("")).toMatchObject({ ok: false, error: expect.stringMatching(/Enter/) });
    expect(parseEuro(".")).toMatchObject({ ok: false });
  });

  it("turns kWh into whole Wh within the bid's range", () => {
    expect(parseEnergyKWh("0.25")).toEqual({ ok: true, value: 250 });
    expect(parseEnergyKWh("0.0001")).toMatchObject({ ok: false, error: expect.stringMatching(/3 decimal places/) });
    expect(parseEnergyKWh("6", "energy", 5000)).toMatchObject({ ok: false, error: expect.stringMatching(/at most 5.000 kWh/) });
  });

  it("turns ct/kWh into whole µEUR/kWh and back without rounding", () => {
    expect(parsePriceCt("15.0599")).toEqual({ ok: true, value: 150_599 });
    expect(parsePriceCt("15.05991")).toMatchObject({ ok: false });
    expect(ctText(150_599)).toBe("15.0599");
    expect(ctText(82_000)).toBe("8.2");
    expect(formatCt(150_599, 4)).toBe("15.0599 ct/kWh");
  });

  it("formats token wei as euros, rounded half away from zero", () => {
    expect(formatEuro(20_132_343_400_000_000_000n, 4)).toBe("20.1323 EUR");
    expect(formatEuro(20_132_350_000_000_000_000n, 4)).toBe("20.1324 EUR");
    expect(formatEuro(19_999_999_999_000_000_000n)).toBe("20.00 EUR");
    expect(formatEuro(-4_999_000_000_000_000n)).toBe("0.00 EUR");
    expect(formatEuro(-5_000_000_000_000_000n)).toBe("−0.01 EUR");
    expect(formatEuro(-5n * 10n ** 16n)).toBe("−0.05 EUR");
    expect(formatEuro(0n)).toBe("0.00 EUR");
  });
});
