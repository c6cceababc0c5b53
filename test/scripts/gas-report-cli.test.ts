import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import { fastLzSize } from "@kiezstrom/engine/fastlz";
import { Random } from "@kiezstrom/engine/random";
import { CHAIN_PROFILES, gasCostEur, l1DataFeeWei, parseChainProfile } from "@kiezstrom/engine/gas-cost";

const hex = (h: string) => Uint8Array.from(h.match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? []);

const run = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/gas-report.ts", ...args], { encoding: "utf8", env: { ...process.env, CI: "true" } });

describe("gas cost and npm run gas-report", () => {
  it("prices gas as W = c × g × z × 1e-18 (the case study's Table 3 arithmetic)", () => {
    // 113,234 gas at 20 gwei and 1,139.86 EUR/ETH
    assert.ok(Math.abs(gasCostEur(113_234, { name: "Ethereum", eurPerNative: 1139.86, gwei: 20 }) - 2.5814) < 1e-4);
    assert.ok(Math.abs(gasCostEur(113_234, { name: "Polygon", eurPerNative: 0.73, gwei: 250 }) - 0.020665) < 1e-6);
  });

  it("sizes bytes as FastLZ compresses them (op-geth's test vectors)", () => {
    assert.equal(fastLzSize(new Uint8Array()), 0);
    assert.equal(fastLzSize(new Uint8Array(1000).fill(1)), 21);
    assert.equal(fastLzSize(new Uint8Array(1000)), 21);
    // a legacy transfer with every field empty, and an EIP-1559 contract call on OP Mainnet (0x8eb9dd4e…b594)
    assert.equal(fastLzSize(hex("dd80808094095e7baea6a6c7c4c2dfeb977efac326af552d878080808080")), 31);
    const call = [
      "02f901550a758302df1483be21b88304743f94f80e51afb613d764fa61751affd3313c190a86bb870151bd62fd12adb8e41ef24f3f00000000",
      "000000000000000000000000000000000000000000000000000000006e000000000000000000000000af88d065e77c8cc2239327c5edb3a432",
      "268e5831000000000000000000000000000000000000000000000000000000000003c1e50000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000",
      "0000000000000000000000000000000000000000148c89ed219d02f1a5be012c689b4f5b731827bebe000000000000000000000000c001a0",
      "33fd89cb37c31b2cba46b6466e040c61fc9b2a3675a7f5f493ebd5ad77c497f8a07cdf65680e238392693019b4092f610222e71b7cec0644",
      "9cb922b93b6a12744e",
    ].join("");
    assert.equal(fastLzSize(hex(call)), 202);
    // incompressible bytes cost one control byte per 32 literals
    const rng = new Random("fastlz");
    const random = new Uint8Array(3200).map(() => rng.int(0, 255));
    assert.ok(fastLzSize(random) >= 3200 && fastLzSize(random) <= 3300);
  });

  it("prices a rollup's L1 data as the rollup does: OP Stack Fjord on the FastLZ size, Arbitrum on the brotli size", () => {
    const op = parseChainProfile("op", {
      eurPerNative: 3000,
      gwei: 0.001,
      l1Data: { kind: "op-stack-fjord", l1BaseFeeGwei: 2, l1BlobBaseFeeGwei: 0.5, baseFeeScalar: 5227, blobBaseFeeScalar: 1014213 },
    });
    // 1,000 FastLZ bytes: (−42,585,600 + 836,500,000) × (5227 × 2e9 × 16 + 1014213 × 0.5e9) / 1e12
    assert.equal(l1DataFeeWei({ fastLzBytes: 1000, brotliBytes: {} }, op), (793_914_400 * (5227 * 2e9 * 16 + 1014213 * 0.5e9)) / 1e12);
    // a small transaction is charged as 100 bytes
    assert.equal(l1DataFeeWei({ fastLzBytes: 10, brotliBytes: {} }, op), (100e6 * (5227 * 2e9 * 16 + 1014213 * 0.5e9)) / 1e12);
    const arb = parseChainProfile("arb", { eurPerNative: 3000, gwei: 0.01, l1Data: { kind: "arbitrum", l1PricePerUnitGwei: 0.02, brotliLevel: 1 } });
    assert.equal(l1DataFeeWei({ fastLzBytes: 1000, brotliBytes: { 1: 700 } }, arb), 700 * 16 * 0.02e9);
    assert.equal(l1DataFeeWei({ fastLzBytes: 1000, brotliBytes: {} }, CHAIN_PROFILES.polygon), 0);
  });

  it("keeps the case study's 2023 prices and dated 2026 profiles, each with its source", () => {
    assert.equal(CHAIN_PROFILES.ethereum.gwei, 20);
    assert.equal(CHAIN_PROFILES.polygon.eurPerNative, 0.73);
    const dated = Object.entries(CHAIN_PROFILES).filter(([, p]) => p.asOf?.startsWith("2026"));
    assert.ok(dated.length >= 5, "Ethereum, Polygon and rollups in 2026");
    for (const [key, p] of Object.entries(CHAIN_PROFILES)) assert.ok(p.asOf && p.source, `${key} says when and where from`);
    assert.ok(dated.some(([, p]) => p.l1Data?.kind === "op-stack-fjord") && dated.some(([, p]) => p.l1Data?.kind === "arbitrum"));
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
    writeFileSync(profiles, JSON.stringify({ zk: { eurPerNative: 3000, gwei: 0.1, l1Data: { kind: "validium" } } }));
    const kind = run(["--profiles", profiles]);
    assert.equal(kind.status, 2);
    assert.match(kind.stderr, /zk\.l1Data\.kind must be "op-stack-fjord" or "arbitrum"/);
  });
});
