/**
 * Amounts typed by a household, parsed without floating point: euros (token wei), energy (Wh) and prices
 * (µEUR/kWh). Zero, negative and over-precise values are refused with a message for the form.
 */
import { WEI_PER_UNIT } from "@kiezstrom/engine/market/onchain";
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

interface DecimalRule {
  /** Decimal places the unit allows. */
  places: number;
  /** What the field is called in messages. */
  label: string;
  unit: string;
}

/** Parses a decimal like "12.5" or "12,5" into an integer scaled by 10^places. */
export function parseDecimal(text: string, rule: DecimalRule): Parsed<bigint> {
  const t = text.trim().replace(",", ".");
  if (t === "") return { ok: false, error: `Enter the ${rule.label}.` };
  if (t.startsWith("-")) return { ok: false, error: `The ${rule.label} cannot be negative.` };
  const m = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) return { ok: false, error: `The ${rule.label} must be a number in ${rule.unit}, like 1.5.` };
  const frac = m[2] ?? "";
  if (frac.length > rule.places) {
    return {
      ok: false,
      error:
        rule.places === 0
          ? `The ${rule.label} must be a whole number of ${rule.unit}.`
          : `The ${rule.label} has at most ${rule.places} decimal places (${rule.unit}).`,
    };
  }
  const value = BigInt((m[1] || "0") + frac.padEnd(rule.places, "0"));
  if (value === 0n) return { ok: false, error: `The ${rule.label} must be more than zero.` };
  return { ok: true, value };
}

const EURO_DECIMALS = 18;
/** Euros move in the market's unit, the nano-euro: at most 9 decimal places. */
const EURO_PLACES = 9;

export function parseEuro(text: string, label = "amount"): Parsed<bigint> {
  const r = parseDecimal(text, { places: EURO_PLACES, label, unit: "EUR" });
  return r.ok ? { ok: true, value: r.value * 10n ** BigInt(EURO_DECIMALS - EURO_PLACES) } : r;
}

/** kWh with up to 3 decimals → whole Wh (a bid's energy is a uint24 of Wh). */
export function parseEnergyKWh(text: string, label = "energy", maxWh = 16_777_215): Parsed<number> {
  const r = parseDecimal(text, { places: 3, label, unit: "kWh" });
  if (!r.ok) return r;
  if (r.value > BigInt(maxWh)) return { ok: false, error: `The ${label} can be at most ${formatKWh(maxWh)}.` };
  return { ok: true, value: Number(r.value) };
}

/** ct/kWh with up to 4 decimals → whole µEUR/kWh (1 ct = 10,000 µEUR). */
export function parsePriceCt(text: string, label = "price"): Parsed<number> {
  const r = parseDecimal(text, { places: 4, label, unit: "ct/kWh" });
  if (!r.ok) return r;
  if (r.value > 0xffffffffn) return { ok: false, error: `The ${label} is too large.` };
  return { ok: true, value: Number(r.value) };
}

/** Token wei → "12.34 EUR" (rounded half away from zero to `places`). */
export function formatEuro(wei: bigint, places = 2): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const scale = 10n ** BigInt(EURO_DECIMALS - places);
  const whole = (abs + scale / 2n) / scale;
  const s = whole.toString().padStart(places + 1, "0");
  const text = places > 0 ? `${s.slice(0, -places)}.${s.slice(-places)}` : s;
  return `${negative && whole > 0n ? "−" : ""}${text} EUR`;
}

/** Nano-euro (engine units) → euros text. */
export function formatNanoEuro(nano: number, places = 4): string {
  return formatEuro(BigInt(Math.round(nano)) * WEI_PER_UNIT, places);
}

/** µEUR/kWh → "9.5200 ct/kWh". */
export function formatCt(microEurPerKWh: number, places = 2): string {
  return `${(microEurPerKWh / 10_000).toFixed(places)} ct/kWh`;
}

export function formatKWh(wh: number, places = 3): string {
  return `${(wh / 1000).toFixed(places)} kWh`;
}

/** The exact text a µEUR/kWh price is typed as (no rounding). */
export function ctText(microEurPerKWh: number): string {
  const s = microEurPerKWh.toString().padStart(5, "0");
  return `${s.slice(0, -4)}.${s.slice(-4)}`.replace(/\.?0+$/, "");
}
