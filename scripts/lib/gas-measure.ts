/**
 * Gas of every market action, read from the receipts of real transactions on the in-process chain (not
 * estimates). Used by `npm run bench:gas` and `npm run gas-report`.
 */
import { brotliCompressSync, constants as zlib } from "node:zlib";

import { ContractFactory, getBytes, keccak256, type Provider, Transaction, type Wallet } from "ethers";
import hre from "hardhat";

import { fastLzSize } from "@kiezstrom/engine/fastlz";
import type { TxBasket, TxData } from "@kiezstrom/engine/gas-cost";
import { MARKET_LIBRARIES } from "../../deploy/modules/MarketSystem.js";
import { BERLIN_2023_SUPPLIERS } from "@kiezstrom/engine/scenario/tariffs-berlin-2023";
import { Random } from "@kiezstrom/engine/random";
import { askRange, bidRange } from "@kiezstrom/engine/market/tariff";
import type { OrderBid, Side } from "@kiezstrom/engine/market/clearing";
import type { DayNets } from "@kiezstrom/engine/market/day";
import { buildCommunity } from "@kiezstrom/engine/community";
import { DEFAULT_SCENARIO, type Scenario, scaleCommunity } from "@kiezstrom/engine/scenario/scenario";
import { standingOrdersOf } from "@kiezstrom/engine/strategy";
import { createCommunity, EUR, type Community } from "./chain.js";
import { DayDriver, dayModeLimits, engineDayNets } from "./day-driver.js";
import { bidDomain, SIDE, signBid, tariffStruct, wait, type Reading, type Receipts } from "./market-driver.js";

export interface ActionGas {
  gas: number;
  unit: string;
}

export interface ClearingGas {
  bids: number;
  totalGas: number;
  perBidGas: number;
  transactions: number;
  maxTxGas: number;
}

export interface RelayedBatch {
  batch: number;
  perBidGas: number;
  totalGas: number;
}

/** Every brotli quality (0–11): a profile may price at any of them (Arbitrum's brotli level). */
const BROTLI_LEVELS = Array.from({ length: 12 }, (_, q) => q);

/** The signed transactions of `receipts` as a rollup prices them (FastLZ and brotli sizes), standing for `units`. */
export async function txBasket(provider: Provider, receipts: Receipts, units: number): Promise<TxBasket> {
  const txs: TxData[] = [];
  for (const r of receipts) {
    const response = await provider.getTransaction(r.hash);
    if (!response) throw new Error(`transaction ${r.hash} not found`);
    const serialized = Transaction.from(response).serialized;
    if (keccak256(serialized) !== r.hash) throw new Error(`transaction ${r.hash} does not serialize back to its hash`);
    const bytes = getBytes(serialized);
    const brotliBytes: Record<number, number> = {};
    for (const q of BROTLI_LEVELS) brotliBytes[q] = brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: q } }).length;
    txs.push({ fastLzBytes: fastLzSize(bytes), brotliBytes });
  }
  return { txs, units };
}

export interface GasMeasurements {
  actions: Record<string, ActionGas>;
  /** The transactions behind the actions a household-day is made of, for a rollup's L1 data fee. */
  baskets: Record<string, TxBasket>;
  relayedBatches: RelayedBatch[];
  clearing: ClearingGas[];
  /** Metering, then billing and settlement of one interval: in one transaction (one meter page), and paged. */
  perInterval: {
    participants: number;
    meterGas: number;
    billAndSettleGas: number;
    billGas: number;
    settleGas: number;
    transactions: number;
    maxTxGas: number;
  };
}

/** A day of a day-mode community, from the receipts of its transactions. */
export interface DayModeGas {
  households: number;
  /** The day measured: a community's second day (the fee recipients' and suppliers' accounts already written). */
  openGas: number;
  meterGas: number;
  meterTransactions: number;
  settleGas: number;
  /** Everything of the day (open, readings, settlement) over its households. */
  perHouseholdDay: number;
  maxTxGas: number;
  /** The same day posted and settled by the meter in one transaction (postAndSettleDay), over its households. */
  fusedPerHouseholdDay: number;
  fusedGas: number;
  /** A household's standing order, set once (a day with no change costs the household nothing). */
  standingOrderGas: number;
  /** P2P trades of the day: intervals in which something matched. */
  tradedIntervals: number;
  /** The day's transactions over its households, on each path (for a rollup's L1 data fee). */
  baskets: { fused: TxBasket; twoStep: TxBasket; standingOrder: TxBasket };
}

export const GAS_CAP = 16_777_216;

const sum = (receipts: Receipts) => receipts.reduce((s, r) => s + Number(r.gasUsed), 0);
const max = (receipts: Receipts) => receipts.reduce((m, r) => Math.max(m, Number(r.gasUsed)), 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface MeasureOptions {
  participants: number;
  clearingSizes: number[];
  relayBatchSizes: number[];
  log?: (line: string) => void;
}

export async function measureGas(options: MeasureOptions): Promise<GasMeasurements> {
  const log = options.log ?? (() => {});
  const tariffs = BERLIN_2023_SUPPLIERS.map((s) => s.tariff);
  const c = await createCommunity({ tariffs, driver: { meterPageSize: 250 } });
  try {
    const actions: Record<string, ActionGas> = {};
    const baskets: Record<string, TxBasket> = {};
    log("deployment");
    Object.assign(actions, await measureDeployment(c));

    log("register, deposit, withdraw");
    const solo = await c.households(5, "solo");
    const registrations = [];
    for (const [i, w] of solo.entries()) {
      registrations.push(await wait(c.market.connect(w).register(i < 2 ? 1 : 3, i % 2, 5_000, i < 2 ? 0 : 5_000)));
      if (i >= 2) await c.confirmMeteringPoint(w.address);
      c.participants.set(w.address.toLowerCase(), { supplier: i % 2 });
    }
    actions.register = { gas: median(registrations.map((r) => Number(r.gasUsed))), unit: "per participant" };
    baskets.register = await txBasket(c.provider, registrations, registrations.length);
    const deposits = await c.fund(solo, 50n * EUR);
    actions.deposit = { gas: median(deposits.map((r) => Number(r.gasUsed))), unit: "per deposit (first)" };
    baskets.deposit = await txBasket(c.provider, deposits, deposits.length);
    const withdrawals = [];
    for (const w of solo) withdrawals.push(await wait(c.market.connect(w).withdraw(EUR)));
    actions.withdraw = { gas: median(withdrawals.map((r) => Number(r.gasUsed))), unit: "per withdrawal" };
    baskets.withdraw = await txBasket(c.provider, withdrawals, withdrawals.length);

    log("direct and relayed bids, on fresh storage and on reused ring slots");
    const relayers = await c.households(100, "relay");
    await c.onboard(relayers.map((w) => ({ address: w.address, cls: "pv" as const, supplier: 0, importLimitWh: 5_000, exportLimitWh: 5_000 })));
    await c.fund(relayers, 50n * EUR);
    const fresh = await c.openIntervals(1);
    const freshRound = await bidRound(c, solo, relayers, fresh, options.relayBatchSizes);
    await c.closeGate(fresh);
    const freshCleared = await c.driver.clear(fresh);
    // settled (a ring slot is reused only once its interval is settled or refunded): every bidder metered as idle
    const freshMetered = await c.driver.meter(
      fresh,
      [...solo, ...relayers].map((w) => ({ participant: w.address, importWh: 0, exportWh: 0 })),
      freshCleared.result,
    );
    await c.driver.billAndSettle(fresh, freshMetered.pages, freshCleared);
    // The interval BID_RING later reuses these bid slots: what every bid costs once a community has run two days.
    const ring = Number(await c.market.BID_RING());
    await wait(c.market.connect(c.roles.operator).openIntervals(fresh + ring, 1));
    const steadyRound = await bidRound(c, solo, relayers, fresh + ring, options.relayBatchSizes);
    actions.bid = { gas: median(steadyRound.direct), unit: "per direct bid (median of buys and sells; storage reused)" };
    baskets.bid = await txBasket(c.provider, steadyRound.directReceipts, steadyRound.directReceipts.length);
    actions.bidFirstUse = { gas: median(freshRound.direct), unit: "per direct bid on never-used storage (a community's first two days)" };
    actions.bidMax = { gas: Math.max(...steadyRound.direct), unit: "per direct bid, most expensive (buy, storage reused)" };
    actions.bidSell = { gas: median(steadyRound.directSells), unit: "per direct sell bid (no lock; storage reused)" };
    const relayedBatches = steadyRound.relayed.map(({ receipt: _, ...batch }) => batch);
    const b100 = steadyRound.relayed.find((b) => b.batch === 100) ?? steadyRound.relayed[steadyRound.relayed.length - 1];
    actions.relayedBid = { gas: b100.perBidGas, unit: `per relayed bid, batch of ${b100.batch}, half sells and half buys (storage reused)` };
    baskets.relayedBid = await txBasket(c.provider, [b100.receipt], b100.batch);
    const f100 = freshRound.relayed.find((b) => b.batch === b100.batch)!;
    actions.relayedBidFirstUse = { gas: f100.perBidGas, unit: `per relayed bid, batch of ${f100.batch}, never-used storage` };
    actions.relayedBidBuys = {
      gas: steadyRound.relayedBuys.perBidGas,
      unit: `per relayed buy bid, batch of ${steadyRound.relayedBuys.batch} buys (each locks its cost)`,
    };

    log(`community of ${options.participants} for clearing and settlement`);
    const members = await c.households(options.participants, "member");
    // limits hold per interval: the largest clearing puts several bids of up to 3 kWh on each member
    await c.onboard(
      members.map((w, i) => ({
        address: w.address,
        cls: i % 2 === 0 ? ("pvBattery" as const) : ("consumer" as const),
        supplier: i % 2,
        importLimitWh: 20_000,
        exportLimitWh: 20_000,
      })),
    );
    // every household keeps a balance in escrow, as in a running community: settlement then records no debts
    // (a household that cannot pay its grid part adds a DebtRecorded event and a write of what it owes)
    await c.fund(members, 100n * EUR);
    await c.fund(c.roles.suppliers, 1_000n * EUR);

    const clearing: ClearingGas[] = [];
    let perInterval: GasMeasurements["perInterval"] | undefined;
    for (const n of options.clearingSizes) {
      log(`clearing ${n} bids`);
      const run = await runInterval(c, members, n, new Random(`gas:${n}`), true);
      const orderAndClear = [...run.receipts.order, ...run.receipts.clear];
      clearing.push({
        bids: n,
        totalGas: sum(orderAndClear),
        perBidGas: Math.round(sum(orderAndClear) / n),
        transactions: orderAndClear.length,
        maxTxGas: max(orderAndClear),
      });
      if (n === 200) baskets.clear = await txBasket(c.provider, orderAndClear, n);
      if (n === Math.min(options.participants, Math.max(...options.clearingSizes.filter((s) => s <= options.participants)))) {
        log(`billing and settling ${run.billed} participants page by page`);
        const paged = await runInterval(c, members, n, new Random(`gas:paged:${n}`), false);
        const all = [...run.meter, ...run.billAndSettle, ...paged.bill, ...paged.settle];
        baskets.meter = await txBasket(c.provider, run.meter, run.billed);
        baskets.billAndSettle = await txBasket(c.provider, run.billAndSettle, run.billed);
        perInterval = {
          participants: run.billed,
          meterGas: sum(run.meter),
          billAndSettleGas: sum(run.billAndSettle),
          billGas: sum(paged.bill),
          settleGas: sum(paged.settle),
          transactions: all.length,
          maxTxGas: max(all),
        };
      }
    }
    const at200 = clearing.find((x) => x.bids === 200) ?? clearing[clearing.length - 1];
    actions.clear = { gas: at200.perBidGas, unit: `per bid, ${at200.bids} bids` };
    if (perInterval) {
      const p = perInterval.participants;
      actions.meter = { gas: Math.round(perInterval.meterGas / p), unit: `per participant and interval, ${p} participants` };
      actions.billAndSettle = { gas: Math.round(perInterval.billAndSettleGas / p), unit: `per participant and interval, ${p} participants, one transaction` };
      actions.bill = { gas: Math.round(perInterval.billGas / p), unit: `per participant and interval, ${p} participants, paged` };
      actions.settle = { gas: Math.round(perInterval.settleGas / p), unit: `per participant and interval, ${p} participants, paged` };
    }
    return { actions, baskets, relayedBatches, clearing, perInterval: perInterval! };
  } finally {
    await c.close();
  }
}

/**
 * A day-mode community of `scenario`'s households, one day of their readings from the engine's day-settled run: each
 * household onboarded by the admin (dayModeLimits), funded, and given the standing order the engine gives it
 * (standingOrdersOf); the suppliers funded with `supplierFunds`. The caller closes the community.
 */
async function seedDayCommunity(base: Scenario, label: string, supplierFunds: bigint, log: (line: string) => void) {
  const scenario: Scenario = { ...base, days: 1, market: { ...base.market, settlement: "day" } };
  const homes = buildCommunity(scenario);
  log(`engine: ${homes.length} households' day-mode readings`);
  const {
    nets: [nets],
  } = await engineDayNets(scenario);
  const c = await createCommunity({ tariffs: scenario.suppliers.map((s) => s.tariff), settlement: "day" });
  try {
    const members = await c.households(homes.length, label);
    log(`onboarding, funding and standing orders of ${members.length} households`);
    await c.onboard(homes.map((h, i) => ({ address: members[i].address, cls: h.class, supplier: h.supplier, ...dayModeLimits(h) })));
    await c.fund(members, 100n * EUR);
    await c.fund(c.roles.suppliers, supplierFunds);
    const orders: Receipts = [];
    for (const [i, order] of standingOrdersOf(scenario, homes).entries()) {
      orders.push(await wait(c.market.connect(members[i]).setStandingOrder(order.floor, order.cap)));
      if ((i + 1) % 1_000 === 0) log(`  ${i + 1} standing orders`);
    }
    return { c, homes, nets, members, orders };
  } catch (e) {
    await c.close();
    throw e;
  }
}

/**
 * The default scenario's day settled in day mode: its 200 Berlin households' metered readings and standing orders from
 * the engine's day-mode run (standingOrdersOf), then two days opened, metered and settled; the second is measured.
 */
export async function measureDayMode(log: (line: string) => void = () => {}): Promise<DayModeGas> {
  const { c, nets, members, orders } = await seedDayCommunity(DEFAULT_SCENARIO, "day-member", 1_000n * EUR, log);
  try {
    const driver = new DayDriver(c.market, { operator: c.roles.operator, meter: c.roles.meter, anyone: c.roles.admin });
    const first = await driver.dayAfter((await c.now()) + 3_600);
    // the operator opens days ahead, as it would in a running community
    const opened = [await driver.openDays(first), await driver.openDays(first + 1), await driver.openDays(first + 2)];
    const runDay = async (day: number, readings: DayNets[]) => {
      const end = (await driver.startOf(day)) + 86_400;
      await c.provider.send("evm_setNextBlockTimestamp", [end]);
      const metered = await driver.postReadings(day, readings);
      const settled = await driver.settle(day, metered.pages);
      return {
        open: opened[day - first],
        meter: metered.receipts,
        settle: settled.receipt,
        traded: settled.result.clearing.filter((x) => x.matchedWh > 0).length,
      };
    };
    log("day mode: first day");
    await runDay(first, nets);
    log("day mode: second day (measured)");
    const day = await runDay(first + 1, nets);
    const all = [day.open, ...day.meter, day.settle];
    log("day mode: third day, posted and settled in one transaction");
    await c.provider.send("evm_setNextBlockTimestamp", [(await driver.startOf(first + 2)) + 86_400]);
    const fused = await driver.postAndSettle(first + 2, nets);
    const fusedGas = Number(fused.receipt.gasUsed) + Number(opened[2].gasUsed);
    return {
      households: members.length,
      openGas: Number(day.open.gasUsed),
      meterGas: sum(day.meter),
      meterTransactions: day.meter.length,
      settleGas: Number(day.settle.gasUsed),
      perHouseholdDay: Math.round(sum(all) / members.length),
      maxTxGas: Math.max(max(all), Number(fused.receipt.gasUsed)),
      fusedPerHouseholdDay: Math.round(fusedGas / members.length),
      fusedGas,
      standingOrderGas: median(orders.map((r) => Number(r.gasUsed))),
      tradedIntervals: day.traded,
      baskets: {
        fused: await txBasket(c.provider, [opened[2], fused.receipt], members.length),
        twoStep: await txBasket(c.provider, all, members.length),
        standingOrder: await txBasket(c.provider, orders, orders.length),
      },
    };
  } finally {
    await c.close();
  }
}

/** Direct bids from `solo` (buys and sells) and relayed batches from `relayers` in one interval. */
async function bidRound(c: Community, solo: Wallet[], relayers: Wallet[], interval: number, batchSizes: number[]) {
  const direct: number[] = [];
  const directSells: number[] = [];
  const directReceipts: Receipts = [];
  for (let round = 0; round < 3; round++) {
    for (const [i, w] of solo.entries()) {
      const sell = i >= 2 && round % 2 === 0;
      const price = sell ? 100_000 : 120_000;
      const receipt = await wait(c.market.connect(w).placeBid(interval, sell ? SIDE.sell : SIDE.buy, 500, price));
      directReceipts.push(receipt);
      const gas = Number(receipt.gasUsed);
      direct.push(gas);
      if (sell) directSells.push(gas);
    }
  }
  const domain = await bidDomain(c.market);
  const deadline = BigInt((await c.now()) + 86_400);
  const nonces = new Map<string, bigint>();
  // each batch alternates sells and buys (a buy also locks its worst-case cost); the last one is buys only
  const relayBatch = async (size: number, side: (i: number) => Side) => {
    const signed = [];
    for (let i = 0; i < size; i++) {
      const w = relayers[i % relayers.length];
      const nonce = nonces.get(w.address) ?? (await c.market.accountOf(w.address)).bidNonce;
      nonces.set(w.address, nonce + 1n);
      const price = side(i) === "sell" ? 100_000 + i : 110_000 - i;
      signed.push(await signBid(w, domain, { interval, side: side(i), wh: 400, price, nonce, deadline }));
    }
    const r = await wait(c.market.connect(c.roles.admin).submitSignedBids(interval, signed));
    return { batch: size, totalGas: Number(r.gasUsed), perBidGas: Math.round(Number(r.gasUsed) / size), receipt: r };
  };
  const relayed: (RelayedBatch & { receipt: Receipts[number] })[] = [];
  for (const size of batchSizes) relayed.push(await relayBatch(size, (i) => (i % 2 === 0 ? "sell" : "buy")));
  const relayedBuys = await relayBatch(Math.max(...batchSizes), () => "buy");
  return { direct, directSells, directReceipts, relayed, relayedBuys };
}

/** Gas of a full deployment (libraries, implementation, factory, token) and of a community from the factory. */
async function measureDeployment(c: Community): Promise<Record<string, ActionGas>> {
  const deployer = c.roles.admin;
  const deploy = async (name: string, args: unknown[] = [], libraries: Record<string, string> = {}) => {
    const artifact = await hre.artifacts.readArtifact(name);
    let bytecode = artifact.bytecode;
    for (const [file, libs] of Object.entries(artifact.linkReferences)) {
      for (const [lib, refs] of Object.entries(libs)) {
        const address = libraries[lib];
        if (!address) throw new Error(`${name} needs library ${file}:${lib}`);
        for (const ref of refs) {
          bytecode = bytecode.slice(0, 2 + ref.start * 2) + address.slice(2).toLowerCase() + bytecode.slice(2 + (ref.start + ref.length) * 2);
        }
      }
    }
    const factory = new ContractFactory(artifact.abi, bytecode, deployer);
    const contract = await factory.deploy(...args);
    const receipt = await contract.deploymentTransaction()!.wait();
    return { address: await contract.getAddress(), gas: Number(receipt!.gasUsed), contract };
  };
  const libraries: { address: string; gas: number }[] = [];
  const links: Record<string, string> = {};
  for (const name of MARKET_LIBRARIES) {
    const library = await deploy(name);
    libraries.push(library);
    links[name] = library.address;
  }
  const implementation = await deploy("KiezMarket", [], links);
  const factory = await deploy("MarketFactory", [implementation.address]);
  const token = await deploy("EuroToken", [await deployer.getAddress()]);
  const roles = await Promise.all(
    [c.roles.admin, c.roles.operator, c.roles.meter, c.roles.platform, c.roles.taxCollector, c.roles.networkOperator].map((s) => s.getAddress()),
  );
  const init = {
    admin: roles[0],
    operator: roles[1],
    meter: roles[2],
    token: token.address,
    platform: roles[3],
    taxCollector: roles[4],
    networkOperator: roles[5],
    suppliers: await Promise.all(c.roles.suppliers.map((s) => s.getAddress())),
    tariffs: BERLIN_2023_SUPPLIERS.map((s) => tariffStruct(s.tariff)),
    gateLeadSeconds: 300,
    dayStartSlot: 92,
    orderPageSize: 400,
    settlement: 0,
  };
  const created = await wait(c.factory.connect(deployer).createCommunity("gas", init));
  const system = libraries.reduce((sum, library) => sum + library.gas, 0) + implementation.gas + factory.gas;
  return {
    deploy: { gas: system + Number(created.gasUsed), unit: "libraries + implementation + factory + first community (token excluded)" },
    deployToken: { gas: token.gas, unit: "euro token (not needed with an existing stablecoin)" },
    createCommunity: { gas: Number(created.gasUsed), unit: "per new community (EIP-1167 clone)" },
  };
}

/**
 * Places `n` bids (half asks, half bids, prices overlapping around the middle of the allowed ranges) from the
 * members, then clears, meters, bills and settles the interval.
 */
async function runInterval(c: Community, members: Wallet[], n: number, rng: Random, fused: boolean) {
  const interval = await c.openIntervals(1);
  const bids: OrderBid[] = [];
  const perBidder = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const sell = i % 2 === 0;
    // sellers are the even members (PV + battery), buyers the odd ones (consumers)
    const pool = members.filter((_, k) => (k % 2 === 0) === sell);
    const who = pool[Math.floor(i / 2) % pool.length];
    const t = c.driver.tariffs[c.participants.get(who.address.toLowerCase())!.supplier].prices;
    const range = sell ? askRange(t) : bidRange(t);
    const mid = Math.floor((askRange(t).min + bidRange(t).max) / 2);
    const price = sell ? rng.int(range.min, Math.min(range.max, mid + 20_000)) : rng.int(Math.max(range.min, mid - 20_000), range.max);
    const wh = rng.int(100, 3_000);
    await wait(c.market.connect(who).placeBid(interval, sell ? SIDE.sell : SIDE.buy, wh, price));
    bids.push({ index: i, participant: who.address, side: sell ? "sell" : "buy", wh, price });
    perBidder.set(who.address, (perBidder.get(who.address) ?? 0) + 1);
  }
  await c.closeGate(interval);
  const cleared = await c.driver.clear(interval);
  // every member with a bid is metered at exactly their filled position
  const readings: Reading[] = [];
  for (const w of members) {
    const refs = { sold: 0, bought: 0 };
    for (const b of bids) {
      if (b.participant !== w.address) continue;
      const fill = cleared.result.fills.get(b.index) ?? 0;
      if (b.side === "sell") refs.sold += fill;
      else refs.bought += fill;
    }
    readings.push({ participant: w.address, importWh: refs.bought + 200, exportWh: refs.sold });
  }
  const metered = await c.driver.meter(interval, readings, cleared.result);
  if (fused) {
    const done = await c.driver.billAndSettle(interval, metered.pages, cleared);
    return { receipts: cleared.receipts, meter: metered.receipts, billAndSettle: done.receipts, bill: [], settle: [], billed: readings.length };
  }
  const billed = await c.driver.bill(interval, metered.pages, cleared);
  const settle = await c.driver.settle(interval, billed.billPages);
  return { receipts: cleared.receipts, meter: metered.receipts, billAndSettle: [], bill: billed.receipts, settle, billed: readings.length };
}

/** A day of a large day-mode community settled in steps, from the receipts. */
export interface DayScaleGas {
  households: number;
  meterPages: number;
  /** Each kind of transaction of the day: how many, their gas together, and the largest. */
  open: { transactions: number; gas: number; maxTxGas: number };
  post: { transactions: number; gas: number; maxTxGas: number };
  verify: { transactions: number; gas: number; maxTxGas: number };
  settle: { transactions: number; gas: number; maxTxGas: number };
  perHouseholdDay: number;
  maxTxGas: number;
  tradedIntervals: number;
  /** Whether the roster refused one household more once full (DayRosterFull), when `households` is the maximum. */
  rosterFullRefused: boolean | null;
}

/**
 * The default scenario scaled to `households` and settled a day at a time: the engine's day-mode readings and standing
 * orders, the households onboarded by the admin, the day posted in meter pages of 200 and settled in steps (each page
 * verified in its own transaction, then each settled in its own). The second day is measured.
 */
export async function measureDayScale(households: number, log: (line: string) => void = () => {}): Promise<DayScaleGas> {
  const scaled = scaleCommunity(DEFAULT_SCENARIO, households);
  const { c, homes, nets, members } = await seedDayCommunity(scaled, "day-scale", BigInt(households) * 10n * EUR, log);
  try {
    let rosterFullRefused: boolean | null = null;
    if (homes.length === Number(await c.market.MAX_DAY_MEMBERS())) {
      const [extra] = await c.households(1, "day-scale-extra");
      rosterFullRefused = await c.market
        .connect(extra)
        .register.staticCall(1, 0, 1_000, 0)
        .then(() => false)
        .catch((e: { data?: string }) => c.market.interface.parseError(e.data ?? "0x")?.name === "DayRosterFull");
    }
    const driver = new DayDriver(c.market, { operator: c.roles.operator, meter: c.roles.meter, anyone: c.roles.admin });
    const first = await driver.dayAfter((await c.now()) + 3_600);
    const opened = [await driver.openDays(first), await driver.openDays(first + 1)];
    const runDay = async (day: number) => {
      await c.provider.send("evm_setNextBlockTimestamp", [(await driver.startOf(day)) + 86_400]);
      const posted = await driver.postReadings(day, nets);
      log(`  day ${day}: ${posted.pages.length} meter pages posted; verifying and settling in steps`);
      const steps = await driver.settleInSteps(day, posted.pages);
      return { posted, steps };
    };
    log("first day");
    await runDay(first);
    log("second day (measured)");
    const { posted, steps } = await runDay(first + 1);
    const kind = (receipts: Receipts) => ({ transactions: receipts.length, gas: sum(receipts), maxTxGas: max(receipts) });
    const all = [opened[1], ...posted.receipts, ...steps.verify, ...steps.settle];
    return {
      households: members.length,
      meterPages: posted.pages.length,
      open: kind([opened[1]]),
      post: kind(posted.receipts),
      verify: kind(steps.verify),
      settle: kind(steps.settle),
      perHouseholdDay: Math.round(sum(all) / members.length),
      maxTxGas: max(all),
      tradedIntervals: steps.result.clearing.filter((x) => x.matchedWh > 0).length,
      rosterFullRefused,
    };
  } finally {
    await c.close();
  }
}
