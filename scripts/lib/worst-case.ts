/**
 * The costliest interval the market accepts, run on the in-process chain. Households bid once each (so every bill
 * is a separate account), every sell is matched, at the day's start (the daily charge falls on every bill). Each
 * meter page carries the most readings a page takes and is billed with the most unmetered bidders a page takes
 * (billed as metering zero); sellers hold no balance and buyers only their locks, metered households import their
 * whole limit: every bill records a debt. With one meter page (512 households) the interval is billed and settled
 * both ways, in one `billAndSettle` and (from a snapshot) through `bill` and `settle`; with `meterPages` 2 it holds
 * 1,024 households, the most bids an interval takes, billed page by page. Every transaction's gas is returned, for
 * the test that holds each one under the transaction gas cap.
 */
import { BERLIN_2023_SUPPLIERS } from "@kiezstrom/engine/scenario/tariffs-berlin-2023";
import { isDayStart } from "@kiezstrom/engine/market/billing";
import { askRange, bidRange, buyLockUnits } from "@kiezstrom/engine/market/tariff";
import { createCommunity, EUR } from "./chain.js";
import { GAS_CAP } from "./gas-measure.js";
import { bidDomain, byAddress, INTERVAL_SECONDS, signBid, wait, WEI_PER_UNIT, type Reading, type Receipts } from "./market-driver.js";

const byAddressOf = <T extends { address: string }>(ws: T[]) => byAddress(ws.map((w) => ({ participant: w.address, w }))).map((x) => x.w);

export interface WorstCaseGas {
  households: number;
  bids: number;
  meteredReadings: number;
  unmetered: number;
  /** Largest gas of one transaction in each step. */
  steps: Record<string, { transactions: number; maxGas: number; totalGas: number }>;
  /** Debts recorded by the fused and the paged billing (each must be large for the case to be the worst). */
  debtsRecorded: { fused: number; paged: number };
}

const LIMIT_WH = 20_000;
const BID_WH = 1_000;

export async function measureWorstCase(options: { meterPages: 1 | 2; log?: (line: string) => void }): Promise<WorstCaseGas> {
  const log = options.log ?? (() => {});
  // every transaction may use up to the cap: one that needs more fails, and with it the test
  const c = await createCommunity({ tariffs: BERLIN_2023_SUPPLIERS.map((s) => s.tariff), driver: { meterPageSize: 256, gasLimit: BigInt(GAS_CAP) } });
  try {
    const market = c.market;
    const meterPage = Number(await market.MAX_METER_PAGE());
    const unmeteredPage = Number(await market.MAX_UNMETERED_PAGE());
    const bids = options.meterPages * (meterPage + unmeteredPage);
    const bidCap = Math.min(Number(await market.MAX_INTERVAL_BIDS()), Number(await market.MAX_ORDER_PAGES()) * Number((await market.config()).orderPageSize));
    if (bids > bidCap) throw new Error(`${bids} bids are more than an interval takes`);
    log(`${bids} households, one bid each`);
    const wallets = byAddressOf(await c.households(bids, "worst"));
    const sellers = wallets.filter((_, i) => i % 2 === 0);
    const buyers = wallets.filter((_, i) => i % 2 === 1);
    await c.onboard([
      ...sellers.map((w, i) => ({ address: w.address, cls: "pvBattery" as const, supplier: i % 2, importLimitWh: LIMIT_WH, exportLimitWh: LIMIT_WH })),
      ...buyers.map((w, i) => ({ address: w.address, cls: "consumer" as const, supplier: i % 2, importLimitWh: LIMIT_WH, exportLimitWh: 0 })),
    ]);
    // buyers hold exactly what their lock needs; sellers hold nothing
    const tariffs = c.driver.tariffs.map((s) => s.prices);
    const buyPrice = (supplier: number) => bidRange(tariffs[supplier]).max - 1;
    const sellPrice = (supplier: number) => askRange(tariffs[supplier]).min + 1;
    log("funding buyers");
    for (const [i, w] of buyers.entries()) await c.fund([w], BigInt(buyLockUnits(tariffs[i % 2], BID_WH, buyPrice(i % 2))) * WEI_PER_UNIT);
    await c.fund(c.roles.suppliers, 10_000n * EUR);

    // an interval at the community's day start, so every bill carries the daily charge
    const slot = Number((await market.config()).dayStartSlot);
    let interval = Math.floor((await c.now()) / INTERVAL_SECONDS) + 8;
    while (!isDayStart(interval, slot)) interval++;
    await wait(market.connect(c.roles.operator).openIntervals(interval, 1));

    log("relayed bids");
    const domain = await bidDomain(market);
    const deadline = BigInt((await c.now()) + 30 * 86_400);
    const signed = await Promise.all(
      wallets.map((w, i) => {
        const supplier = Math.floor(i / 2) % 2;
        const side = i % 2 === 0 ? ("sell" as const) : ("buy" as const);
        return signBid(w, domain, { interval, side, wh: BID_WH, price: side === "sell" ? sellPrice(supplier) : buyPrice(supplier), nonce: 0n, deadline });
      }),
    );
    const steps: WorstCaseGas["steps"] = {};
    const record = (name: string, receipts: Receipts) => {
      const gas = receipts.map((r) => Number(r.gasUsed));
      steps[name] = { transactions: gas.length, maxGas: Math.max(0, ...gas), totalGas: gas.reduce((a, b) => a + b, 0) };
    };
    const relayed: Receipts = [];
    for (let i = 0; i < signed.length; i += 100)
      relayed.push(await wait(market.connect(c.roles.admin).submitSignedBids(interval, signed.slice(i, i + 100), c.driver.tx)));
    record("relayBids", relayed);

    await c.closeGate(interval);
    log("ordering and clearing");
    const cleared = await c.driver.clear(interval);
    record("order", cleared.receipts.order);
    record("clear", cleared.receipts.clear);

    // in address order, each page's range holds its unmetered bidders, then its readings (each importing its limit)
    const span = meterPage + unmeteredPage;
    const readings: Reading[] = wallets.filter((_, i) => i % span >= unmeteredPage).map((w) => ({ participant: w.address, importWh: LIMIT_WH, exportWh: 0 }));
    log(`metering ${readings.length}, ${bids - readings.length} unmetered`);
    const metered = await c.driver.meter(interval, readings, cleared.result);
    record("meter", metered.receipts);

    const debts = (receipts: Receipts) => receipts.reduce((n, r) => n + r.logs.filter((l) => market.interface.parseLog(l)?.name === "DebtRecorded").length, 0);
    let fusedDebts = 0;
    if (metered.pages.length === 1) {
      const snapshot = await c.provider.send("evm_snapshot", []);
      log("billing and settling in one transaction");
      const fused = await c.driver.billAndSettle(interval, metered.pages, cleared);
      record("billAndSettle", fused.receipts);
      fusedDebts = debts(fused.receipts);
      await c.provider.send("evm_revert", [snapshot]);
    }

    log("billing and settling page by page");
    const billed = await c.driver.bill(interval, metered.pages, cleared);
    record("bill", billed.receipts);
    const settled = await c.driver.settle(interval, billed.billPages);
    record("settle", settled);
    return {
      households: bids,
      bids,
      meteredReadings: readings.length,
      unmetered: bids - readings.length,
      steps,
      debtsRecorded: { fused: fusedDebts, paged: debts(settled) },
    };
  } finally {
    await c.close();
  }
}
