/**
 * The costliest interval the contract accepts bills and settles with every transaction under the 16,777,216 gas
 * transaction cap (EIP-7825; the in-process chain enforces it, and each transaction is sent with exactly that limit,
 * so one that needs more fails here). See scripts/lib/worst-case.ts for what makes the case the worst.
 */
import { expect } from "chai";

import { GAS_CAP } from "../../scripts/lib/gas-measure.js";
import { bidDomain, CLASS, PHASE, SIDE, signBid, wait } from "../../scripts/lib/market-driver.js";
import { measureWorstCase, type WorstCaseGas } from "../../scripts/lib/worst-case.js";
import { deployCommunity, EUR } from "./fixture.js";

function expectUnderCap(run: WorstCaseGas, steps: string[]) {
  for (const step of steps) {
    expect(run.steps[step], `${step} ran`).to.not.equal(undefined);
    expect(run.steps[step].transactions, `${step} sent transactions`).to.be.greaterThan(0);
    expect(run.steps[step].maxGas, `${step}'s largest transaction`).to.be.lessThan(GAS_CAP);
  }
}

describe("worst case under the transaction gas cap", function () {
  this.timeout(600_000);

  it("bills and settles one full meter page with the most unmetered bidders, every bill recording a debt, in one transaction and paged", async function () {
    const run = await measureWorstCase({ meterPages: 1 });
    expect(run.meteredReadings).to.equal(256);
    expect(run.unmetered).to.equal(256);
    // the worst case: every one of the bills records a debt (a write of what the household owes)
    expect(run.debtsRecorded).to.deep.equal({ fused: run.households, paged: run.households });
    expectUnderCap(run, ["relayBids", "clear", "meter", "billAndSettle", "bill", "settle"]);
  });

  it("orders, clears, bills and settles the most bids an interval takes (1,024 households, half unmetered) page by page", async function () {
    const run = await measureWorstCase({ meterPages: 2 });
    expect(run.bids).to.equal(1_024);
    expect(run.debtsRecorded.paged).to.equal(1_024);
    expectUnderCap(run, ["relayBids", "order", "clear", "meter", "bill", "settle"]);
  });
});

describe("many bidders without readings", function () {
  this.timeout(300_000);

  it("settles an interval in which more bidders than a meter page may bill unmetered have no reading: the meter posts zeros for them", async function () {
    const f = await deployCommunity();
    const max = Number(await f.market.MAX_UNMETERED_PAGE());
    // self-registered consumers no meter reports, each bidding the minimum
    const strangers = await f.newHouseholds(max + 20, "stranger");
    for (const w of strangers) {
      await wait(f.market.connect(w).register(CLASS.consumer, 0, 1_000, 0));
      f.participants.set(w.address.toLowerCase(), { supplier: 0 });
    }
    await f.fund(strangers, EUR);
    const [pv] = f.households;
    await f.register(pv, "pv", 0);
    const interval = await f.openNextInterval();
    await wait(f.market.connect(pv).placeBid(interval, SIDE.sell, 500, 100_000));
    const domain = await bidDomain(f.market);
    const deadline = BigInt((await f.now()) + 86_400);
    const signed = await Promise.all(strangers.map((w) => signBid(w, domain, { interval, side: "buy", wh: 10, price: 140_000, nonce: 0n, deadline })));
    for (let i = 0; i < signed.length; i += 100) await wait(f.market.connect(f.roles.admin).submitSignedBids(interval, signed.slice(i, i + 100)));
    await f.closeGate(interval);
    await f.fund([f.roles.supplier0], 5n * EUR);
    const cleared = await f.driver.clear(interval);
    // the meter has data for the seller only
    const metered = await f.driver.meter(interval, [{ participant: await pv.getAddress(), importWh: 0, exportWh: 500 }]);
    expect(metered.pages.flat().length).to.equal(strangers.length + 1);
    await f.driver.billAndSettle(interval, metered.pages, cleared);
    expect(PHASE[Number((await f.market.intervalOf(interval)).phase)]).to.equal("Settled");
    for (const w of strangers.slice(0, 3)) expect((await f.market.accountOf(w.address)).locked).to.equal(0n);
  });
});
