#!/usr/bin/env node
// Runs Solidity's SMTChecker over the market's arithmetic (contracts/MarketMath.sol, through the properties in
// test/smt/MarketMathProperties.sol) with Debian's z3 as the solver, offline: solc-js hands each query to z3 through
// its SMT-LIB2 callback (solc-js's built-in z3 does not run here). Every assertion, and every operation that could
// overflow, underflow or divide by zero, must be proved safe; anything unproved or violated fails.
//
//   npm run smt [-- --timeout MS]
// Prints `N passed, N failed` over the checked targets.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

import { ensureDebianPackage } from "./lib/debian-package.mjs";

const usage = "Usage: npm run smt -- [--timeout MS] [--engine chc|bmc|all] [--only Contract,...]   (MS: each z3 query's time limit, default 20000)";
let values;
try {
  ({ values } = parseArgs({
    options: {
      timeout: { type: "string", default: "20000" },
      engine: { type: "string", default: "chc" },
      only: { type: "string" },
      help: { type: "boolean", default: false },
    },
  }));
} catch (e) {
  console.error(`${e.message}. ${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const timeoutMs = Number(values.timeout);
if (!Number.isInteger(timeoutMs) || timeoutMs < 1_000) {
  console.error(`--timeout must be a whole number of milliseconds, at least 1000 (got ${values.timeout}). ${usage}`);
  process.exit(2);
}

if (!["chc", "bmc", "all"].includes(values.engine)) {
  console.error(`--engine must be chc, bmc or all (got ${values.engine}). ${usage}`);
  process.exit(2);
}

const Z3 = "/usr/bin/z3";
if (!ensureDebianPackage("z3", Z3, "the SMTChecker (npm run smt)")) process.exit(2);

const require = createRequire(import.meta.url);
const solc = require("solc");
const HARNESS = "test/smt/MarketMathProperties.sol";
/** The contracts of the harness, one promise each: solc reads their names from the source. */
const ALL = [...readFileSync(HARNESS, "utf8").matchAll(/^contract (\w+)/gm)].map((m) => m[1]);
const CONTRACTS = values.only ? values.only.split(",") : ALL;
const unknown = CONTRACTS.filter((c) => !ALL.includes(c));
if (unknown.length > 0) {
  console.error(`--only names no property contract of ${HARNESS}: ${unknown.join(", ")} (there are ${ALL.join(", ")})`);
  process.exit(2);
}

function findImports(path) {
  for (const file of [path, `node_modules/${path}`]) {
    if (existsSync(file)) return { contents: readFileSync(file, "utf8") };
  }
  return { error: `${path} not found` };
}

let queries = 0;
/** solc-js's SMT-LIB2 callback: each query goes to z3 (its Horn engine for the CHC queries). */
function smtSolver(query) {
  queries++;
  const t0 = Date.now();
  const r = spawnSync(
    Z3,
    ["-smt2", "-in", `-t:${timeoutMs}`, "rewriter.pull_cheap_ite=true", "fp.spacer.q3.use_qgen=true", "fp.spacer.mbqi=false", "fp.spacer.ground_pobs=false"],
    {
      input: query,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (r.error) return { error: r.error.message };
  if (process.env.SMT_DEBUG) console.error(`query ${queries}: ${query.length} chars, ${Date.now() - t0} ms, ${r.stdout.slice(0, 40).replace(/\n/g, " ")}`);
  return { contents: r.stdout };
}

const input = {
  language: "Solidity",
  sources: { [HARNESS]: { content: readFileSync(HARNESS, "utf8") } },
  settings: {
    viaIR: false,
    optimizer: { enabled: false },
    outputSelection: { "*": { "": [] } },
    modelChecker: {
      engine: values.engine,
      contracts: { [HARNESS]: CONTRACTS },
      targets: ["assert", "overflow", "underflow", "divByZero"],
      solvers: ["smtlib2"],
      showProvedSafe: true,
      showUnproved: true,
      showUnsupported: true,
      timeout: timeoutMs,
    },
  },
};

const started = Date.now();
console.log(
  `SMTChecker (CHC engine, z3 ${spawnSync(Z3, ["--version"], { encoding: "utf8" })
    .stdout.trim()
    .replace(/^Z3 version /, "")}) over MarketMath: ${CONTRACTS.join(", ")}`,
);
const raw = solc.compile(JSON.stringify(input), { import: findImports, smtSolver });
const output = JSON.parse(raw);
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage ?? e.message);
  console.error("the properties did not compile");
  process.exit(1);
}
/** Where a report points: file:line of its source location. */
const sourceText = new Map();
function where(e) {
  const loc = e.sourceLocation;
  if (!loc) return "";
  if (!sourceText.has(loc.file)) sourceText.set(loc.file, readFileSync(loc.file, "utf8"));
  return `(${loc.file}:${sourceText.get(loc.file).slice(0, loc.start).split("\n").length})`;
}
const seenNotes = new Set();
let passed = 0;
let failed = 0;
for (const e of output.errors ?? []) {
  const text = (e.formattedMessage ?? e.message).trim();
  const first = text.split("\n")[0];
  if (/check is safe!$/.test(e.message.trim())) {
    passed++;
    console.log(`  ✔ ${first.replace(/^Info: /, "")} ${where(e)}`);
  } else if (/happens here|might happen|unproved|not proved|could not|unsupported|violation/i.test(e.message)) {
    failed++;
    console.log(`  ✘ ${text}`);
  } else if (!seenNotes.has(first)) {
    seenNotes.add(first);
    console.log(`  · ${first}`);
  }
}
console.log(`${queries} solver queries in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (passed === 0 && failed === 0) {
  failed = 1;
  console.log("  ✘ the checker reported nothing: no target was checked");
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
