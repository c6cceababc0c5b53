import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const run = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/sweep.ts", ...args], { encoding: "utf8", env: { ...process.env, CI: "true" } });

describe("npm run sweep", () => {
  const dir = mkdtempSync(join(tmpdir(), "kiez-sweep-"));
  const grid = [
    "--seeds",
    "1-2",
    "--seasons",
    "winter,summer",
    "--days",
    "1",
    "--strategies",
    "zero-intelligence,truthful",
    "--settlements",
    "interval,day",
    "--participants",
    "30",
  ];

  it("runs every grid point once, in grid order, the same rows on one thread as on two", () => {
    const one = run([...grid, "--workers", "1", "--out", join(dir, "one")]);
    assert.equal(one.status, 0, one.stderr);
    const two = run([...grid, "--workers", "2", "--out", join(dir, "two")]);
    assert.equal(two.status, 0, two.stderr);
    const a = readFileSync(join(dir, "one", "runs.json"), "utf8");
    assert.equal(a, readFileSync(join(dir, "two", "runs.json"), "utf8"));
    const { runs } = JSON.parse(a) as { runs: { run: number; seed: number; season: string; strategy: string; settlement: string; participants: number }[] };
    // 2 seeds × 2 seasons × 2 strategies × 2 settlements
    assert.equal(runs.length, 16);
    assert.deepEqual(
      runs.map((r) => r.run),
      [...runs.keys()],
    );
    assert.equal(new Set(runs.map((r) => `${r.seed}:${r.season}:${r.strategy}:${r.settlement}`)).size, 16);
    assert.ok(runs.every((r) => r.participants === 30));
    for (const f of ["runs.csv", "savings-by-class.svg", "p2p-by-period.svg", "peak-import-by-period.svg", "peak-export-by-period.svg"]) {
      assert.ok(existsSync(join(dir, "one", f)), f);
    }
    assert.equal(
      readFileSync(join(dir, "one", "runs.csv"), "utf8")
        .trim()
        .split("\n").length,
      17,
    );
  });

  it("takes the grid from a file, flags overriding it", () => {
    const file = join(dir, "grid.json");
    writeFileSync(file, JSON.stringify({ seeds: [3, 4, 5], starts: ["2023-03-01"], days: 1, mechanisms: ["uniform", "midpoint"] }));
    const r = run(["--file", file, "--seeds", "7", "--participants", "20", "--out", join(dir, "file")]);
    assert.equal(r.status, 0, r.stderr);
    const { grid: g, runs } = JSON.parse(readFileSync(join(dir, "file", "runs.json"), "utf8"));
    assert.deepEqual(g.seeds, [7]);
    assert.deepEqual(g.starts, ["2023-03-01"]);
    assert.deepEqual(
      runs.map((x: { mechanism: string }) => x.mechanism),
      ["uniform", "midpoint"],
    );
  });

  it("refuses a bad grid with exit code 2, writing nothing", () => {
    const cases: [string[], RegExp][] = [
      [["--strategies", "greedy"], /strategies: "greedy" is not one of/],
      [["--seeds", "5-1"], /must ascend/],
      [["--seasons", "monsoon"], /seasons: "monsoon"/],
      [["--seasons", "winter", "--starts", "2023-01-01"], /not both/],
      [["--starts", "2023-02-30"], /not a date/],
      [["--mechanisms", "pay-as-bid", "--settlements", "day"], /grid is empty/],
    ];
    for (const [args, message] of cases) {
      const r = run([...args, "--out", join(dir, "bad")]);
      assert.equal(r.status, 2, args.join(" "));
      assert.match(r.stderr, message);
    }
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ seed: [1] }));
    const unknown = run(["--file", file, "--out", join(dir, "bad")]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown field "seed"/);
    assert.equal(existsSync(join(dir, "bad")), false);
  });
});
