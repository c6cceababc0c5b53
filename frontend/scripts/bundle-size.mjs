#!/usr/bin/env node
// Prints the gzip size of the production build's JavaScript and fails above the budget (350 kB).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET = 350 * 1024;
const dir = new URL("../dist/assets/", import.meta.url).pathname;
let files;
try {
  files = readdirSync(dir).filter((f) => f.endsWith(".js"));
} catch {
  console.error("no production build in frontend/dist: run npm run build in frontend/ first");
  process.exit(2);
}
const total = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0);
console.log(`dApp JavaScript: ${(total / 1024).toFixed(1)} kB gzip in ${files.length} files (budget ${BUDGET / 1024} kB)`);
process.exit(total <= BUDGET ? 0 : 1);
