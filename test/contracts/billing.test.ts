/** Metering, billing and settlement: every way they must refuse, each asserted by its custom error and offending values. */
import { expect } from "chai";
import { phaseValue } from "@kiezstrom/engine/market/onchain";

import { packReadings, PHASE, SIDE, type Reading } from "../../scripts/lib/market-driver.js";
import { deployCommunity, EUR, TARIFFS } from "./fixture.js";
import { closedMarket, meteredMarket, readingsOf, T0 } from "./markets.js";

describe("KiezMarket refusals: metering, billing and settlement", function () {
  it("refuses readings before the interval is cleared", async function () {
    const m = await closedMarket();
    await expect(m.market.connect(m.roles.meter).postReadings(m.interval, await readingsOf(m)))
      .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
      .withArgs(m.interval, phaseValue("Open"));
  });

  it("refuses a reading of an unregistered household", async function () {
    const m = await closedMarket();
    await m.driver.clear(m.interval);
    const stranger = { participant: await m.stranger.getAddress(), importWh: 1, exportWh: 0 };
    await expect(m.market.connect(m.roles.meter).postReadings(m.interval, [stranger]))
      .to.be.revertedWithCustomError(m.market, "ParticipantNotRegistered")
      .withArgs(stranger.participant);
  });

  it("refuses finishing metering before any reading", async function () {
    const m = await closedMarket();
    await m.driver.clear(m.interval);
    await expect(m.market.connect(m.roles.meter).finishMetering(m.interval))
      .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
      .withArgs(m.interval, phaseValue("Cleared"));
  });

  it("refuses billing before metering is finished", async function () {
    const m = await closedMarket();
    const readings = await readingsOf(m);
    const cleared = await m.driver.clear(m.interval);
    await m.market.connect(m.roles.meter).postReadings(m.interval, readings);
    const metered = readings.map((r) => ({ ...r, supplier: m.participants.get(r.participant.toLowerCase())!.supplier }));
    const refs = readings.map(() => ({ sellPositions: [], buyPositions: [] }));
    await expect(
      m.market
        .connect(m.roles.operator)
        .bill(m.interval, 0, { unmetered: [], readings: packReadings(metered), refs, sellPages: cleared.sellPages, buyPages: cleared.buyPages }),
    )
      .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
      .withArgs(m.interval, phaseValue("Metering"));
  });

  const none = { sellPositions: [], buyPositions: [] };

  it("refuses a bill that gives one household's fill to another", async function () {
    const m = await meteredMarket();
    // pv's sell (position 0) billed to battery
    const refs = [none, { sellPositions: [0], buyPositions: [] }, none, none];
    await expect(
      m.op.bill(m.interval, 0, { unmetered: [], readings: packReadings(m.metered), refs, sellPages: m.cleared.sellPages, buyPages: m.cleared.buyPages }),
    )
      .to.be.revertedWithCustomError(m.market, "BillingWrongParticipant")
      .withArgs(m.interval, SIDE.sell, 0, await m.battery.getAddress(), await m.pv.getAddress());
  });

  it("refuses bills that leave out the fills", async function () {
    const m = await meteredMarket();
    const refs = m.readings.map(() => none);
    await expect(
      m.op.bill(m.interval, 0, { unmetered: [], readings: packReadings(m.metered), refs, sellPages: m.cleared.sellPages, buyPages: m.cleared.buyPages }),
    )
      .to.be.revertedWithCustomError(m.market, "BillingTotalsMismatch")
      .withArgs(m.interval, 0, 0, 1300);
  });

  it("refuses readings handed back for a meter page that holds other ones", async function () {
    const m = await meteredMarket();
    const refs = m.readings.map(() => none);
    await expect(
      m.op.bill(m.interval, 1, { unmetered: [], readings: packReadings(m.metered), refs, sellPages: [], buyPages: [] }),
    ).to.be.revertedWithCustomError(m.market, "MeterPageMismatch");
  });

  it("refuses readings handed back with another supplier than committed", async function () {
    const m = await meteredMarket();
    const wrongSupplier = m.metered.map((r, i) => (i === 0 ? { ...r, supplier: 1 } : r));
    const refs = m.readings.map(() => none);
    await expect(m.op.bill(m.interval, 0, { unmetered: [], readings: packReadings(wrongSupplier), refs, sellPages: [], buyPages: [] }))
      .to.be.revertedWithCustomError(m.market, "MeterPageMismatch")
      .withArgs(m.interval, 0);
  });

  it("lets only the operator bill", async function () {
    const m = await meteredMarket();
    const refs = m.readings.map(() => none);
    await expect(
      m.market.connect(m.stranger).bill(m.interval, 0, { unmetered: [], readings: packReadings(m.metered), refs, sellPages: [], buyPages: [] }),
    ).to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount");
  });

  it("refuses a billing restart before billing has started", async function () {
    const m = await meteredMarket();
    await expect(m.op.restartBilling(m.interval)).to.be.revertedWithCustomError(m.market, "IntervalWrongPhase").withArgs(m.interval, phaseValue("Metered"));
  });

  it("refuses a bill page altered after billing", async function () {
    const m = await meteredMarket();
    const billed = await m.driver.bill(m.interval, m.pages, m.cleared);
    await expect(m.market.settle(m.interval, 0, [{ ...billed.billPages[0][0], gridImportWh: 1 }, ...billed.billPages[0].slice(1)]))
      .to.be.revertedWithCustomError(m.market, "BillPageMismatch")
      .withArgs(m.interval, 0);
  });

  it("refuses settling bill pages out of order", async function () {
    const m = await meteredMarket();
    const billed = await m.driver.bill(m.interval, m.pages, m.cleared);
    await expect(m.market.settle(m.interval, 1, billed.billPages[0]))
      .to.be.revertedWithCustomError(m.market, "SettlementPageOutOfOrder")
      .withArgs(m.interval, 1, 0);
  });

  it("refuses settling an interval twice", async function () {
    const m = await meteredMarket();
    const billed = await m.driver.bill(m.interval, m.pages, m.cleared);
    await m.driver.settle(m.interval, billed.billPages);
    await expect(m.market.settle(m.interval, 0, billed.billPages[0]))
      .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
      .withArgs(m.interval, phaseValue("Settled"));
  });

  it("lets the operator restart an interval's billing before the last page, then bill it in full", async function () {
    const m = await closedMarket();
    const readings = await readingsOf(m);
    const cleared = await m.driver.clear(m.interval);
    const meter = m.market.connect(m.roles.meter);
    await meter.postReadings(m.interval, readings.slice(0, 2));
    await meter.postReadings(m.interval, readings.slice(2));
    await meter.finishMetering(m.interval);
    const supplierOf = (r: Reading) => m.participants.get(r.participant.toLowerCase())!.supplier;
    const pages = [readings.slice(0, 2), readings.slice(2)].map((p) => p.map((r) => ({ ...r, supplier: supplierOf(r) })));
    const op = m.market.connect(m.roles.operator);
    const none = { sellPositions: [], buyPositions: [] };
    await op.bill(m.interval, 0, { unmetered: [], readings: packReadings(pages[0]), refs: [none, none], sellPages: [], buyPages: [] }); // page 0 billed with its fills left out
    await expect(op.restartBilling(m.interval)).to.emit(m.market, "BillingRestarted").withArgs(m.interval);
    expect((await m.market.billingOf(m.interval)).billedPages).to.equal(0n);
    const billed = await m.driver.bill(m.interval, pages, cleared);
    expect(PHASE[Number((await m.market.intervalOf(m.interval)).phase)]).to.equal("Billed");
    await m.driver.settle(m.interval, billed.billPages);
    expect(PHASE[Number((await m.market.intervalOf(m.interval)).phase)]).to.equal("Settled");
  });

  // Each incomplete or altered input to the one-transaction path is refused, and no balance moves.
  type Metered = Awaited<ReturnType<typeof meteredMarket>>;
  const incomplete: {
    refuses: string;
    input: (m: Metered) => Parameters<Metered["op"]["billAndSettle"]>[1];
    error: string;
    args: (m: Metered) => unknown[];
  }[] = [
    {
      refuses: "bills without the order pages (no fill can be found)",
      input: (m) => ({ unmetered: [], refs: [], readings: packReadings(m.metered), sellPages: [], buyPages: [] }),
      error: "BillingTotalsMismatch",
      args: (m) => [m.interval, 0, 0, 1300],
    },
    {
      refuses: "bills without the buy pages (the buyers' fills are missing)",
      input: (m) => ({ unmetered: [], refs: [], readings: packReadings(m.metered), sellPages: m.cleared.sellPages, buyPages: [] }),
      error: "BillingTotalsMismatch",
      args: (m) => [m.interval, 1300, 0, 1300],
    },
    {
      refuses: "an order page handed in twice",
      input: (m) => ({
        unmetered: [],
        refs: [],
        readings: packReadings(m.metered),
        sellPages: [m.cleared.sellPages[0], m.cleared.sellPages[0]],
        buyPages: m.cleared.buyPages,
      }),
      error: "OrderPagesNotConsecutive",
      args: (m) => [SIDE.sell, m.cleared.sellPages[0].entries.length, 0],
    },
    {
      refuses: "an altered order page",
      input: (m) => ({
        unmetered: [],
        refs: [],
        readings: packReadings(m.metered),
        sellPages: m.cleared.sellPages,
        buyPages: [{ ...m.cleared.buyPages[0], cumStartWh: 1 }],
      }),
      error: "OrderPageMismatch",
      args: (m) => [m.interval, SIDE.buy, 0],
    },
    {
      // its fills are taken once, so the totals would hold, but it would be settled twice: the meter digest refuses it
      refuses: "a reading listed twice",
      input: (m) => ({
        unmetered: [],
        refs: [],
        readings: packReadings([...m.metered, m.metered[0]]),
        sellPages: m.cleared.sellPages,
        buyPages: m.cleared.buyPages,
      }),
      error: "MeterPageMismatch",
      args: (m) => [m.interval, 0],
    },
  ];
  for (const c of incomplete) {
    it(`refuses in one-transaction billing ${c.refuses}, with nothing moved`, async function () {
      const m = await meteredMarket();
      const before = await m.market.accountOf(await m.consumer.getAddress());
      await expect(m.op.billAndSettle(m.interval, c.input(m)))
        .to.be.revertedWithCustomError(m.market, c.error)
        .withArgs(...c.args(m));
      expect((await m.market.accountOf(await m.consumer.getAddress())).free).to.equal(before.free);
    });
  }

  it("lets only the operator bill and settle in one transaction", async function () {
    const m = await meteredMarket();
    await expect(
      m.market.connect(m.stranger).billAndSettle(m.interval, { unmetered: [], refs: [], readings: packReadings(m.metered), sellPages: [], buyPages: [] }),
    ).to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount");
  });

  it("bills and settles a one-page interval in one transaction, once", async function () {
    const m = await meteredMarket();
    await m.driver.billAndSettle(m.interval, m.pages, m.cleared);
    expect(PHASE[Number((await m.market.intervalOf(m.interval)).phase)]).to.equal("Settled");
    await expect(m.op.billAndSettle(m.interval, { unmetered: [], refs: [], readings: packReadings(m.metered), sellPages: [], buyPages: [] }))
      .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
      .withArgs(m.interval, phaseValue("Settled"));
  });

  it("refuses the one-transaction path for an interval metered in several pages", async function () {
    const m = await closedMarket();
    const readings = await readingsOf(m);
    await m.driver.clear(m.interval);
    const meter = m.market.connect(m.roles.meter);
    await meter.postReadings(m.interval, readings.slice(0, 2));
    await meter.postReadings(m.interval, readings.slice(2));
    await meter.finishMetering(m.interval);
    const first = readings.slice(0, 2).map((r) => ({ ...r, supplier: m.participants.get(r.participant.toLowerCase())!.supplier }));
    await expect(
      m.market.connect(m.roles.operator).billAndSettle(m.interval, { unmetered: [], refs: [], readings: packReadings(first), sellPages: [], buyPages: [] }),
    )
      .to.be.revertedWithCustomError(m.market, "BillingNeedsPages")
      .withArgs(m.interval, 2);
  });

  it("refuses settlement before billing", async function () {
    const f = await deployCommunity();
    const [pv] = f.households;
    await f.register(pv, "pv", 0);
    const interval = await f.openNextInterval();
    await f.closeGate(interval);
    const cleared = await f.driver.clear(interval);
    await expect(f.market.settle(interval, 0, []))
      .to.be.revertedWithCustomError(f.market, "IntervalWrongPhase")
      .withArgs(interval, phaseValue("Cleared"));
    const readings = [{ participant: await pv.getAddress(), importWh: 0, exportWh: 1_000 }];
    const metered = await f.driver.meter(interval, readings);
    await expect(f.market.settle(interval, 0, []))
      .to.be.revertedWithCustomError(f.market, "IntervalWrongPhase")
      .withArgs(interval, phaseValue("Metered"));
    const billed = await f.driver.bill(interval, metered.pages, cleared);
    await f.fund([f.roles.supplier0], 1n * EUR);
    await f.driver.settle(interval, billed.billPages);
    expect((await f.market.accountOf(await pv.getAddress())).free).to.equal(1_000n * BigInt(T0.feedInTariff) * 1_000_000_000n);
  });

  it("records what a household cannot pay as owed to its supplier and repays it from the next deposit", async function () {
    const f = await deployCommunity();
    const [consumer] = f.households;
    await f.register(consumer, "consumer", 0);
    const interval = await f.openNextInterval();
    await f.closeGate(interval);
    const cleared = await f.driver.clear(interval);
    const addr = await consumer.getAddress();
    const metered = await f.driver.meter(interval, [{ participant: addr, importWh: 2_000, exportWh: 0 }]);
    const billed = await f.driver.bill(interval, metered.pages, cleared);
    const tou = BigInt(T0.energyPrice + T0.levies + T0.supplierMargin + T0.networkFee);
    const dayCharge = interval % 96 === 92 ? BigInt(TARIFFS[0].dailyChargeMicroEur) * 10n ** 12n : 0n;
    const due = 2_000n * tou * 1_000_000_000n + dayCharge;
    await f.driver.settle(interval, billed.billPages);
    expect(await f.market.owed(addr)).to.equal(due);
    const supplier = await f.roles.supplier0.getAddress();
    await f.fund([consumer], 2n * EUR);
    expect(await f.market.owed(addr)).to.equal(0n);
    expect((await f.market.accountOf(addr)).free).to.equal(2n * EUR - due);
    expect((await f.market.accountOf(supplier)).free).to.equal(due);
  });
});
