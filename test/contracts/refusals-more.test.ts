/** The remaining refusals, each asserted by its custom error and values. */
import { expect } from "chai";

import { orderPages, SIDE, tariffStruct } from "../../scripts/lib/market-driver.js";
import type { OrderBid } from "../../sim/market/clearing.js";
import { deployCommunity, EUR, TARIFFS } from "./fixture.js";

describe("KiezMarket refusals, continued", function () {
  it("refuses tariffs with a LEM network fee below the grid's, no buyer benefit, or the wrong supplier count", async function () {
    const f = await deployCommunity();
    const admin = f.market.connect(f.roles.admin);
    const base = TARIFFS.map(tariffStruct);
    await expect(admin.setTariffs([base[0]])).to.be.revertedWithCustomError(f.market, "MarketLengthMismatch").withArgs(2, 1);
    const lowNetwork = base.map((t, i) => (i === 1 ? { ...t, lemNetworkFee: t.networkFee - 1 } : t));
    await expect(admin.setTariffs(lowNetwork))
      .to.be.revertedWithCustomError(f.market, "TariffLemNetworkFeeBelowGrid")
      .withArgs(1, base[1].networkFee - 1, base[1].networkFee);
    const greedy = base.map((t, i) => (i === 0 ? { ...t, platformFee: 200_000 } : t));
    await expect(admin.setTariffs(greedy)).to.be.revertedWithCustomError(f.market, "TariffNoBuyerBenefit");
    await expect(admin.setFeeRecipients("0x0000000000000000000000000000000000000000", f.roles.taxCollector, f.roles.networkOperator))
      .to.be.revertedWithCustomError(f.market, "MarketZeroAddress");
  });

  it("refuses empty order and meter pages, order pages out of sequence, and bill pages out of order", async function () {
    const f = await deployCommunity();
    const [pv, a, b] = f.households;
    await f.register(pv, "pv");
    await f.register(a, "consumer");
    await f.register(b, "consumer");
    await f.fund([a, b], 10n * EUR);
    const interval = await f.openNextInterval();
    const bids: OrderBid[] = [];
    await f.market.connect(pv).placeBid(interval, SIDE.sell, 300, 100_000);
    bids.push({ index: 0, participant: await pv.getAddress(), side: "sell", wh: 300, price: 100_000 });
    await f.market.connect(a).placeBid(interval, SIDE.buy, 200, 130_000);
    bids.push({ index: 1, participant: await a.getAddress(), side: "buy", wh: 200, price: 130_000 });
    await f.market.connect(b).placeBid(interval, SIDE.buy, 200, 120_000);
    bids.push({ index: 2, participant: await b.getAddress(), side: "buy", wh: 200, price: 120_000 });
    await f.closeGate(interval);
    await expect(f.market.submitOrder(interval, SIDE.buy, [])).to.be.revertedWithCustomError(f.market, "OrderEmptyPage");
    await f.market.submitOrder(interval, SIDE.sell, [0]);
    await f.market.submitOrder(interval, SIDE.buy, [1]);
    await f.market.submitOrder(interval, SIDE.buy, [2]);
    const sells = orderPages([bids[0]], 1);
    const buys = orderPages([bids[1], bids[2]], 1);
    await expect(f.market.clear(interval, 0, 1, sells, [buys[0], { ...buys[1], startPos: 2 }])).to.be.revertedWithCustomError(f.market, "OrderPageMismatch");
    // pricing needs only the marginal pages; trade emission waits for the pages it has not seen, then resumes
    await f.market.clear(interval, 0, 1, sells, [buys[1]]);
    expect((await f.market.intervalOf(interval)).phase).to.equal(2n); // Clearing
    expect((await f.market.clearingOf(interval)).priced).to.equal(true);
    await expect(f.market.clear(interval, 0, 1, sells, buys)).to.emit(f.market, "IntervalCleared").withArgs(interval, 110_000, 300);
    await expect(f.market.connect(f.roles.meter).postReadings(interval, [])).to.be.revertedWithCustomError(f.market, "MeterEmptyPage");
    const readings = [
      { participant: await pv.getAddress(), importWh: 0, exportWh: 300 },
      { participant: await a.getAddress(), importWh: 200, exportWh: 0 },
      { participant: await b.getAddress(), importWh: 200, exportWh: 0 },
    ];
    const meter = f.market.connect(f.roles.meter);
    await meter.postReadings(interval, readings.slice(0, 1));
    await meter.postReadings(interval, readings.slice(1));
    await meter.finishMetering(interval);
    const metered = [readings.slice(0, 1), readings.slice(1)].map((p) => p.map((r) => ({ ...r, supplier: 0 })));
    const none = { sellPositions: [], buyPositions: [] };
    const op = f.market.connect(f.roles.operator);
    await expect(op.bill(interval, 1, metered[1], [none, none], [], []))
      .to.be.revertedWithCustomError(f.market, "BillingPageOutOfOrder")
      .withArgs(interval, 1, 0);
    await op.bill(interval, 0, metered[0], [{ sellPositions: [0], buyPositions: [] }], sells, []);
    await expect(op.bill(interval, 1, metered[1], [{ sellPositions: [], buyPositions: [0, 0] }, none], [], buys))
      .to.be.revertedWithCustomError(f.market, "BillingPositionsNotIncreasing")
      .withArgs(SIDE.buy, 0, 0);
  });

  it("refuses settling a participant's older interval after a newer one", async function () {
    const f = await deployCommunity();
    const [consumer] = f.households;
    await f.register(consumer, "consumer");
    await f.fund([consumer], 10n * EUR);
    const first = await f.openNextInterval();
    const second = await f.openNextInterval();
    const reading = [{ participant: await consumer.getAddress(), importWh: 100, exportWh: 0 }];
    await f.closeGate(second);
    const billed = [];
    for (const id of [first, second]) {
      const cleared = await f.driver.clear(id, []);
      const metered = await f.driver.meter(id, reading);
      billed.push((await f.driver.bill(id, metered.pages, cleared)).billPages);
    }
    await f.driver.settle(second, billed[1]);
    await expect(f.market.settle(first, 0, billed[0][0]))
      .to.be.revertedWithCustomError(f.market, "SettlementOutOfOrder")
      .withArgs(await consumer.getAddress(), second, first);
  });
});
