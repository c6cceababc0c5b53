import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const run = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/simulate.ts", ...args], { encoding: "utf8", env: { ...process.env, CI: "true" } });

describe("npm run simulate", () => {
  const dir = mkdtempSync(join(tmpdir(), "kiez-sim-"));

  it("writes every output, identically for the same seed", () => {
    const a = run(["--out", join(dir, "a"), "--participants", "30"]);
    assert.equal(a.status, 0, a.stderr);
    const b = run(["--out", join(dir, "b"), "--participants", "30"]);
    assert.equal(b.status, 0, b.stderr);
    const files = readdirSync(join(dir, "a")).sort();
    assert.deepEqual(files, [
      "bid-prices.svg",
      "bills-by-class.svg",
      "grid-exchange.svg",
      "intervals.csv",
      "load-pv-profile.svg",
      "network-operator-income.svg",
      "participants.csv",
      "report.md",
      "summary.json",
      "supplier-margins.svg",
    ]);
    for (const f of files) assert.equal(readFileSync(join(dir, "a", f), "utf8"), readFileSync(join(dir, "b", f), "utf8"), f);
    const summary = JSON.parse(readFileSync(join(dir, "a", "summary.json"), "utf8"));
    for (const key of ["participants", "days", "classes", "grid", "suppliers", "networkOperator", "p2pKWh"]) assert.ok(key in summary, key);
    assert.equal(
      readFileSync(join(dir, "a", "participants.csv"), "utf8")
        .trim()
        .split("\n").length,
      31,
    );
    assert.equal(
      readFileSync(join(dir, "a", "intervals.csv"), "utf8")
        .trim()
        .split("\n").length,
      97,
    );
  });

  it("refuses an unknown flag, an impossible value and a malformed scenario with exit code 2, writing nothing", () => {
    const flag = run(["--dayz", "2", "--out", join(dir, "x")]);
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /Unknown option '--dayz'/);
    const days = run(["--days=-3", "--out", join(dir, "x")]);
    assert.equal(days.status, 2);
    assert.match(days.stderr, /--days must be from 1 to 3660, got -3/);
    const ambiguous = run(["--days", "-3", "--out", join(dir, "x")]);
    assert.equal(ambiguous.status, 2);
    assert.match(ambiguous.stderr, /--days/);
    const bad = join(dir, "bad.json");
    const scenario = JSON.parse(readFileSync("sim/scenario/berlin-case-study.json", "utf8"));
    scenario.households.battery.minSoc = 0.99;
    writeFileSync(bad, JSON.stringify(scenario));
    const malformed = run(["--scenario", bad, "--out", join(dir, "x")]);
    assert.equal(malformed.status, 2);
    assert.match(malformed.stderr, /households\.battery\.minSoc/);
    writeFileSync(bad, "{ not json");
    const broken = run(["--scenario", bad, "--out", join(dir, "x")]);
    assert.equal(broken.status, 2);
    assert.match(broken.stderr, /not valid JSON/);
    const settlement = run(["--settlement", "weekly", "--out", join(dir, "x")]);
    assert.equal(settlement.status, 2);
    assert.match(settlement.stderr, /--settlement must be interval or day, got "weekly"/);
    const payAsBidDay = run(["--settlement", "day", "--mechanism", "pay-as-bid", "--out", join(dir, "x")]);
    assert.equal(payAsBidDay.status, 2);
    assert.match(payAsBidDay.stderr, /uniform price/);
    assert.equal(existsSync(join(dir, "x")), false);
  });

  it("settles a day at a time with --settlement day and reports interval settlement beside it", () => {
    const out = join(dir, "day");
    const r = run(["--settlement", "day", "--participants", "30", "--out", out]);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.equal(summary.settlement, "day");
    assert.equal(summary.otherSettlement.settlement, "interval");
    assert.match(readFileSync(join(out, "report.md"), "utf8"), /side by side/);
  });
});
