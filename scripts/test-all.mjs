#!/usr/bin/env node
// Runs every test suite of the project and prints one closing line summing them all:
//   N passed, N failed, N skipped
// Each suite's own output streams through (a suite run alongside the others, `alongside`, prints its output when it
// ends). A suite that crashes without reporting counts as one failure.
// Runs under the project's toolchain (scripts/toolchain.mjs puts Node >= 22 and node_modules/.bin on PATH).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

/** A suite of node's test runner over `files`: its spec output streamed, its TAP counted from `tapFile`. */
function nodeTestSuite(name, files, tapFile) {
  const args = ["--import", "tsx", "--test", "--test-reporter=spec", "--test-reporter-destination=stdout", "--test-reporter=tap"];
  return { name, command: "node", args: [...args, `--test-reporter-destination=${tapFile}`, ...files], parse: parseNodeTap, tapFile };
}

const SUITES = [
  { name: "static checks (solhint, TypeScript, Biome)", command: "node", args: ["scripts/static-checks.mjs"], parse: parseMocha },
  { name: "contracts (Solidity fuzz and invariants)", command: "hardhat", args: ["test", "solidity"], parse: parseMocha },
  { name: "contracts (mocha)", command: "hardhat", args: ["test", "mocha"], parse: parseMocha },
  // z3 runs single-threaded for minutes: alongside the other suites, on the machine's second core
  { name: "SMTChecker over MarketMath (Debian's z3)", command: "node", args: ["scripts/smt-check.mjs"], parse: parsePlain, alongside: true },
  nodeTestSuite("engine and scripts", ["test/sim/*.test.ts", "test/scripts/*.test.ts"], ".test-engine.tap"),
  {
    ...nodeTestSuite("indexer (Ponder on PGlite and on Debian's PostgreSQL)", ["test/indexer/*.test.ts"], ".test-indexer.tap"),
    setup: { command: "node", args: ["scripts/ensure-postgres.mjs"] },
  },
];
if (existsSync("frontend/package.json")) {
  SUITES.push({ name: "dApp components and hooks (Vitest)", command: "npm", args: ["--prefix", "frontend", "test", "--silent"], parse: parseVitest });
  SUITES.push({
    ...nodeTestSuite("dApp end to end (headless Chromium)", ["test/e2e/*.test.ts"], ".test-e2e.tap"),
    setup: { command: "node", args: ["scripts/ensure-chromium.mjs"] },
  });
}

function parseMocha(out) {
  const n = (re) => Number(out.match(re)?.[1] ?? 0);
  if (!/\d+ passing/.test(out) && !/\d+ failing/.test(out)) return null;
  return { passed: n(/(\d+) passing/), failed: n(/(\d+) failing/), skipped: n(/(\d+) pending/) };
}

/** The plain closing line `N passed, N failed` of the project's own checkers. */
function parsePlain(out) {
  const m = out.match(/^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m);
  return m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) } : null;
}

function parseNodeTap(_out, tap) {
  if (!tap) return null;
  const n = (re) => Number(tap.match(re)?.[1] ?? 0);
  if (!/^# pass \d+/m.test(tap)) return null;
  return { passed: n(/^# pass (\d+)/m), failed: n(/^# fail (\d+)/m) + n(/^# cancelled (\d+)/m), skipped: n(/^# skipped (\d+)/m) + n(/^# todo (\d+)/m) };
}

function parseVitest(out) {
  const line = out.match(/Tests\s+(.*)/)?.[1];
  if (!line) return null;
  const n = (re) => Number(line.match(re)?.[1] ?? 0);
  return { passed: n(/(\d+) passed/), failed: n(/(\d+) failed/), skipped: n(/(\d+) skipped/) + n(/(\d+) todo/) };
}

function strip(s) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

async function runSuite(suite) {
  const header = `\n=== ${suite.name}: ${suite.command} ${suite.args.join(" ")}\n`;
  // a suite run alongside the others keeps its output until it ends, so that the outputs do not interleave
  const write = suite.alongside ? (stream, d) => buffered.push([stream, d]) : (stream, d) => stream.write(d);
  const buffered = [];
  if (!suite.alongside) process.stdout.write(header);
  if (suite.setup) {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync(suite.setup.command, suite.setup.args, { stdio: "inherit" });
    if (r.status !== 0) return { passed: 0, failed: 1, skipped: 0, note: `setup (${suite.setup.args.join(" ")}) failed` };
  }
  const { rmSync, readFileSync } = await import("node:fs");
  if (suite.tapFile) rmSync(suite.tapFile, { force: true });
  return new Promise((resolve) => {
    const child = spawn(suite.command, suite.args, { stdio: ["ignore", "pipe", "pipe"], shell: false, env: { ...process.env, FORCE_COLOR: "0" } });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      write(process.stdout, d);
    });
    child.stderr.on("data", (d) => {
      out += d;
      write(process.stderr, d);
    });
    child.on("error", (e) => resolve({ passed: 0, failed: 1, skipped: 0, note: `could not start: ${e.message}` }));
    child.on("close", (code) => {
      if (suite.alongside) {
        process.stdout.write(header);
        for (const [stream, d] of buffered) stream.write(d);
      }
      let tap = null;
      if (suite.tapFile) {
        try {
          tap = readFileSync(suite.tapFile, "utf8");
          rmSync(suite.tapFile, { force: true });
        } catch {
          tap = null;
        }
      }
      const counts = suite.parse(strip(out), tap);
      if (!counts) return resolve({ passed: 0, failed: 1, skipped: 0, note: `exited with code ${code} without reporting results` });
      if (code !== 0 && counts.failed === 0) counts.failed = 1;
      resolve(counts);
    });
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
const add = (suite, r) => {
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
  lines.push(`  ${suite.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${r.note ? ` (${r.note})` : ""}`);
};
const alongside = SUITES.filter((s) => s.alongside).map((suite) => ({ suite, result: runSuite(suite) }));
for (const suite of SUITES.filter((s) => !s.alongside)) add(suite, await runSuite(suite));
for (const { suite, result } of alongside) add(suite, await result);
process.stdout.write(`\n=== summary\n${lines.join("\n")}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);
