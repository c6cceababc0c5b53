/** Shared pieces of the command-line entry points: flags, scenarios, progress, output folders. */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

import { parseDate } from "@kiezstrom/engine/calendar";
import { MECHANISMS, type Mechanism } from "@kiezstrom/engine/market/clearing";
import { STRATEGIES, type StrategyName } from "@kiezstrom/engine/strategy";
import {
  DEFAULT_SCENARIO,
  parseScenario,
  SETTLEMENTS,
  scaleCommunity,
  ScenarioError,
  type Scenario,
  type Settlement,
} from "@kiezstrom/engine/scenario/scenario";

/** Prints a message that says what to fix and exits with code 2 (bad input). */
export function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/** Parses flags strictly; an unknown flag or a missing value exits 2 with the usage. */
export function flags<T extends NonNullable<ParseArgsConfig["options"]>>(options: T, usage: string) {
  try {
    const parsed = parseArgs({ options: { ...options, help: { type: "boolean" } }, strict: true, allowPositionals: false });
    if ((parsed.values as Record<string, unknown>).help) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    return parsed.values as { [K in keyof T]?: T[K] extends { type: "boolean" } ? boolean : string };
  } catch (e) {
    return fail(`${(e as Error).message}\n${usage}`);
  }
}

export function wholeNumber(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) fail(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) fail(`--${name} must be from ${min} to ${max}, got ${n}`);
  return n;
}

/** The scenario from --scenario (or the default), with --days, --start, --seed, --mechanism, --settlement, --strategy
 *  applied. */
export function loadScenario(values: {
  scenario?: string;
  days?: string;
  start?: string;
  seed?: string;
  mechanism?: string;
  settlement?: string;
  strategy?: string;
  participants?: string;
}): Scenario {
  let scenario: Scenario = DEFAULT_SCENARIO;
  if (values.scenario) {
    const path = resolve(values.scenario);
    if (!existsSync(path)) fail(`--scenario ${values.scenario}: no such file`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      fail(`--scenario ${values.scenario} is not valid JSON: ${(e as Error).message}`);
    }
    try {
      scenario = parseScenario(json);
    } catch (e) {
      if (e instanceof ScenarioError) fail(`${values.scenario}: ${e.message}`);
      throw e;
    }
  }
  const days = wholeNumber("days", values.days, 1, 3660);
  const seed = wholeNumber("seed", values.seed, 0, 2 ** 32 - 1);
  if (values.start !== undefined && parseDate(values.start) === null) fail(`--start must be a date YYYY-MM-DD, got "${values.start}"`);
  if (values.mechanism !== undefined && !MECHANISMS.includes(values.mechanism as Mechanism))
    fail(`--mechanism must be ${MECHANISMS.join(", ")}, got "${values.mechanism}"`);
  if (values.settlement !== undefined && !SETTLEMENTS.includes(values.settlement as Settlement))
    fail(`--settlement must be interval or day, got "${values.settlement}"`);
  if (values.strategy !== undefined && !STRATEGIES.includes(values.strategy as StrategyName))
    fail(`--strategy must be ${STRATEGIES.join(", ")}, got "${values.strategy}"`);
  const strategy = (values.strategy as StrategyName) ?? scenario.market.strategy ?? "zero-intelligence";
  const mechanism = (values.mechanism as Scenario["market"]["mechanism"]) ?? scenario.market.mechanism;
  const settlement = (values.settlement as Settlement) ?? scenario.market.settlement ?? "interval";
  if (settlement === "day" && mechanism !== "uniform") fail(`--settlement day clears at the uniform price; drop --mechanism ${mechanism}`);
  scenario = {
    ...scenario,
    days: days ?? scenario.days,
    seed: seed ?? scenario.seed,
    start: values.start ?? scenario.start,
    market: { ...scenario.market, mechanism, settlement, strategy },
  };
  const participants = wholeNumber("participants", values.participants, 1, 100_000);
  if (participants !== undefined) scenario = scaleCommunity(scenario, participants);
  return scenario;
}

/** The contracts clear at the uniform price: a run on chain refuses the engine's research mechanisms. */
export function requireUniformClearing(scenario: Scenario, command: string) {
  if (scenario.market.mechanism !== "uniform")
    fail(
      `${command} settles on chain, and the contracts clear at the uniform price; the scenario's mechanism "${scenario.market.mechanism}" is for the engine alone (npm run simulate)`,
    );
}

/** A progress bar on a terminal, plain lines (every 10%) in CI or when piped. */
export function progress(label: string) {
  const tty = process.stderr.isTTY && !process.env.CI;
  let lastDecile = -1;
  return (done: number, total: number) => {
    const frac = total ? done / total : 1;
    if (tty) {
      const width = 30;
      const filled = Math.round(frac * width);
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`);
      if (done === total) process.stderr.write("\n");
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${label}: ${done}/${total} (${Math.round(frac * 100)}%)\n`);
      }
    }
  };
}

/** Writes every file into `dir` at once: into a fresh folder beside it, then swapped in. */
export function writeOutputs(dir: string, files: Record<string, string>): string {
  const target = resolve(dir);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(staging, name)), { recursive: true });
    writeFileSync(join(staging, name), content);
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(staging, target);
  return target;
}
