/** Order, meter and bill pages: every way they must refuse (empty, skipped, out of order), and a lock left unreleased. */
import { expect } from "chai";

import { orderPages, packReadings, PHASE, SIDE } from "../../scripts/lib/market-driver.js";
import type { OrderBid } from "@kiezstrom/engine/market/clearing";
import { buyLockUnits } from "@kiezstrom/engine/market/tariff";
import { deployCommunity, EUR, TARIFFS } from "./fixture.js";

describe("KiezMarket refusals: order, meter and bill pages", function () {
  it("refuses empty order and meter pages, order pages out of sequence, and bill pages out of order", async function () {
    const f = await deployCommunity({ orderPageSize: 1 });
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
    await expect(f.submitOrder(interval, SIDE.buy, [])).to.be.revertedWithCustomError(f.market, "OrderEmptyPage");
    await f.submitOrder(interval, SIDE.sell, [0]);
    await f.submitOrder(interval, SIDE.buy, [1]);
    await f.submitOrder(interval, SIDE.buy, [2]);
    const sells = orderPages([bids[0]], 1);
    const buys = orderPages([bids[1], bids[2]], 1);
    await expect(f.market.clear(interval, 0, 1, sells, [buys[0], { ...buys[1], startPos: 2 }])).to.be.revertedWithCustomError(f.market, "OrderPageMismatch");
    // pricing needs only the marginal pages; trade emission waits for the pages it has not seen, then resumes
    await f.market.clear(interval, 0, 1, sells, [buys[1]]);
    expect(PHASE[Number((await f.market.intervalOf(interval)).phase)]).to.equal("Clearing");
    expect((await f.market.clearingOf(interval)).priced).to.equal(true);
    await expect(f.market.clear(interval, 0, 1, sells, buys))
      .to.emit(f.market, "IntervalCleared")
      .withArgs(interval, 110_000, 300);
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
    await expect(op.bill(interval, 1, { unmetered: [], readings: packReadings(metered[1]), refs: [none, none], sellPages: [], buyPages: [] }))
      .to.be.revertedWithCustomError(f.market, "BillingPageOutOfOrder")
      .withArgs(interval, 1, 0);
    await op.bill(interval, 0, {
      unmetered: [],
      readings: packReadings(metered[0]),
      refs: [{ sellPositions: [0], buyPositions: [] }],
      sellPages: sells,
      buyPages: [],
    });
    await expect(
      op.bill(interval, 1, {
        unmetered: [],
        readings: packReadings(metered[1]),
        refs: [{ sellPositions: [], buyPositions: [0, 0] }, none],
        sellPages: [],
        buyPages: buys,
      }),
    )
      .to.be.revertedWithCustomError(f.market, "BillingPositionsNotIncreasing")
      .withArgs(SIDE.buy, 0, 0);
  });

  it("refuses order pages that skip one, and bills that leave a lock unreleased", async function () {
    const f = await deployCommunity({ orderPageSize: 1 });
    const [pv, a, b, c] = f.households;
    await f.register(pv, "pv");
    for (const x of [a, b, c]) await f.register(x, "consumer");
    await f.fund([a, b, c], 10n * EUR);
    const interval = await f.openNextInterval();
    const bids: OrderBid[] = [{ index: 0, participant: await pv.getAddress(), side: "sell", wh: 300, price: 100_000 }];
    await f.market.connect(pv).placeBid(interval, SIDE.sell, 300, 100_000);
    for (const [i, x, price] of [
      [1, a, 130_000],
      [2, b, 120_000],
      [3, c, 90_000],
    ] as const) {
      await f.market.connect(x).placeBid(interval, SIDE.buy, 200, price);
      bids.push({ index: i, participant: await x.getAddress(), side: "buy", wh: 200, price });
    }
    await f.closeGate(interval);
    await f.submitOrder(interval, SIDE.sell, [0]);
    for (const i of [1, 2, 3]) await f.submitOrder(interval, SIDE.buy, [i]);
    const sells = orderPages([bids[0]], 1);
    const buys = orderPages([bids[1], bids[2], bids[3]], 1);
    await expect(f.market.clear(interval, 0, 1, sells, [buys[0], buys[2]]))
      .to.be.revertedWithCustomError(f.market, "OrderPagesNotConsecutive")
      .withArgs(SIDE.buy, 1, 2);
    await f.market.clear(interval, 0, 1, sells, buys);
    const readings = await Promise.all(
      [pv, a, b, c].map(async (x, i) => ({ participant: await x.getAddress(), importWh: i === 0 ? 0 : 200, exportWh: i === 0 ? 300 : 0 })),
    );
    await f.market.connect(f.roles.meter).postReadings(interval, readings);
    await f.market.connect(f.roles.meter).finishMetering(interval);
    const metered = readings.map((r) => ({ ...r, supplier: 0 }));
    // c's bid (position 2) filled nothing; leaving it out keeps the Wh totals right but strands its lock
    const refs = [
      { sellPositions: [0], buyPositions: [] },
      { sellPositions: [], buyPositions: [0] },
      { sellPositions: [], buyPositions: [1] },
      { sellPositions: [], buyPositions: [] },
    ];
    const lockOf = (price: number) => BigInt(buyLockUnits(TARIFFS[0].prices, 200, price));
    await expect(
      f.market.connect(f.roles.operator).bill(interval, 0, { unmetered: [], readings: packReadings(metered), refs: refs, sellPages: sells, buyPages: buys }),
    )
      .to.be.revertedWithCustomError(f.market, "BillingLocksMismatch")
      .withArgs(interval, lockOf(130_000) + lockOf(120_000), lockOf(130_000) + lockOf(120_000) + lockOf(90_000));
  });
});
