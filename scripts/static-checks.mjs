#!/usr/bin/env node
// Static checks counted as tests by scripts/test-all.mjs: solhint must be clean on contracts/, Biome on the TypeScript, and the
// TypeScript must type-check (after a compile has generated the contract types).
import { spawnSync } from "node:child_process";

const checks = [
  { name: "hardhat compile (contract types)", command: "hardhat", args: ["compile", "--quiet"] },
  { name: "ABIs and the dApp's contract bindings match the artifacts", command: "tsx", args: ["scripts/gen-frontend-contracts.ts", "--check"] },
  { name: "solhint clean on contracts/", command: "solhint", args: ["--max-warnings", "0", "contracts/**/*.sol"] },
  { name: "TypeScript type-checks", command: "tsc", args: ["--noEmit"] },
  { name: "TypeScript type-checks the indexer (Ponder's virtual modules)", command: "tsc", args: ["--noEmit", "-p", "indexer"] },
  { name: "Biome: TypeScript formatted and lint-clean (biome.jsonc)", command: "biome", args: ["check", "--error-on-warnings", "."] },
];
let passed = 0;
let failed = 0;
for (const c of checks) {
  const r = spawnSync(c.command, c.args, { encoding: "utf8" });
  if (r.status === 0) {
    passed++;
    console.log(`  ✔ ${c.name}`);
  } else {
    failed++;
    console.log(
      `  ✖ ${c.name}\n${(r.stdout + r.stderr)
        .split("\n")
        .filter((l) => !/Protofire|dowsers|[┌└│]/.test(l))
        .join("\n")}`,
    );
  }
}
console.log(`  ${passed} passing`);
if (failed) console.log(`  ${failed} failing`);
process.exit(failed ? 1 : 0);
