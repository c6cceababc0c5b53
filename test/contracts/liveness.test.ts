/**
 * What no participant, relayer, clearer, meter or supplier can do to an interval: freeze it, or take more than the
 * registered limits allow. Each test fails when its defence is removed.
 */
import { expect } from "chai";
import { phaseValue } from "@kiezstrom/engine/market/onchain";

import { bidDomain, MarketDriver, packReadings, PHASE, SIDE, signBid, tariffStruct, WEI_PER_UNIT as WEI } from "../../scripts/lib/market-driver.js";
import { bidWord } from "@kiezstrom/engine/market/words";
import { buyLockUnits } from "@kiezstrom/engine/market/tariff";
import { deployCommunity, EUR, TARIFFS } from "./fixture.js";

const T0 = TARIFFS[0].prices;
const timeOfUse = (t: typeof T0) => BigInt(t.energyPrice + t.levies + t.supplierMargin + t.networkFee);
const dailyCharge = (interval: number, supplier = 0) => (interval % 96 === 92 ? BigInt(TARIFFS[supplier].dailyChargeMicroEur) * 10n ** 12n : 0n);

/** A PV seller and a consumer of supplier 0, funded, and the driver's view of them. */
async function community(options: { orderPageSize?: number } = {}) {
  const f = await deployCommunity(options);
  const [pv, consumer, other] = f.households;
  await f.register(pv, "pv", 0);
  await f.register(consumer, "consumer", 0);
  await f.register(other, "consumer", 1);
  await f.fund([consumer, other], 20n * EUR);
  return { ...f, pv, consumer, other };
}

/** Clears, meters and bills an interval with the driver; returns the bill pages, not yet settled. */
async function billed(f: Awaited<ReturnType<typeof community>>, interval: number, readings: { participant: string; importWh: number; exportWh: number }[]) {
  const cleared = await f.driver.clear(interval);
  const metered = await f.driver.meter(interval, readings);
  return (await f.driver.bill(interval, metered.pages, cleared)).billPages;
}

describe("KiezMarket liveness and bounds", function () {
  describe("settlement", function () {
    it("settles an older interval after a newer one: the order between intervals does not matter", async function () {
      const f = await community();
      const [pv, consumer] = [await f.pv.getAddress(), await f.consumer.getAddress()];
      const first = await f.openNextInterval();
      const second = await f.openNextInterval();
      for (const id of [first, second]) {
        await f.market.connect(f.pv).placeBid(id, SIDE.sell, 800, 100_000);
        await f.market.connect(f.consumer).placeBid(id, SIDE.buy, 600, 140_000);
      }
      await f.closeGate(second);
      const readings = [
        { participant: pv, importWh: 0, exportWh: 800 },
        { participant: consumer, importWh: 600, exportWh: 0 },
      ];
      const pages = [await billed(f, first, readings), await billed(f, second, readings)];
      await f.fund([f.roles.supplier0], 5n * EUR);
      await f.driver.settle(second, pages[1]);
      await f.driver.settle(first, pages[0]);
      expect(PHASE[Number((await f.market.intervalOf(first)).phase)]).to.equal("Settled");
      expect(PHASE[Number((await f.market.intervalOf(second)).phase)]).to.equal("Settled");
      // both intervals' locks are released and both sales paid: 600 Wh each at the midpoint 120,000
      expect((await f.market.accountOf(consumer)).locked).to.equal(0n);
      const sale = 600n * 120_000n * WEI;
      const feedIn = 200n * BigInt(T0.feedInTariff) * WEI;
      const charges = [first, second].reduce((sum, id) => sum + dailyCharge(id), 0n);
      expect((await f.market.accountOf(pv)).free).to.equal(2n * (sale + feedIn) - charges);
      expect(await f.market.owed(pv)).to.equal(0n);
    });

    it("settles in full when a supplier cannot pay feed-in, recording the supplier's shortfall", async function () {
      const f = await community();
      const pv = await f.pv.getAddress();
      const interval = await f.openNextInterval();
      await f.closeGate(interval);
      const pages = await billed(f, interval, [{ participant: pv, importWh: 0, exportWh: 1_000 }]);
      const credit = 1_000n * BigInt(T0.feedInTariff) * WEI;
      const shortfall = credit - dailyCharge(interval);
      await expect(f.market.settle(interval, 0, pages[0]))
        .to.emit(f.market, "SupplierShortfallRecorded")
        .withArgs(interval, 0, shortfall);
      expect(PHASE[Number((await f.market.intervalOf(interval)).phase)]).to.equal("Settled");
      expect((await f.market.accountOf(pv)).free).to.equal(credit - dailyCharge(interval));
      expect(await f.market.supplierShortfall(0)).to.equal(shortfall);
      // the books still balance: token balance + shortfall = what the market owes its accounts
      const token = await f.token.balanceOf(await f.market.getAddress());
      const accounts = [pv, await f.consumer.getAddress(), await f.other.getAddress(), await f.roles.supplier0.getAddress()];
      let owedToAccounts = 0n;
      for (const a of accounts) owedToAccounts += (await f.market.accountOf(a)).free;
      expect(token + shortfall).to.equal(owedToAccounts);
    });

    it("repays a supplier's shortfall from its account at its next settlement", async function () {
      const f = await community();
      const pv = await f.pv.getAddress();
      const first = await f.openNextInterval();
      const second = await f.openNextInterval();
      await f.closeGate(second);
      await f.driver.settle(first, await billed(f, first, [{ participant: pv, importWh: 0, exportWh: 1_000 }]));
      const shortfall = await f.market.supplierShortfall(0);
      expect(shortfall > 0n).to.equal(true);
      await f.fund([f.roles.supplier0], 1n * EUR);
      const pages = await billed(f, second, [{ participant: pv, importWh: 0, exportWh: 0 }]);
      await expect(f.market.settle(second, 0, pages[0]))
        .to.emit(f.market, "SupplierShortfallRepaid")
        .withArgs(0, shortfall + dailyCharge(second));
      expect(await f.market.supplierShortfall(0)).to.equal(0n);
      expect((await f.market.accountOf(await f.roles.supplier0.getAddress())).free).to.equal(1n * EUR - shortfall);
    });

    it("repays a household's debt from its feed-in credit, not only from its deposits", async function () {
      const f = await community();
      const pv = await f.pv.getAddress();
      const supplier = await f.roles.supplier0.getAddress();
      await f.fund([f.roles.supplier0], 5n * EUR);
      const first = await f.openNextInterval();
      const second = await f.openNextInterval();
      await f.closeGate(second);
      await f.driver.settle(first, await billed(f, first, [{ participant: pv, importWh: 100, exportWh: 0 }]));
      const debt = 100n * timeOfUse(T0) * WEI + dailyCharge(first);
      expect(await f.market.owed(pv)).to.equal(debt);
      expect((await f.market.accountOf(pv)).inDebt).to.equal(true);
      const pages = await billed(f, second, [{ participant: pv, importWh: 0, exportWh: 2_000 }]);
      const credit = 2_000n * BigInt(T0.feedInTariff) * WEI - dailyCharge(second);
      await expect(f.market.settle(second, 0, pages[0]))
        .to.emit(f.market, "DebtRepaid")
        .withArgs(pv, supplier, debt);
      expect(await f.market.owed(pv)).to.equal(0n);
      expect((await f.market.accountOf(pv)).inDebt).to.equal(false);
      expect((await f.market.accountOf(pv)).free).to.equal(credit - debt);
    });
  });

  describe("relayed batches", function () {
    it("places the rest of a batch when one of its bids was lifted out and relayed first", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      const domain = await bidDomain(f.market);
      const deadline = BigInt((await f.now()) + 3_600);
      const consumer = await f.consumer.getAddress();
      const other = await f.other.getAddress();
      const a = await signBid(f.consumer, domain, { interval, side: "buy", wh: 500, price: 110_000, nonce: 0n, deadline });
      const b = await signBid(f.other, domain, { interval, side: "buy", wh: 400, price: 105_000, nonce: 0n, deadline });
      // someone copies a's signature out of the pending batch and relays it alone, first
      await f.market.connect(f.pv).submitSignedBids(interval, [a]);
      await expect(f.market.connect(f.roles.operator).submitSignedBids(interval, [a, b]))
        .to.emit(f.market, "SignedBidSkipped")
        .withArgs(interval, consumer, 0, 1)
        .and.to.emit(f.market, "BidsPlaced")
        .withArgs(interval, 1, 1, [bidWord.pack({ participant: other, side: SIDE.buy, wh: 400, price: 105_000 })]);
      expect((await f.market.intervalOf(interval)).buyCount).to.equal(2n);
    });
  });

  describe("per-interval caps", function () {
    it("holds a participant's import limit over all their bids in an interval, not per bid", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      const c = f.market.connect(f.consumer);
      await c.placeBid(interval, SIDE.buy, 3_000, 100_000);
      await expect(c.placeBid(interval, SIDE.buy, 2_500, 100_000))
        .to.be.revertedWithCustomError(f.market, "BidEnergyAboveLimit")
        .withArgs(5_500, 5_000);
      await c.placeBid(interval, SIDE.buy, 2_000, 100_000);
      expect((await f.market.accountOf(await f.consumer.getAddress())).tallyBoughtWh).to.equal(5_000n);
    });

    it("holds the export limit over relayed bids too", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      const domain = await bidDomain(f.market);
      const deadline = BigInt((await f.now()) + 3_600);
      const sell = (nonce: bigint, wh: number) => signBid(f.pv, domain, { interval, side: "sell", wh, price: 100_000, nonce, deadline });
      await expect(f.market.submitSignedBids(interval, [await sell(0n, 4_000), await sell(1n, 1_500)]))
        .to.be.revertedWithCustomError(f.market, "BidEnergyAboveLimit")
        .withArgs(5_500, 5_000);
    });

    it("refuses a bid below the minimum size", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      await expect(f.market.connect(f.pv).placeBid(interval, SIDE.sell, 9, 100_000))
        .to.be.revertedWithCustomError(f.market, "BidBelowMinimum")
        .withArgs(9, 10);
    });

    it("refuses an eighth live bid of one participant in an interval, and counts a cancelled bid out", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      const c = f.market.connect(f.consumer);
      for (let i = 0; i < 7; i++) await c.placeBid(interval, SIDE.buy, 10, 100_000);
      await expect(c.placeBid(interval, SIDE.buy, 10, 100_000))
        .to.be.revertedWithCustomError(f.market, "BidCountAboveLimit")
        .withArgs(await f.consumer.getAddress(), interval, 7);
      await c.cancelBid(interval, 3);
      await c.placeBid(interval, SIDE.buy, 10, 100_000);
      expect((await f.market.intervalOf(interval)).buyCount).to.equal(7n);
    });

    it("refuses a bid for an interval before the latest one the participant bid in", async function () {
      const f = await community();
      const first = await f.openNextInterval();
      const second = await f.openNextInterval();
      const c = f.market.connect(f.consumer);
      await c.placeBid(second, SIDE.buy, 100, 100_000);
      await expect(c.placeBid(first, SIDE.buy, 100, 100_000))
        .to.be.revertedWithCustomError(f.market, "BidIntervalBehind")
        .withArgs(await f.consumer.getAddress(), second, first);
    });

    it("releases a cancelled bid's lock whatever interval the participant's tally has moved on to", async function () {
      const f = await community();
      const first = await f.openNextInterval();
      const second = await f.openNextInterval();
      const c = f.market.connect(f.consumer);
      await c.placeBid(first, SIDE.buy, 100, 100_000);
      await c.placeBid(second, SIDE.buy, 200, 100_000);
      await c.cancelBid(first, 0);
      const acct = await f.market.accountOf(await f.consumer.getAddress());
      expect(acct.locked).to.equal(BigInt(buyLockUnits(T0, 200, 100_000)) * WEI);
      expect([acct.tallyInterval, acct.tallyBids, acct.tallyBoughtWh]).to.deep.equal([BigInt(second), 1n, 200n]);
    });
  });

  describe("refunds", function () {
    /** An interval with a direct and a relayed buy bid, cleared, and never metered. */
    async function unmetered() {
      const f = await community();
      const interval = await f.openNextInterval();
      await f.market.connect(f.pv).placeBid(interval, SIDE.sell, 800, 100_000);
      await f.market.connect(f.consumer).placeBid(interval, SIDE.buy, 600, 140_000);
      const domain = await bidDomain(f.market);
      const signed = await signBid(f.other, domain, { interval, side: "buy", wh: 400, price: 130_000, nonce: 0n, deadline: BigInt((await f.now()) + 3_600) });
      await f.market.submitSignedBids(interval, [signed]);
      await f.closeGate(interval);
      await f.driver.clear(interval);
      return { ...f, interval };
    }

    it("refuses a refund before REFUND_AFTER has passed since the gate", async function () {
      const f = await unmetered();
      const gate = (await f.market.intervalOf(f.interval)).gateClosesAt;
      await expect(f.market.connect(f.pv).refund(f.interval))
        .to.be.revertedWithCustomError(f.market, "IntervalRefundNotDue")
        .withArgs(f.interval, gate + 86_400n, (v: bigint) => v < gate + 86_400n);
    });

    it("lets anyone release every lock of an interval its meter never metered, each to the bid's owner", async function () {
      const f = await unmetered();
      const consumer = await f.consumer.getAddress();
      const other = await f.other.getAddress();
      await f.networkHelpers.time.increase(86_400);
      await expect(f.market.connect(f.pv).refund(f.interval)).to.emit(f.market, "IntervalRefunding").withArgs(f.interval);
      // a stranger cancels both buy bids: the direct one, and the relayed one handed back in its batch
      await expect(f.market.connect(f.pv).cancelBid(f.interval, 1)).to.emit(f.market, "BidCancelled").withArgs(f.interval, 1, consumer);
      const [batch] = await f.batches(f.interval);
      await expect(f.market.connect(f.pv).cancelSignedBid(f.interval, batch, 0))
        .to.emit(f.market, "IntervalRefunded")
        .withArgs(f.interval);
      expect(PHASE[Number((await f.market.intervalOf(f.interval)).phase)]).to.equal("Refunded");
      expect((await f.market.intervalOf(f.interval)).lockUnits).to.equal(0n);
      for (const who of [consumer, other]) {
        const acct = await f.market.accountOf(who);
        expect([acct.free, acct.locked]).to.deep.equal([20n * EUR, 0n]);
      }
    });

    it("refuses metering a refunding interval", async function () {
      const f = await unmetered();
      await f.networkHelpers.time.increase(86_400);
      await f.market.refund(f.interval);
      await expect(f.market.connect(f.roles.meter).postReadings(f.interval, [{ participant: await f.pv.getAddress(), importWh: 0, exportWh: 1 }]))
        .to.be.revertedWithCustomError(f.market, "IntervalWrongPhase")
        .withArgs(f.interval, phaseValue("Refunding"));
    });

    it("refunds an interval never cleared, also while the market is paused", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      await f.market.connect(f.consumer).placeBid(interval, SIDE.buy, 600, 140_000);
      await f.market.connect(f.roles.admin).pause();
      await f.closeGate(interval);
      await f.networkHelpers.time.increase(86_400);
      await f.market.connect(f.other).refund(interval);
      await expect(f.market.connect(f.other).cancelBid(interval, 0)).to.emit(f.market, "IntervalRefunded").withArgs(interval);
      expect((await f.market.accountOf(await f.consumer.getAddress())).locked).to.equal(0n);
    });

    it("refuses to refund a billed interval: anyone settles it instead", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      await f.closeGate(interval);
      await billed(f, interval, [{ participant: await f.consumer.getAddress(), importWh: 100, exportWh: 0 }]);
      await f.networkHelpers.time.increase(86_400);
      await expect(f.market.refund(interval)).to.be.revertedWithCustomError(f.market, "IntervalWrongPhase").withArgs(interval, phaseValue("Billed"));
    });

    it("keeps a ring slot for its interval until it is settled or refunded, however many ring periods later", async function () {
      const f = await unmetered();
      const ring = Number(await f.market.BID_RING());
      const op = f.market.connect(f.roles.operator);
      // neither the interval one ring later nor two rings later may take the slot (the second once overwrote it)
      await expect(op.openIntervals(f.interval + 2 * ring, 1))
        .to.be.revertedWithCustomError(f.market, "IntervalRingBusy")
        .withArgs(f.interval + 2 * ring, f.interval);
      await f.networkHelpers.time.increase(86_400);
      await f.market.refund(f.interval);
      await f.market.cancelBid(f.interval, 1);
      await f.market.cancelSignedBid(f.interval, (await f.batches(f.interval))[0], 0);
      await expect(op.openIntervals(f.interval + 2 * ring, 1)).to.emit(f.market, "IntervalOpened");
    });
  });

  describe("readings", function () {
    it("refuses a household read twice in one page", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      await f.closeGate(interval);
      await f.driver.clear(interval);
      const pv = await f.pv.getAddress();
      await expect(
        f.market.connect(f.roles.meter).postReadings(interval, [
          { participant: pv, importWh: 0, exportWh: 10 },
          { participant: pv, importWh: 0, exportWh: 10 },
        ]),
      )
        .to.be.revertedWithCustomError(f.market, "MeterReadingsNotAscending")
        .withArgs(interval, pv, pv);
    });

    it("refuses a household read again in a later page", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      await f.closeGate(interval);
      await f.driver.clear(interval);
      const [pv, consumer] = [await f.pv.getAddress(), await f.consumer.getAddress()];
      const meter = f.market.connect(f.roles.meter);
      await meter.postReadings(interval, [
        { participant: pv, importWh: 0, exportWh: 10 },
        { participant: consumer, importWh: 10, exportWh: 0 },
      ]);
      await expect(meter.postReadings(interval, [{ participant: consumer, importWh: 10, exportWh: 0 }]))
        .to.be.revertedWithCustomError(f.market, "MeterReadingsNotAscending")
        .withArgs(interval, consumer, consumer);
    });

    it("refuses a reading above the household's registered limit (0xFFFFFFFF among them)", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      await f.closeGate(interval);
      await f.driver.clear(interval);
      const consumer = await f.consumer.getAddress();
      await expect(f.market.connect(f.roles.meter).postReadings(interval, [{ participant: consumer, importWh: 0xffffffff, exportWh: 0 }]))
        .to.be.revertedWithCustomError(f.market, "MeterReadingAboveLimit")
        .withArgs(consumer, 0xffffffff, 0, 5_000, 0);
    });

    /** A seller who sold 600 Wh and a buyer who bought it; only the buyer is metered. */
    async function sellerUnmetered(driver?: (f: Awaited<ReturnType<typeof community>>) => MarketDriver) {
      const f = await community(driver ? { orderPageSize: 1 } : {});
      const d = driver ? driver(f) : f.driver;
      await f.fund([f.roles.supplier0], 5n * EUR);
      const interval = await f.openNextInterval();
      await f.market.connect(f.pv).placeBid(interval, SIDE.sell, 600, 100_000);
      await f.market.connect(f.consumer).placeBid(interval, SIDE.buy, 600, 140_000);
      await f.market.connect(f.other).placeBid(interval, SIDE.buy, 100, 90_000);
      await f.closeGate(interval);
      const cleared = await d.clear(interval);
      const [pv, consumer, other] = [await f.pv.getAddress(), await f.consumer.getAddress(), await f.other.getAddress()];
      const metered = await d.meter(interval, [{ participant: consumer, importWh: 600, exportWh: 0 }]);
      return { ...f, d, interval, cleared, metered, pv, consumer, other };
    }

    it("bills a seller with no reading as delivering nothing: the shortfall is bought from the grid, the interval settles", async function () {
      const f = await sellerUnmetered();
      await f.fund([f.households[0]], 5n * EUR); // the seller
      await f.d.billAndSettle(f.interval, f.metered.pages, f.cleared);
      expect(PHASE[Number((await f.market.intervalOf(f.interval)).phase)]).to.equal("Settled");
      // sold 600 Wh at 120,000 and, metered at zero, bought those 600 Wh back from the grid at ToU
      const free = (await f.market.accountOf(f.pv)).free;
      expect(free).to.equal(5n * EUR + 600n * 120_000n * WEI - 600n * timeOfUse(T0) * WEI - dailyCharge(f.interval));
      // the unfilled buyer, unmetered too, has its lock released
      expect((await f.market.accountOf(f.other)).locked).to.equal(0n);
    });

    it("bills an unread seller whose ask did not fill in the one-transaction path (the contract finds its unfilled ask)", async function () {
      const f = await community();
      const pv2 = f.households[4];
      await f.register(pv2, "pv", 0);
      await f.fund([f.roles.supplier0], 5n * EUR);
      const interval = await f.openNextInterval();
      await f.market.connect(f.pv).placeBid(interval, SIDE.sell, 600, 100_000);
      // an ask above every bid: it fills nothing, and its seller goes unread
      await f.market.connect(pv2).placeBid(interval, SIDE.sell, 300, 160_000);
      await f.market.connect(f.consumer).placeBid(interval, SIDE.buy, 600, 140_000);
      await f.closeGate(interval);
      const cleared = await f.driver.clear(interval);
      const metered = await f.driver.meter(interval, [
        { participant: await f.pv.getAddress(), importWh: 0, exportWh: 600 },
        { participant: await f.consumer.getAddress(), importWh: 600, exportWh: 0 },
      ]);
      const done = await f.driver.billAndSettle(interval, metered.pages, cleared);
      expect(PHASE[Number((await f.market.intervalOf(interval)).phase)]).to.equal("Settled");
      const unread = (await pv2.getAddress()).toLowerCase();
      const bill = done.billPages[0].find((b) => b.participant.toLowerCase() === unread);
      expect(bill?.p2pSoldWh).to.equal(0);
    });

    it("bills unmetered participants page by page, each with the meter page whose address range holds it", async function () {
      const f = await sellerUnmetered(
        (x) =>
          new MarketDriver(x.market, { operator: x.roles.operator, meter: x.roles.meter, anyone: x.roles.admin }, TARIFFS, x.participants, {
            meterPageSize: 1,
          }),
      );
      const billed = await f.d.bill(f.interval, f.metered.pages, f.cleared);
      await f.d.settle(f.interval, billed.billPages);
      expect(PHASE[Number((await f.market.intervalOf(f.interval)).phase)]).to.equal("Settled");
      expect(
        billed.billPages
          .flat()
          .map((b) => b.participant.toLowerCase())
          .sort(),
      ).to.deep.equal([f.pv, f.consumer, f.other].map((a) => a.toLowerCase()).sort());
    });

    it("refuses to bill a metered household again as unmetered", async function () {
      const f = await sellerUnmetered();
      const metered = packReadings(f.metered.pages[0]);
      const none = { sellPositions: [], buyPositions: [] };
      await expect(
        f.market.connect(f.roles.operator).bill(f.interval, 0, { readings: metered, unmetered: [f.consumer], refs: [none, none], sellPages: [], buyPages: [] }),
      )
        .to.be.revertedWithCustomError(f.market, "BillingUnmeteredWasMetered")
        .withArgs(f.interval, f.consumer);
    });

    it("refuses an unmetered household listed out of order", async function () {
      const f = await sellerUnmetered();
      const metered = packReadings(f.metered.pages[0]);
      const none = { sellPositions: [], buyPositions: [] };
      const [low, high] = [f.pv, f.other].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      await expect(
        f.market
          .connect(f.roles.operator)
          .bill(f.interval, 0, { readings: metered, unmetered: [high, low], refs: [none, none, none], sellPages: [], buyPages: [] }),
      )
        .to.be.revertedWithCustomError(f.market, "BillingUnmeteredOutOfRange")
        .withArgs(f.interval, low);
    });

    it("refuses to bill as unmetered a household without bids in the one-transaction path", async function () {
      const f = await sellerUnmetered();
      const stranger = await f.households[5].getAddress();
      await f.register(f.households[5], "consumer", 0);
      await expect(
        f.market.connect(f.roles.operator).billAndSettle(f.interval, {
          readings: packReadings(f.metered.pages[0]),
          unmetered: [stranger],
          refs: [],
          sellPages: f.cleared.sellPages,
          buyPages: f.cleared.buyPages,
        }),
      )
        .to.be.revertedWithCustomError(f.market, "BillingUnmeteredWithoutBids")
        .withArgs(f.interval, stranger);
    });

    it("bills at most MAX_UNMETERED_PAGE unmetered households with one meter page, in both billing paths", async function () {
      const f = await sellerUnmetered();
      const max = Number(await f.market.MAX_UNMETERED_PAGE());
      expect(max).to.equal(256);
      // addresses above the page's reading, ascending: only their number is wrong
      const many = Array.from({ length: max + 1 }, (_, i) => `0x${"ff".repeat(18)}${(i + 1).toString(16).padStart(4, "0")}`);
      const readings = packReadings(f.metered.pages[0]);
      const none = { sellPositions: [], buyPositions: [] };
      await expect(
        f.market.connect(f.roles.operator).bill(f.interval, 0, { readings, unmetered: many, refs: Array(max + 2).fill(none), sellPages: [], buyPages: [] }),
      )
        .to.be.revertedWithCustomError(f.market, "BillingUnmeteredTooMany")
        .withArgs(f.interval, max + 1, max);
      await expect(
        f.market
          .connect(f.roles.operator)
          .billAndSettle(f.interval, { readings, unmetered: many, refs: [], sellPages: f.cleared.sellPages, buyPages: f.cleared.buyPages }),
      )
        .to.be.revertedWithCustomError(f.market, "BillingUnmeteredTooMany")
        .withArgs(f.interval, max + 1, max);
    });
  });

  describe("metering points", function () {
    /** A PV household that registered itself, its metering point not yet confirmed, and an open interval. */
    async function selfRegistered() {
      const f = await deployCommunity();
      const [pv, other] = f.households;
      await f.market.connect(pv).register(2, 0, 5_000, 5_000);
      f.participants.set((await pv.getAddress()).toLowerCase(), { supplier: 0 });
      const interval = await f.openNextInterval();
      return { ...f, pv, other, interval, address: await pv.getAddress() };
    }

    it("refuses a sell bid, direct or relayed, from a household whose metering point is not confirmed", async function () {
      const f = await selfRegistered();
      await expect(f.market.connect(f.pv).placeBid(f.interval, SIDE.sell, 500, 100_000))
        .to.be.revertedWithCustomError(f.market, "BidSellerNotMetered")
        .withArgs(f.address);
      const signed = await signBid(f.pv, await bidDomain(f.market), {
        interval: f.interval,
        side: "sell",
        wh: 500,
        price: 100_000,
        nonce: 0n,
        deadline: BigInt((await f.now()) + 3_600),
      });
      await expect(f.market.submitSignedBids(f.interval, [signed]))
        .to.be.revertedWithCustomError(f.market, "BidSellerNotMetered")
        .withArgs(f.address);
    });

    it("lets a household sell once the meter role confirmed its metering point", async function () {
      const f = await selfRegistered();
      await expect(f.market.connect(f.roles.meter).confirmMeteringPoint(f.address, 12_345_678_901n))
        .to.emit(f.market, "MeteringPointConfirmed")
        .withArgs(f.address, 12_345_678_901n);
      await expect(f.market.connect(f.pv).placeBid(f.interval, SIDE.sell, 500, 100_000)).to.emit(f.market, "BidPlaced");
      expect(await f.market.meteringPointOwner(12_345_678_901n)).to.equal(f.address);
    });

    it("refuses a confirmation from anyone but the meter role", async function () {
      const f = await selfRegistered();
      await expect(f.market.connect(f.pv).confirmMeteringPoint(f.address, 1n)).to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount");
    });

    it("refuses binding a metering point that belongs to another household", async function () {
      const f = await selfRegistered();
      await f.market.connect(f.other).register(2, 0, 5_000, 5_000);
      const meter = f.market.connect(f.roles.meter);
      await meter.confirmMeteringPoint(f.address, 42n);
      await expect(meter.confirmMeteringPoint(await f.other.getAddress(), 42n))
        .to.be.revertedWithCustomError(f.market, "ParticipantMeteringPointTaken")
        .withArgs(42n, f.address);
    });

    it("refuses a zero metering point and an unregistered household", async function () {
      const f = await selfRegistered();
      const meter = f.market.connect(f.roles.meter);
      await expect(meter.confirmMeteringPoint(f.address, 0n)).to.be.revertedWithCustomError(f.market, "ParticipantMeteringPointZero").withArgs(f.address);
      const stranger = await f.households[5].getAddress();
      await expect(meter.confirmMeteringPoint(stranger, 7n)).to.be.revertedWithCustomError(f.market, "ParticipantNotRegistered").withArgs(stranger);
    });
  });

  describe("page sizes and interval size", function () {
    it("refuses a short order page that does not end its side", async function () {
      const f = await community({ orderPageSize: 2 });
      const interval = await f.openNextInterval();
      for (const price of [100_000, 101_000, 102_000]) await f.market.connect(f.pv).placeBid(interval, SIDE.sell, 100, price);
      await f.closeGate(interval);
      await expect(f.submitOrder(interval, SIDE.sell, [0]))
        .to.be.revertedWithCustomError(f.market, "OrderPageSize")
        .withArgs(interval, SIDE.sell, 1, 2);
      await f.submitOrder(interval, SIDE.sell, [0, 1]);
      await f.submitOrder(interval, SIDE.sell, [2]); // the side's last page may be short
      expect((await f.market.clearingOf(interval)).sellsOrdered).to.equal(3n);
    });

    it("refuses a one-transaction clearing whose side is longer than a page", async function () {
      const f = await community({ orderPageSize: 1 });
      const interval = await f.openNextInterval();
      for (const price of [100_000, 101_000]) await f.market.connect(f.pv).placeBid(interval, SIDE.sell, 100, price);
      await f.closeGate(interval);
      await expect(f.orderAndClear(interval, [0, 1], [], 0xffffffff, 0))
        .to.be.revertedWithCustomError(f.market, "OrderPageSize")
        .withArgs(interval, SIDE.sell, 2, 1);
    });

    it("refuses a community whose order pages would be empty or above MAX_ORDER_PAGE", async function () {
      const f = await deployCommunity();
      const base = await f.communityInit();
      await expect(f.factory.createCommunity("empty pages", { ...base, orderPageSize: 0 }))
        .to.be.revertedWithCustomError(f.market, "MarketOrderPageSize")
        .withArgs(0, 400);
      await expect(f.factory.createCommunity("huge pages", { ...base, orderPageSize: 401 }))
        .to.be.revertedWithCustomError(f.market, "MarketOrderPageSize")
        .withArgs(401, 400);
    });

    it("refuses a meter page of more than MAX_METER_PAGE readings", async function () {
      const f = await community();
      const interval = await f.openNextInterval();
      await f.closeGate(interval);
      await f.driver.clear(interval);
      const readings = Array.from({ length: 257 }, (_, i) => ({ participant: `0x${(i + 1).toString(16).padStart(40, "0")}`, importWh: 0, exportWh: 0 }));
      await expect(f.market.connect(f.roles.meter).postReadings(interval, readings))
        .to.be.revertedWithCustomError(f.market, "MeterPageTooLarge")
        .withArgs(257, 256);
    });

    it("refuses a bid once the interval holds its most live bids (32 pages a side)", async function () {
      const f = await community({ orderPageSize: 1 });
      const interval = await f.openNextInterval();
      const extra = f.households.slice(3, 8);
      for (const h of extra) await f.register(h, "pv", 0);
      const sellers = [f.pv, ...extra];
      for (let i = 0; i < 32; i++) await f.market.connect(sellers[i % sellers.length]).placeBid(interval, SIDE.sell, 10, 100_000 + i);
      await expect(f.market.connect(f.consumer).placeBid(interval, SIDE.buy, 10, 100_000))
        .to.be.revertedWithCustomError(f.market, "IntervalBidsFull")
        .withArgs(interval, 32);
      const signed = await signBid(f.other, await bidDomain(f.market), {
        interval,
        side: "buy",
        wh: 10,
        price: 100_000,
        nonce: 0n,
        deadline: BigInt((await f.now()) + 3_600),
      });
      await expect(f.market.submitSignedBids(interval, [signed]))
        .to.be.revertedWithCustomError(f.market, "IntervalBidsFull")
        .withArgs(interval, 32);
    });
  });

  describe("tariffs", function () {
    it("refuses a tariff component above 1 EUR/kWh", async function () {
      const f = await deployCommunity();
      const tariffs = TARIFFS.map(tariffStruct);
      tariffs[1] = { ...tariffs[1], networkFee: 1_000_001, lemNetworkFee: 1_000_001 };
      await expect(f.market.connect(f.roles.admin).setTariffs(tariffs))
        .to.be.revertedWithCustomError(f.market, "TariffComponentTooHigh")
        .withArgs(1, 1_000_001, 1_000_000);
    });

    it("refuses a daily charge above 5 EUR (a huge one once swept every balance at the next day start)", async function () {
      const f = await deployCommunity();
      const tariffs = TARIFFS.map(tariffStruct);
      tariffs[0] = { ...tariffs[0], dailyChargeMicroEur: Number.MAX_SAFE_INTEGER };
      await expect(f.market.connect(f.roles.admin).setTariffs(tariffs))
        .to.be.revertedWithCustomError(f.market, "TariffComponentTooHigh")
        .withArgs(0, Number.MAX_SAFE_INTEGER, 5_000_000);
    });

    it("refuses a second tariff announcement while one is pending", async function () {
      const f = await deployCommunity();
      const admin = f.market.connect(f.roles.admin);
      await expect(admin.setTariffs(TARIFFS.map(tariffStruct))).to.emit(f.market, "TariffEpochScheduled");
      const startsAt = await f.market.tariffEpochStartsAt();
      await expect(admin.setTariffs(TARIFFS.map(tariffStruct)))
        .to.be.revertedWithCustomError(f.market, "TariffChangePending")
        .withArgs(1, startsAt);
    });
  });

  describe("supplier accounts and fee recipients", function () {
    const WEEK = 7 * 86_400;

    it("does not let the admin move a supplier's account at once", async function () {
      const f = await community();
      await expect(f.market.connect(f.roles.admin).setSupplierAccount(0, await f.households[6].getAddress())).to.be.revertedWithCustomError(
        f.market,
        "MarketNotSupplierAccount",
      );
    });

    it("refuses applying a supplier account nobody announced", async function () {
      const f = await community();
      await expect(f.market.connect(f.pv).applySupplierAccount(0)).to.be.revertedWithCustomError(f.market, "MarketNoChangeAnnounced");
    });

    it("refuses applying an announced supplier account before ACCOUNT_NOTICE has run", async function () {
      const f = await community();
      expect(await f.market.ACCOUNT_NOTICE()).to.equal(BigInt(WEEK));
      await expect(f.market.connect(f.roles.admin).announceSupplierAccount(0, await f.households[6].getAddress())).to.emit(
        f.market,
        "SupplierAccountAnnounced",
      );
      await expect(f.market.connect(f.pv).applySupplierAccount(0)).to.be.revertedWithCustomError(f.market, "MarketNoticeRunning");
      expect(await f.market.supplierAccount(0)).to.equal(await f.roles.supplier0.getAddress());
    });

    it("lets anyone apply an announced supplier account once ACCOUNT_NOTICE has run, and only once", async function () {
      const f = await community();
      const newAccount = await f.households[6].getAddress();
      await f.market.connect(f.roles.admin).announceSupplierAccount(0, newAccount);
      await f.provider.send("evm_setNextBlockTimestamp", [(await f.now()) + WEEK]);
      await expect(f.market.connect(f.pv).applySupplierAccount(0)).to.emit(f.market, "SupplierAccountSet").withArgs(0, newAccount);
      expect(await f.market.supplierAccount(0)).to.equal(newAccount);
      await expect(f.market.connect(f.pv).applySupplierAccount(0)).to.be.revertedWithCustomError(f.market, "MarketNoChangeAnnounced");
    });

    it("lets a supplier's current account move it at once (its own money), and nobody else", async function () {
      const f = await community();
      const newAccount = await f.households[6].getAddress();
      await expect(f.market.connect(f.pv).setSupplierAccount(0, newAccount))
        .to.be.revertedWithCustomError(f.market, "MarketNotSupplierAccount")
        .withArgs(0, await f.pv.getAddress(), await f.roles.supplier0.getAddress());
      await expect(f.market.connect(f.roles.supplier0).setSupplierAccount(0, newAccount)).to.emit(f.market, "SupplierAccountSet").withArgs(0, newAccount);
      expect(await f.market.supplierAccount(0)).to.equal(newAccount);
    });

    it("changes the fee recipients only after ACCOUNT_NOTICE; fees settled before go to the old ones", async function () {
      const f = await community();
      const admin = f.market.connect(f.roles.admin);
      const taker = await f.households[6].getAddress();
      await expect(admin.announceFeeRecipients(taker, taker, taker)).to.emit(f.market, "FeeRecipientsAnnounced");
      const effectiveAt = (await f.now()) + WEEK;
      // an interval settled during the notice pays its platform fee to the old recipient
      await f.fund([f.roles.supplier0], 5n * EUR);
      const interval = await f.openNextInterval();
      await f.market.connect(f.pv).placeBid(interval, SIDE.sell, 500, 100_000);
      await f.market.connect(f.consumer).placeBid(interval, SIDE.buy, 500, 140_000);
      await f.closeGate(interval);
      const pages = await billed(f, interval, [
        { participant: await f.pv.getAddress(), importWh: 0, exportWh: 500 },
        { participant: await f.consumer.getAddress(), importWh: 500, exportWh: 0 },
      ]);
      await expect(f.market.connect(f.pv).applyFeeRecipients()).to.be.revertedWithCustomError(f.market, "MarketNoticeRunning");
      await f.driver.settle(interval, pages);
      expect((await f.market.accountOf(await f.roles.platform.getAddress())).free).to.equal(500n * BigInt(T0.platformFee) * WEI);
      expect((await f.market.accountOf(taker)).free).to.equal(0n);
      await f.provider.send("evm_setNextBlockTimestamp", [effectiveAt]);
      await expect(f.market.connect(f.pv).applyFeeRecipients()).to.emit(f.market, "FeeRecipientsSet").withArgs(taker, taker, taker);
      expect(await f.market.platform()).to.equal(taker);
      await expect(admin.announceFeeRecipients(taker, "0x0000000000000000000000000000000000000000", taker)).to.be.revertedWithCustomError(
        f.market,
        "MarketZeroAddress",
      );
    });
  });

  describe("registration", function () {
    it("refuses a limit above MAX_LIMIT_WH", async function () {
      const f = await deployCommunity();
      await expect(f.market.connect(f.households[0]).register(2, 0, 5_000, 262_144))
        .to.be.revertedWithCustomError(f.market, "ParticipantLimitTooHigh")
        .withArgs(262_144, 262_143);
    });
  });
});
