import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import { gasCostEur } from "@kiezstrom/engine/gas-cost";

const run = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/gas-report.ts", ...args], { encoding: "utf8", env: { ...process.env, CI: "true" } });

describe("gas cost and npm run gas-report", () => {
  it("prices gas as W = c × g × z × 1e-18 (the case study's Table 3 arithmetic)", () => {
    // 113,234 gas at 20 gwei and 1,139.86 EUR/ETH
    assert.ok(Math.abs(gasCostEur(113_234, { name: "Ethereum", eurPerNative: 1139.86, gwei: 20 }) - 2.5814) < 1e-4);
    assert.ok(Math.abs(gasCostEur(113_234, { name: "Polygon", eurPerNative: 0.73, gwei: 250 }) - 0.020665) < 1e-6);
  });

  it("refuses a bad price flag or profile file with exit code 2 before measuring anything", () => {
    const gwei = run(["--eth-gwei", "cheap"]);
    assert.equal(gwei.status, 2);
    assert.match(gwei.stderr, /--eth-gwei must be a positive number/);
    const dir = mkdtempSync(join(tmpdir(), "kiez-gas-"));
    const profiles = join(dir, "chains.json");
    writeFileSync(profiles, JSON.stringify({ arbitrum: { name: "Arbitrum One", eurPerNative: 2900 } }));
    const missing = run(["--profiles", profiles]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /arbitrum\.gwei must be a positive number/);
  });
});
