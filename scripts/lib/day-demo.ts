/**
 * `npm run demo -- --settlement day`: the community settled a day at a time (contracts/MarketDays.sol). The engine
 * simulates the days (every household's metered readings); each household keeps one standing order
 * (standingOrderFor); the operator opens the days ahead; after each day the meter posts its readings and settles it
 * in one transaction with the clearing the engine's day-mode twin computed (sim/market/day.ts). Then every
 * household's settled amount is checked against the engine's day bills to the wei.
 */
import type { ContractTransactionReceipt } from "ethers";

import { dayStartSlot as dayStartSlotOf } from "@kiezstrom/engine/calendar";
import { buildCommunity } from "@kiezstrom/engine/community";
import { costPerDay, DEFAULT_CHAINS, roundTo as round } from "@kiezstrom/engine/gas-cost";
import type { DayResult } from "@kiezstrom/engine/market/day";
import type { Scenario } from "@kiezstrom/engine/scenario/scenario";
import { savingPerHouseholdDayEur } from "@kiezstrom/engine/report/summary";
import { standingOrdersOf } from "@kiezstrom/engine/strategy";
import { createCommunity, crossCheck, EUR } from "./chain.js";
import { fail, writeOutputs } from "./cli.js";
import { DayDriver, dayModeLimits, engineDayNets, MAX_ONE_TRANSACTION_MEMBERS } from "./day-driver.js";
import { otherMode, otherModeLines, printOtherMode } from "./other-mode.js";
import { CLASS, type Receipts, WEI_PER_UNIT, wait } from "./market-driver.js";

export async function runDayDemo(scenario: Scenario, options: { rpc?: string; out: string }) {
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const homes = buildCommunity(scenario);
  const tariffs = scenario.suppliers.map((s) => s.tariff);
  log(`engine: ${homes.length} households, ${scenario.days} day(s), day settlement`);
  const daySettled: Scenario = { ...scenario, market: { ...scenario.market, settlement: "day" } };
  const { nets, result } = await engineDayNets(daySettled);
  const orders = standingOrdersOf(daySettled, homes);

  log(`deploying a day-mode community on ${options.rpc ?? "the in-process Hardhat chain"}`);
  const c = await createCommunity({
    rpc: options.rpc,
    tariffs,
    gateLeadSeconds: scenario.market.gateLeadSeconds,
    dayStartSlot: dayStartSlotOf(scenario.location.utcOffsetHours),
    settlement: "day",
  }).catch((e: Error) => fail(`could not deploy${options.rpc ? ` to ${options.rpc}` : ""}: ${e.message.split("\n")[0]}`));
  const gas = new Map<string, { gas: number; transactions: number }>();
  const record = (action: string, receipts: Receipts) => {
    const g = gas.get(action) ?? { gas: 0, transactions: 0 };
    g.gas += receipts.reduce((s, r) => s + Number(r.gasUsed), 0);
    g.transactions += receipts.length;
    gas.set(action, g);
  };
  try {
    const max = Number(await c.market.MAX_DAY_MEMBERS());
    if (homes.length > max) fail(`a day-mode community takes at most ${max} households; the scenario has ${homes.length}`);
    log(`registering and funding ${homes.length} households, each with a standing order`);
    const wallets = await c.households(homes.length, `demo-day:${scenario.seed}`);
    for (const [i, h] of homes.entries()) {
      const w = wallets[i];
      const { importLimitWh, exportLimitWh } = dayModeLimits(h);
      record("register", [await wait(c.market.connect(w).register(CLASS[h.class], h.supplier, importLimitWh, exportLimitWh))]);
      if (h.class !== "consumer") record("confirmMeteringPoint", [await c.confirmMeteringPoint(w.address)]);
    }
    record("deposit", await c.fund(wallets, EUR * BigInt(20 + 10 * scenario.days)));
    await c.fund(c.roles.suppliers, EUR * BigInt(Math.max(1_000, 20 * homes.length * scenario.days)));
    for (const [i, order] of orders.entries()) {
      if (order.floor === 0 && order.cap === 0) continue;
      record("standingOrder", [await wait(c.market.connect(wallets[i]).setStandingOrder(order.floor, order.cap))]);
    }
    const before = await Promise.all(wallets.map((w) => c.market.accountOf(w.address)));

    const driver = new DayDriver(c.market, { operator: c.roles.operator, meter: c.roles.meter, anyone: c.roles.admin });
    const first = await driver.dayAfter((await c.now()) + 3_600);
    record("openDays", [await driver.openDays(first, scenario.days)]);
    let tradedIntervals = 0;
    for (let d = 0; d < scenario.days; d++) {
      const end = (await driver.startOf(first + d)) + 86_400;
      if ((await c.now()) < end) await c.provider.send("evm_setNextBlockTimestamp", [end]);
      // a community of at most 200 households posts and settles a day in one transaction; a larger one posts its
      // readings in pages and settles the day in steps
      let settled: { result: DayResult; receipt?: ContractTransactionReceipt };
      if (homes.length <= MAX_ONE_TRANSACTION_MEMBERS) {
        settled = await driver.postAndSettle(first + d, nets[d]);
        record("postAndSettleDay", [settled.receipt!]);
      } else {
        const posted = await driver.postReadings(first + d, nets[d]);
        record("postDayReadings", posted.receipts);
        const steps = await driver.settleInSteps(first + d, posted.pages);
        record("settleDay", [...steps.verify, ...steps.settle]);
        settled = { result: steps.result };
      }
      tradedIntervals += settled.result.clearing.filter((x) => x.matchedWh > 0).length;
      log(
        `day ${d + 1}/${scenario.days}: ${settled.result.clearing.filter((x) => x.matchedWh > 0).length} of 96 intervals traded P2P${settled.receipt ? `, settled in ${Number(settled.receipt.gasUsed).toLocaleString("en-US")} gas` : ", settled in steps"}`,
      );
    }

    // Cross-check: what each household settled on chain (balance change plus new debt) against the engine's day-mode run
    // (its KPIs are these bills).
    const engineNano = result.households.map((h) => h.lemNano);
    const { mismatches, maxDiffWei } = await crossCheck(
      c.market,
      wallets.map((w) => w.address),
      before,
      engineNano.map((nano) => BigInt(nano) * WEI_PER_UNIT),
    );

    const householdDays = homes.length * scenario.days;
    const dailyGas = ["openDays", "postAndSettleDay", "postDayReadings", "settleDay"].reduce((s, a) => s + (gas.get(a)?.gas ?? 0), 0);
    const perHouseholdDayGas = Math.round(dailyGas / householdDays);
    const savingEur = savingPerHouseholdDayEur(result);
    const intervalMode = await otherMode("interval", scenario);
    const perHouseholdDay = costPerDay(perHouseholdDayGas, savingEur);
    const wallTimeSeconds = round((Date.now() - started) / 1000, 1);
    const summary = {
      scenario: scenario.name,
      settlement: "day",
      households: homes.length,
      days: scenario.days,
      tradedIntervals,
      crossCheck: { households: wallets.length, mismatches, maxDiffWei: maxDiffWei.toString() },
      gas: Object.fromEntries(gas),
      perHouseholdDay,
      otherMode: intervalMode,
      wallTimeSeconds,
      market: await c.market.getAddress(),
    };
    const lines = [
      `# ${scenario.name}: day mode`,
      "",
      `${homes.length} households, ${scenario.days} day(s) settled a day at a time (${tradedIntervals} of ${96 * scenario.days} intervals with P2P trades).`,
      `Cross-check against the engine's day bills: ${mismatches} of ${wallets.length} households differ (largest difference ${maxDiffWei} wei).`,
      "",
      "| per household-day | gas | chain cost EUR | bill saving EUR (BAU − day mode) | net EUR |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...Object.entries(perHouseholdDay).map(
        ([k, v]) => `| ${DEFAULT_CHAINS[k].name} | ${v.gas.toLocaleString("en-US")} | ${v.costEur} | ${v.savingEur} | ${v.netEur} |`,
      ),
      "",
      ...otherModeLines(intervalMode, (k) => DEFAULT_CHAINS[k].name),
    ];
    const dir = writeOutputs(options.out, { "summary.json": `${JSON.stringify(summary, null, 2)}\n`, "report.md": lines.join("\n") });
    console.log(`${scenario.name}: ${homes.length} households, ${scenario.days} day(s) settled in day mode`);
    for (const [k, v] of Object.entries(perHouseholdDay)) {
      console.log(
        `  ${DEFAULT_CHAINS[k].name.padEnd(12)} ${v.gas.toLocaleString("en-US")} gas, ${v.costEur.toFixed(4)} EUR per household-day vs bill saving ${v.savingEur.toFixed(4)} EUR → net ${v.netEur.toFixed(4)} EUR`,
      );
    }
    printOtherMode(intervalMode, (k) => DEFAULT_CHAINS[k].name);
    console.log(`  cross-check: ${mismatches} of ${wallets.length} households differ from the engine (must be 0)`);
    console.log(`wall time ${wallTimeSeconds} s; outputs in ${dir}`);
    if (mismatches > 0) {
      process.stderr.write(`error: on-chain day settlement differs from the engine for ${mismatches} households\n`);
      process.exitCode = 1;
    }
  } finally {
    await c.close();
  }
}
