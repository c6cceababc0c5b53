/**
 * Gas is compared with the committed snapshot as a test (gas is deterministic; time is not measured): every
 * action within 1% of gas-snapshot.json either way, so a regression fails and so does a snapshot left behind.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";

const bench = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/bench-gas.ts", "--quick", "--check", ...args], {
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });

const dir = mkdtempSync(join(tmpdir(), "kiez-gas-"));
/** The figures of the one measuring run, which the other checks compare without measuring again. */
const measured = join(dir, "measured.json");

/** The check of the measured figures against a copy of the committed snapshot with some actions' figures changed. */
function benchAgainst(change: (committed: Record<string, number>) => Record<string, number>) {
  const committed = JSON.parse(readFileSync("gas-snapshot.json", "utf8")) as Record<string, number>;
  const file = join(dir, "snapshot.json");
  writeFileSync(file, JSON.stringify({ ...committed, ...change(committed) }));
  return bench(["--from-measured", measured, "--against", file]);
}

describe("gas against the committed snapshot", { timeout: 300_000 }, () => {
  let run: ReturnType<typeof bench>;
  before(() => {
    run = bench(["--save-measured", measured]);
  });

  it("every market action costs within 1% of gas-snapshot.json", () => {
    const r = run;
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(-3000));
    assert.match(r.stdout, /Against gas-snapshot\.json/);
    assert.match(r.stdout, /met {3}billing \+ settlement ≤ 15,000/);
  });

  it("fails, naming the action, when the snapshot says an action was cheaper", () => {
    const r = benchAgainst((committed) => ({ billAndSettle: Math.round(committed.billAndSettle * 0.9) }));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /gas regression .* billAndSettle/);
  });

  it("fails, naming the action, when an action got cheaper than the snapshot says (its figures would lag)", () => {
    const r = benchAgainst((committed) => ({ clear: Math.round(committed.clear * 1.1) }));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cheaper than .* clear 8,/);
  });
});
