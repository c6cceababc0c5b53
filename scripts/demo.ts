/**
 * npm run demo -- [--days N] [--participants N] [--seed N] [--scenario FILE] [--start YYYY-MM-DD] [--settlement interval|day] [--rpc URL] [--out DIR]
 *
 * The project's main job: simulates the community with the engine and settles every interval on a chain
 * (the in-process Hardhat chain by default): registration, deposits, bids (direct transactions and relayed
 * EIP-712 batches), clearing, meter readings, billing and settlement. Then checks that every participant's
 * settled amount equals the engine's LEM bill to the last µEUR, and reports gas and its cost per chain. With
 * `--settlement day` the community settles a day at a time (scripts/lib/day-demo.ts).
 */
import type { Wallet } from "ethers";

import { dayStartSlot as dayStartSlotOf, INTERVAL_SECONDS, slotTime } from "@kiezstrom/engine/calendar";
import { buildCommunity } from "@kiezstrom/engine/community";
import { simulate, type IntervalDetail } from "@kiezstrom/engine/engine";
import { costPerDay, DEFAULT_CHAINS, gasCostEur, roundTo as round } from "@kiezstrom/engine/gas-cost";
import { keepBusiestBids, simulationOutputs, type BidSnapshot } from "@kiezstrom/engine/report/outputs";
import { savingPerHouseholdDayEur, summarize } from "@kiezstrom/engine/report/summary";
import { createCommunity, crossCheck, EUR } from "./lib/chain.js";
import { fail, flags, loadScenario, progress, requireUniformClearing, writeOutputs } from "./lib/cli.js";
import { otherMode, otherModeLines, printOtherMode } from "./lib/other-mode.js";
import { bidDomain, CLASS, SIDE, signBid, wait, WEI_PER_UNIT, type Receipts, type SignedBidInput } from "./lib/market-driver.js";

const USAGE = `Usage: npm run demo -- [--days N] [--participants N] [--seed N] [--scenario FILE] [--start YYYY-MM-DD] [--settlement interval|day] [--rpc URL] [--out DIR]
  --days N          days to settle on chain (default 1: 96 intervals)
  --participants N  scale the community to N households (default: the scenario's 200)
  --seed N          seed of the community, weather and bids
  --scenario FILE   a scenario JSON (default: the Berlin case study)
  --start DATE      first day, YYYY-MM-DD
  --settlement M    interval (default: every interval cleared and settled on its own) or day (standing orders, a day
                    verified and settled at once)
  --rpc URL         a running node with unlocked dev accounts (default: an in-process Hardhat chain)
  --out DIR         output folder (default out/demo)`;

const values = flags(
  {
    days: { type: "string" },
    participants: { type: "string" },
    seed: { type: "string" },
    scenario: { type: "string" },
    start: { type: "string" },
    settlement: { type: "string" },
    rpc: { type: "string" },
    out: { type: "string" },
  },
  USAGE,
);
const scenario = loadScenario(values);
requireUniformClearing(scenario, "npm run demo");
if (scenario.suppliers.length !== 2) fail(`the demo's community module has two suppliers; the scenario has ${scenario.suppliers.length}`);
if (values.rpc !== undefined && !/^https?:\/\/\S+$/.test(values.rpc)) fail(`--rpc must be an http(s) URL, got "${values.rpc}"`);
// --settlement (or the scenario's market.settlement), checked by loadScenario
if (scenario.market.settlement === "day") {
  const { runDayDemo } = await import("./lib/day-demo.js");
  await runDayDemo(scenario, { rpc: values.rpc, out: values.out ?? "out/demo-day" });
  process.exit(process.exitCode ?? 0);
}

const started = Date.now();
const log = (line: string) => process.stderr.write(`${line}\n`);
const homes = buildCommunity(scenario);
const tariffs = scenario.suppliers.map((s) => s.tariff);
const startSlot = dayStartSlotOf(scenario.location.utcOffsetHours);

log(`deploying on ${values.rpc ?? "the in-process Hardhat chain"}`);
// Below the per-transaction cap of 16,777,216 gas (Osaka): on a dev chain this spares re-executing each
// transaction to estimate it.
const GAS_LIMIT = 16_000_000n;
const c = await createCommunity({
  rpc: values.rpc,
  tariffs,
  gateLeadSeconds: scenario.market.gateLeadSeconds,
  dayStartSlot: startSlot,
  driver: { gasLimit: GAS_LIMIT },
}).catch((e: Error) => fail(`could not deploy${values.rpc ? ` to ${values.rpc}` : ""}: ${e.message.split("\n")[0]}`));

const gas = new Map<string, { gas: number; transactions: number; units: number }>();
function record(action: string, receipts: Receipts, units = receipts.length) {
  const g = gas.get(action) ?? { gas: 0, transactions: 0, units: 0 };
  g.gas += receipts.reduce((s, r) => s + Number(r.gasUsed), 0);
  g.transactions += receipts.length;
  g.units += units;
  gas.set(action, g);
}

try {
  log(`registering and funding ${homes.length} households`);
  const wallets: Wallet[] = await c.households(homes.length, `demo:${scenario.seed}`);
  for (const [i, h] of homes.entries()) {
    const w = wallets[i];
    record("register", [await wait(c.market.connect(w).register(CLASS[h.class], h.supplier, h.importLimitWh, h.exportLimitWh))]);
    c.participants.set(w.address.toLowerCase(), { supplier: h.supplier });
    // the meter operator confirms the household's metering point: from then on it may sell
    if (h.class !== "consumer") record("confirmMeteringPoint", [await c.confirmMeteringPoint(w.address)]);
  }
  // each household keeps enough euro for its locks and grid bills; suppliers keep a float for feed-in payments
  record("deposit", await c.fund(wallets, EUR * BigInt(20 + 10 * scenario.days)));
  await c.fund(c.roles.suppliers, EUR * BigInt(Math.max(1_000, 20 * homes.length * scenario.days)));
  const before = await Promise.all(wallets.map((w) => c.market.accountOf(w.address)));
  const relayedHouseholds = Math.ceil(homes.length / 2);
  // Direct bidders send through the node (its dev-chain impersonation), which spares signing each transaction here.
  const senders = await Promise.all(wallets.map((w, i) => (i < relayedHouseholds ? w : c.ethers.getImpersonatedSigner(w.address))));

  // Engine intervals lie in the scenario's past: shift them by whole days into the chain's future.
  const domain = await bidDomain(c.market);
  const nonces = new Map<string, bigint>();
  let offset = 0;
  let intervalsSettled = 0;
  let mismatchedPrices = 0;
  const bidCounts = { total: 0, direct: 0, relayed: 0 };
  let snapshot: BidSnapshot | undefined;
  const showProgress = progress("settling intervals on chain");

  const onInterval = async (d: IntervalDetail) => {
    if (d.step === 0) {
      const chainNext = Math.floor((await c.now()) / INTERVAL_SECONDS) + 2;
      offset = Math.ceil((chainNext - d.interval) / 96) * 96;
    }
    const id = d.interval + offset;
    if (d.slot === 0 || d.step === 0) {
      record("openIntervals", [await wait(c.market.connect(c.roles.operator).openIntervals(id, 96 - d.slot))], 96 - d.slot);
    }
    // bids in the engine's order, so on-chain bid indexes equal the engine's: the first half of the households
    // sign bids that a relayer submits in batches (gasless for them), the second half send their own transactions
    const deadline = BigInt((await c.now()) + 86_400);
    let batch: SignedBidInput[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      record("relayedBid", [await wait(c.market.connect(c.roles.admin).submitSignedBids(id, batch, { gasLimit: GAS_LIMIT }))], batch.length);
      bidCounts.relayed += batch.length;
      batch = [];
    };
    for (const b of d.bids) {
      const w = wallets[b.household];
      if (b.household < relayedHouseholds) {
        const nonce = nonces.get(w.address) ?? 0n;
        nonces.set(w.address, nonce + 1n);
        batch.push(await signBid(w, domain, { interval: id, side: b.side, wh: b.wh, price: b.price, nonce, deadline }));
      } else {
        await flush();
        record("bid", [await wait(c.market.connect(senders[b.household]).placeBid(id, SIDE[b.side], b.wh, b.price, { gasLimit: 200_000 }))]);
        bidCounts.direct++;
      }
    }
    await flush();
    bidCounts.total += d.bids.length;
    await c.closeGate(id);
    // the driver hands back the interval's batches as its events tell them
    const cleared = await c.driver.clear(id);
    // small intervals order and clear in one transaction; large ones commit order pages first
    if (cleared.receipts.order.length > 0) record("order", cleared.receipts.order, d.bids.length);
    record("clear", cleared.receipts.clear, d.bids.length);
    const onChain = await c.market.clearingOf(id);
    if (Number(onChain.price) !== d.clearing.price || Number(onChain.matchedWh) !== d.clearing.matchedWh) mismatchedPrices++;
    const readings = d.readings.map((r, i) => ({ participant: wallets[i].address, importWh: r.importWh, exportWh: r.exportWh }));
    const metered = await c.driver.meter(id, readings, cleared.result);
    record("meter", metered.receipts, readings.length);
    record("billAndSettle", (await c.driver.billAndSettle(id, metered.pages, cleared)).receipts, readings.length);
    intervalsSettled++;
    snapshot = keepBusiestBids(snapshot, d, scenario.start);
    if (process.stderr.isTTY && !process.env.CI) showProgress(d.step + 1, scenario.days * 96);
    else {
      log(
        `interval ${d.step + 1}/${scenario.days * 96} (day ${d.dayIndex + 1} ${slotTime(d.slot)}): ${d.bids.length} bids, ${(d.clearing.matchedWh / 1000).toFixed(1)} kWh P2P at ${(Number(onChain.price) / 1e6).toFixed(4)} EUR/kWh, settled`,
      );
    }
  };
  const result = await simulate(scenario, { onInterval });

  // Cross-check: what each participant settled on chain (balance change plus new debt) against the engine.
  const { mismatches, maxDiffWei } = await crossCheck(
    c.market,
    wallets.map((w) => w.address),
    before,
    result.households.map((h) => BigInt(h.lemNano) * WEI_PER_UNIT),
  );

  const summary = summarize(result);
  const participantDays = homes.length * scenario.days;
  const marketActions = ["openIntervals", "bid", "relayedBid", "order", "clear", "meter", "billAndSettle"];
  const dailyGas = marketActions.reduce((s, a) => s + (gas.get(a)?.gas ?? 0), 0);
  const savingEur = savingPerHouseholdDayEur(result);
  const dayMode = await otherMode("day", scenario);
  const chains = Object.fromEntries(Object.entries(DEFAULT_CHAINS).map(([k, v]) => [k, { name: v.name, eurPerNative: v.eurPerNative, gwei: v.gwei }]));
  const perParticipantDay = costPerDay(dailyGas / participantDays, savingEur);
  const gasTable = Object.fromEntries(
    [...gas].map(([action, g]) => [
      action,
      {
        gas: g.gas,
        transactions: g.transactions,
        units: g.units,
        perUnit: Math.round(g.gas / Math.max(g.units, 1)),
        costEur: Object.fromEntries(Object.entries(DEFAULT_CHAINS).map(([k, ch]) => [k, round(gasCostEur(g.gas, ch), 4)])),
      },
    ]),
  );
  const wallTimeSeconds = round((Date.now() - started) / 1000, 1);
  const deployment = {
    chainId: Number((await c.provider.getNetwork()).chainId),
    token: await c.token.getAddress(),
    factory: await c.factory.getAddress(),
    market: await c.market.getAddress(),
    intervalOffset: offset,
  };
  const demoSummary = {
    ...summary,
    crossCheck: { participants: wallets.length, mismatches, maxDiffWei: maxDiffWei.toString(), pricesDiffering: mismatchedPrices },
    intervalsSettled,
    bids: bidCounts,
    gas: gasTable,
    chains,
    perParticipantDay,
    otherMode: dayMode,
    wallTimeSeconds,
    deployment,
  };
  const outputs = simulationOutputs(result, snapshot);
  const fmt = (n: number) => n.toLocaleString("en-US");
  const onChainReport = [
    "",
    "## Settled on chain",
    "",
    `${intervalsSettled} intervals settled on chain ${deployment.chainId} (market ${deployment.market}); ${bidCounts.total} bids (${bidCounts.direct} direct, ${bidCounts.relayed} relayed EIP-712).`,
    `Cross-check against the engine: ${mismatches} of ${wallets.length} participants differ (largest difference ${maxDiffWei} wei); ${mismatchedPrices} intervals with a differing clearing price.`,
    "",
    "| action | gas | transactions | per unit | Ethereum EUR | Polygon EUR |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...Object.entries(gasTable).map(
      ([a, g]) => `| ${a} | ${fmt(g.gas)} | ${g.transactions} | ${fmt(g.perUnit)} | ${g.costEur.ethereum} | ${g.costEur.polygon} |`,
    ),
    "",
    "| per participant-day | gas | chain cost EUR | bill saving EUR | net EUR |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...Object.entries(perParticipantDay).map(([k, v]) => `| ${DEFAULT_CHAINS[k].name} | ${fmt(v.gas)} | ${v.costEur} | ${v.savingEur} | ${v.netEur} |`),
    "",
    `Prices: ${Object.values(DEFAULT_CHAINS)
      .map((ch) => `${ch.name} ${ch.gwei} gwei at ${ch.eurPerNative} EUR`)
      .join("; ")} (the case study's).`,
    "",
    ...otherModeLines(dayMode, (k) => DEFAULT_CHAINS[k].name),
  ].join("\n");
  const dir = writeOutputs(values.out ?? "out/demo", {
    ...outputs,
    "summary.json": `${JSON.stringify(demoSummary, null, 2)}\n`,
    "report.md": outputs["report.md"] + onChainReport,
    "deployment.json": `${JSON.stringify(deployment, null, 2)}\n`,
  });

  const cls = summary.classes;
  console.log(`${summary.scenario}: ${summary.participants} participants, ${scenario.days} day(s), ${intervalsSettled} intervals settled on chain`);
  for (const [k, label] of [
    ["consumer", "consumers"],
    ["pv", "PV prosumers"],
    ["pvBattery", "PV + battery prosumers"],
  ] as const) {
    console.log(
      `  ${label.padEnd(24)} BAU ${cls[k].billBauEur.toFixed(3).padStart(8)} EUR/day  LEM ${cls[k].billLemEur.toFixed(3).padStart(8)}  saving ${cls[k].savingPct.toFixed(1)}%`,
    );
  }
  console.log(
    `  grid import ${summary.grid.importBauKWh} → ${summary.grid.importLemKWh} kWh, export ${summary.grid.exportBauKWh} → ${summary.grid.exportLemKWh} kWh, P2P ${summary.p2pKWh} kWh`,
  );
  for (const s of summary.suppliers) console.log(`  ${s.name} margin ${s.marginBauEur} → ${s.marginLemEur} EUR (${s.changePct}%)`);
  console.log(
    `  network operator ${summary.networkOperator.incomeBauEur} → ${summary.networkOperator.incomeLemEur} EUR (${summary.networkOperator.changePct}%), platform ${summary.platform.incomeEur} EUR`,
  );
  console.log("  gas per action:");
  for (const [a, g] of Object.entries(gasTable))
    console.log(`    ${a.padEnd(14)} ${fmt(g.perUnit).padStart(9)} per unit  (${fmt(g.gas)} in ${g.transactions} tx)`);
  for (const [k, v] of Object.entries(perParticipantDay)) {
    console.log(
      `  ${DEFAULT_CHAINS[k].name.padEnd(12)} on-chain cost ${v.costEur.toFixed(4)} EUR per participant-day vs bill saving ${v.savingEur.toFixed(4)} EUR → net ${v.netEur.toFixed(4)} EUR`,
    );
  }
  printOtherMode(dayMode, (k) => DEFAULT_CHAINS[k].name);
  console.log(`  cross-check: ${mismatches} of ${wallets.length} participants differ from the engine (must be 0)`);
  console.log(`wall time ${wallTimeSeconds} s; outputs in ${dir}`);
  if (mismatches > 0 || mismatchedPrices > 0) {
    process.stderr.write(`error: on-chain settlement differs from the engine for ${mismatches} participants and ${mismatchedPrices} clearing prices\n`);
    process.exitCode = 1;
  }
} finally {
  await c.close();
}
