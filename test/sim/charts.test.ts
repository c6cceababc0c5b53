import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { barChart, lineChart } from "@kiezstrom/engine/report/charts";

describe("the engine's charts", () => {
  it("leave a gap for a value that is not a number instead of drawing nothing", () => {
    const svg = lineChart("price", "ct/kWh", [{ name: "price", values: [9, 10, Number.NaN, 11, 12] }], (i) => `t${i}`, 1);
    assert.equal((svg.match(/<polyline/g) ?? []).length, 2, "two runs either side of the gap");
    assert.doesNotMatch(svg, /NaN/);
    const ticks = [...svg.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => Number(m[1]));
    assert.ok(Math.max(...ticks) >= 10, `the axis spans the numbers: ${ticks.join(" ")}`);
  });

  it("give a chart of zeros a readable axis, not the same label four times", () => {
    for (const svg of [
      lineChart("z", "kWh", [{ name: "a", values: [0, 0, 0] }], (i) => String(i), 1),
      barChart("z", "EUR", ["a", "b"], [{ name: "s", values: [0, 0] }]),
    ]) {
      const labels = [...svg.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => m[1]);
      assert.ok(labels.length > 1);
      assert.equal(new Set(labels).size, labels.length, `distinct axis labels: ${labels.join(" ")}`);
    }
  });
});

describe("the engine's chart labels", () => {
  it("wrap a category name that would run into its neighbour", () => {
    const categories = ["Register a household", "Relayed bid (per bid)", "Clearing per bid", "Metering per household", "Billing and settlement"];
    const svg = barChart("gas", "EUR", categories, [{ name: "Polygon", values: [1, 2, 3, 4, 5] }]);
    assert.match(svg, /<tspan/);
    for (const m of svg.matchAll(/<tspan[^>]*>([^<]+)</g)) assert.ok(m[1].length <= 16, `a line of at most the room between labels: "${m[1]}"`);
  });
});
