/**
 * Small, dependency-free SVG charts: line charts over the day and grouped bar charts. Pure string builders,
 * so the same charts render in Node (files) and in the browser.
 */

export interface Series {
  name: string;
  values: number[];
  color?: string;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];
const W = 720;
const H = 360;
const M = { top: 40, right: 20, bottom: 56, left: 70 };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function niceTicks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const span = max - min;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

/** About how wide a character of the charts' 12 px font is. */
const CHAR_PX = 6.5;

/** A label in at most two lines of `perLine` characters, broken at spaces; what does not fit ends in "…". */
function wrapLabel(label: string, perLine: number): string[] {
  if (label.length <= perLine) return [label];
  const lines: string[] = [];
  let line = "";
  for (const word of label.split(" ")) {
    if (line && `${line} ${word}`.length > perLine) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  const cut = (t: string) => (t.length > perLine ? `${t.slice(0, perLine - 1)}…` : t);
  return lines.length <= 2 ? lines.map(cut) : [cut(lines[0]), cut(`${lines.slice(1).join(" ")}`)];
}

function frame(title: string, yLabel: string, body: string, legend: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
${body}
${legend}
</svg>
`;
}

function legendOf(series: { name: string; color: string }[]): string {
  let x = M.left;
  return series
    .map((s) => {
      const item = `<rect x="${x}" y="${H - 22}" width="12" height="12" fill="${s.color}"/><text x="${x + 16}" y="${H - 12}">${esc(s.name)}</text>`;
      x += 28 + s.name.length * 7;
      return item;
    })
    .join("\n");
}

function axes(yMin: number, yMax: number, yOf: (v: number) => number, xLabels: { x: number; label: string }[]): string {
  const grid = niceTicks(yMin, yMax)
    .map(
      (v) =>
        `<line x1="${M.left}" x2="${W - M.right}" y1="${yOf(v)}" y2="${yOf(v)}" stroke="#ddd"/><text x="${M.left - 6}" y="${yOf(v) + 4}" text-anchor="end">${v.toLocaleString("en-US")}</text>`,
    )
    .join("\n");
  // a label wider than the room between labels wraps onto a second line (and is cut short beyond it), so that
  // neighbouring labels never overlap
  const room = xLabels.length > 1 ? Math.abs(xLabels[1].x - xLabels[0].x) : W;
  const perLine = Math.max(4, Math.floor(room / CHAR_PX) - 1);
  const xs = xLabels
    .map((l) => {
      const lines = wrapLabel(l.label, perLine);
      if (lines.length === 1) return `<text x="${l.x}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(l.label)}</text>`;
      const spans = lines.map((line, k) => `<tspan x="${l.x}" dy="${k === 0 ? 0 : 13}">${esc(line)}</tspan>`).join("");
      return `<text x="${l.x}" y="${H - M.bottom + 14}" text-anchor="middle">${spans}</text>`;
    })
    .join("\n");
  const zero = yMin < 0 && yMax > 0 ? `<line x1="${M.left}" x2="${W - M.right}" y1="${yOf(0)}" y2="${yOf(0)}" stroke="#888"/>` : "";
  return `${grid}\n${zero}\n<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#444"/>\n${xs}`;
}

/** The y range of a chart over `values` (from 0 at least): values that are not numbers (a gap) are left out, and a
 *  chart of zeros only gets a unit range rather than a zero-wide one. */
function yRange(values: readonly number[]): { yMin: number; yMax: number } {
  const finite = values.filter(Number.isFinite);
  const yMin = Math.min(0, ...finite);
  const yMax = Math.max(1e-9, ...finite);
  return yMin === 0 && finite.every((v) => v === 0) ? { yMin: 0, yMax: 1 } : { yMin, yMax };
}

/** A line chart of series sharing x positions; `xLabel(i)` labels every `labelEvery` points. A value that is not a
 *  number (NaN: nothing to show there, such as the price of an interval without a trade) leaves a gap in its line. */
export function lineChart(title: string, yLabel: string, series: Series[], xLabel: (i: number) => string, labelEvery = 12): string {
  const n = Math.max(...series.map((s) => s.values.length), 1);
  const { yMin, yMax } = yRange(series.flatMap((s) => s.values));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const xOf = (i: number) => M.left + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const yOf = (v: number) => M.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const colored = withColors(series);
  const lines = colored
    .flatMap((s) => {
      const runs: string[][] = [[]];
      s.values.forEach((v, i) => {
        if (Number.isFinite(v)) runs.at(-1)!.push(`${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`);
        else if (runs.at(-1)!.length > 0) runs.push([]);
      });
      return runs.filter((r) => r.length > 0).map((r) => `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${r.join(" ")}"/>`);
    })
    .join("\n");
  const labels = [];
  for (let i = 0; i < n; i += labelEvery) labels.push({ x: xOf(i), label: xLabel(i) });
  return frame(title, yLabel, `${axes(yMin, yMax, yOf, labels)}\n${lines}`, legendOf(colored));
}

/** The layout of a chart with one group per category and one mark per series in each: the y scale over `values`
 *  (from 0 at least), where series k's mark in category c starts, each mark's width, and the category labels. */
function groupedLayout(categories: readonly string[], seriesCount: number, values: readonly number[]) {
  const { yMin, yMax } = yRange(values);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const yOf = (v: number) => M.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const groupW = plotW / Math.max(categories.length, 1);
  const markW = (groupW * 0.8) / Math.max(seriesCount, 1);
  const xOf = (k: number, c: number) => M.left + c * groupW + groupW * 0.1 + k * markW;
  const labels = categories.map((c, i) => ({ x: M.left + i * groupW + groupW / 2, label: c }));
  return { yMin, yMax, yOf, markW, xOf, labels };
}

function withColors<S extends { color?: string }>(series: readonly S[]): (S & { color: string })[] {
  return series.map((s, k) => ({ ...s, color: s.color ?? PALETTE[k % PALETTE.length] }));
}

/** Grouped bars: one group per category, one bar per series. */
export function barChart(title: string, yLabel: string, categories: string[], series: Series[]): string {
  const {
    yMin,
    yMax,
    yOf,
    markW: barW,
    xOf,
    labels,
  } = groupedLayout(
    categories,
    series.length,
    series.flatMap((s) => s.values),
  );
  const colored = withColors(series);
  const bars = colored
    .flatMap((s, k) =>
      s.values.map((v, c) => {
        const x = xOf(k, c);
        const y0 = yOf(0);
        const y1 = yOf(v);
        return `<rect x="${x.toFixed(1)}" y="${Math.min(y0, y1).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.abs(y1 - y0).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name} · ${categories[c]}: ${v}`)}</title></rect>`;
      }),
    )
    .join("\n");
  return frame(title, yLabel, `${axes(yMin, yMax, yOf, labels)}\n${bars}`, legendOf(colored));
}

/** The five numbers a box plot draws: minimum, lower quartile, median, upper quartile, maximum. */
export function fiveNumbers(values: readonly number[]): [number, number, number, number, number] {
  const xs = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = (xs.length - 1) * q;
    const lo = Math.floor(pos);
    return xs[lo] + (xs[Math.min(lo + 1, xs.length - 1)] - xs[lo]) * (pos - lo);
  };
  return [xs[0], at(0.25), at(0.5), at(0.75), xs[xs.length - 1]];
}

/** Box plots: one group per category, one box per series (whiskers to the extremes, the line at the median). */
export function boxPlot(title: string, yLabel: string, categories: string[], series: { name: string; values: number[][]; color?: string }[]): string {
  const {
    yMin,
    yMax,
    yOf,
    markW: boxW,
    xOf,
    labels,
  } = groupedLayout(
    categories,
    series.length,
    series.flatMap((s) => s.values.flat()),
  );
  const colored = withColors(series);
  const boxes = colored
    .flatMap((s, k) =>
      s.values.map((vs, c) => {
        if (vs.length === 0) return "";
        const [lo, q1, med, q3, hi] = fiveNumbers(vs);
        const x = xOf(k, c);
        const mid = x + (boxW - 2) / 2;
        const tip = esc(
          `${s.name} · ${categories[c]}: median ${med.toFixed(2)}, quartiles ${q1.toFixed(2)}–${q3.toFixed(2)}, range ${lo.toFixed(2)}–${hi.toFixed(2)} (${vs.length} runs)`,
        );
        return [
          `<line x1="${mid.toFixed(1)}" x2="${mid.toFixed(1)}" y1="${yOf(hi).toFixed(1)}" y2="${yOf(lo).toFixed(1)}" stroke="${s.color}"/>`,
          `<rect x="${x.toFixed(1)}" y="${yOf(q3).toFixed(1)}" width="${(boxW - 2).toFixed(1)}" height="${Math.max(1, yOf(q1) - yOf(q3)).toFixed(1)}" fill="${s.color}" fill-opacity="0.35" stroke="${s.color}"><title>${tip}</title></rect>`,
          `<line x1="${x.toFixed(1)}" x2="${(x + boxW - 2).toFixed(1)}" y1="${yOf(med).toFixed(1)}" y2="${yOf(med).toFixed(1)}" stroke="${s.color}" stroke-width="2"/>`,
        ].join("\n");
      }),
    )
    .join("\n");
  return frame(title, yLabel, `${axes(yMin, yMax, yOf, labels)}\n${boxes}`, legendOf(colored));
}
