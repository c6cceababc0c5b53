#!/usr/bin/env node
// Runs a project command under a Node that Hardhat 3 accepts, with the project's dependencies installed.
//
// Why: a fresh machine here has Node 20, Hardhat 3 needs Node >= 22.13, and npm under Node 20 silently
// skips Hardhat's native EDR package. So on an older Node this fetches a Node binary from the npm registry
// into .toolchain/ and runs `npm install` and the command under it. On Node >= 22.13 nothing extra is fetched.
//
// Usage: node scripts/toolchain.mjs [command args...]   (no command: just set up)
// Plain JavaScript with no dependencies: it must run before anything is installed, on Node 20.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MIN_NODE = [22, 13];
const FETCHED_NODE_VERSION = "24.21.0";
const TOOLCHAIN_DIR = join(ROOT, ".toolchain");
const INSTALL_STAMP = join(ROOT, "node_modules", ".kiezstrom-install-stamp");

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`[setup] error: ${message}\n`);
  process.exit(2);
}

function nodeIsRecentEnough(version) {
  const [major, minor] = version.split(".").map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

function run(command, args, env, what) {
  const result = spawnSync(command, args, { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
  if (result.error) fail(`${what}: ${result.error.message}`);
  if (result.status !== 0) fail(`${what} exited with code ${result.status}`);
}

/** Returns the directory holding a suitable `node` binary, fetching one from the npm registry if needed. */
function ensureNode(env) {
  if (nodeIsRecentEnough(process.versions.node)) return dirname(process.execPath);
  const pkg = `node-${process.platform}-${process.arch}`;
  const binDir = join(TOOLCHAIN_DIR, "node_modules", pkg, "bin");
  if (!existsSync(join(binDir, "node"))) {
    log(`Node ${process.versions.node} is older than ${MIN_NODE.join(".")}; fetching ${pkg}@${FETCHED_NODE_VERSION} from the npm registry into .toolchain/`);
    mkdirSync(TOOLCHAIN_DIR, { recursive: true });
    writeFileSync(join(TOOLCHAIN_DIR, "package.json"), `${JSON.stringify({ private: true })}\n`);
    run("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", TOOLCHAIN_DIR, `${pkg}@${FETCHED_NODE_VERSION}`], env, `installing ${pkg}`);
    if (!existsSync(join(binDir, "node"))) fail(`${pkg} installed, but ${binDir}/node is missing`);
  }
  return binDir;
}

function installFingerprint(nodeVersion) {
  const hash = createHash("sha256");
  for (const file of ["package.json", "package-lock.json", "frontend/package.json", "indexer/package.json"]) {
    const path = join(ROOT, file);
    hash.update(`${file}\0${existsSync(path) ? readFileSync(path) : ""}\0`);
  }
  hash.update(`node ${nodeVersion.split(".")[0]}`);
  return hash.digest("hex");
}

function ensureDependencies(env, nodeBinDir) {
  const nodeVersion = spawnSync(join(nodeBinDir, "node"), ["--version"], { encoding: "utf8" }).stdout.trim().replace(/^v/, "");
  const stampOk = existsSync(INSTALL_STAMP) && readFileSync(INSTALL_STAMP, "utf8") === installFingerprint(nodeVersion);
  if (stampOk) return;
  // `npm ci` cannot be used: the lockfile cannot list EDR builds for other platforms (DESIGN §7).
  log(`installing dependencies with npm under Node ${nodeVersion}`);
  run("npm", ["install", "--no-audit", "--no-fund"], env, "npm install");
  // Fingerprint after the install: a first install writes package-lock.json.
  writeFileSync(INSTALL_STAMP, installFingerprint(nodeVersion));
}

const env = { ...process.env };
const nodeBinDir = ensureNode(env);
env.PATH = [nodeBinDir, join(ROOT, "node_modules", ".bin"), env.PATH].join(delimiter);
// The user's npm config may carry a `nodedir` for native builds against Node 20 headers; it does not apply here.
delete env.npm_config_nodedir;
ensureDependencies(env, nodeBinDir);

const [command, ...args] = process.argv.slice(2);
if (!command) {
  log("ready");
  process.exit(0);
}
const child = spawnSync(command, args, { cwd: process.cwd(), env, stdio: "inherit" });
if (child.error) fail(`could not start ${command}: ${child.error.message}`);
if (child.signal) process.kill(process.pid, child.signal);
process.exit(child.status ?? 1);
