/** Ordering and clearing: every way they must refuse, each asserted by its custom error and offending values. */
import { expect } from "chai";
import { phaseValue } from "@kiezstrom/engine/market/onchain";

import { NO_TRADE, orderPages, SIDE } from "../../scripts/lib/market-driver.js";
import { orderRef } from "@kiezstrom/engine/market/words";
import { closedMarket, market } from "./markets.js";

describe("KiezMarket refusals: clearing", function () {
  it("refuses clearing before gate closure", async function () {
    const m = await market();
    await m.market.connect(m.pv).placeBid(m.interval, SIDE.sell, 100, 100_000);
    await expect(m.submitOrder(m.interval, SIDE.sell, [0])).to.be.revertedWithCustomError(m.market, "IntervalGateNotClosed");
    await expect(m.market.clear(m.interval, NO_TRADE, 0, [], [])).to.be.revertedWithCustomError(m.market, "IntervalGateNotClosed");
  });

  // Each wrong sell order refused by name: bids 0 and 1 are asks at 100,000 and 120,000, bids 2 and 3 buys.
  const wrongOrders: { refuses: string; order: (m: Awaited<ReturnType<typeof closedMarket>>) => Promise<unknown>; error: string; args?: unknown[] }[] = [
    {
      refuses: "asks in descending price",
      order: (m) => m.submitOrder(m.interval, SIDE.sell, [1, 0]),
      error: "OrderNotSorted",
      args: [SIDE.sell, (120_000n << 32n) | 1n, 100_000n << 32n],
    },
    { refuses: "a buy in the sell order", order: (m) => m.submitOrder(m.interval, SIDE.sell, [0, 2]), error: "OrderWrongSide", args: [2, SIDE.sell, SIDE.buy] },
    { refuses: "an order longer than its side", order: (m) => m.submitOrder(m.interval, SIDE.sell, [0, 1, 1]), error: "OrderTooLong" },
    { refuses: "a bid ordered twice", order: (m) => m.submitOrder(m.interval, SIDE.sell, [0, 0]), error: "OrderNotSorted" },
  ];
  for (const w of wrongOrders) {
    it(`refuses ${w.refuses}`, async function () {
      const m = await closedMarket();
      const refused = expect(w.order(m)).to.be.revertedWithCustomError(m.market, w.error);
      if (w.args) await refused.withArgs(m.interval, ...w.args);
      else await refused;
    });
  }

  it("refuses a relayed bid named by a position in batches not handed back", async function () {
    const m = await closedMarket();
    await expect(m.market.submitOrder(m.interval, SIDE.sell, [], [orderRef.handedBack(0), orderRef.direct(1)]))
      .to.be.revertedWithCustomError(m.market, "OrderPositionNotSupplied")
      .withArgs(SIDE.sell, 0);
  });

  it("refuses clearing before both sides are ordered", async function () {
    const m = await closedMarket();
    await m.submitOrder(m.interval, SIDE.sell, [0, 1]);
    await expect(m.market.clear(m.interval, 1, 1, [], []))
      .to.be.revertedWithCustomError(m.market, "OrderIncomplete")
      .withArgs(m.interval, SIDE.buy, 0, 2);
  });

  /** The closed market with both sides ordered in one page each, and those pages as `clear` takes them back. */
  async function orderedMarket() {
    const m = await closedMarket();
    await m.submitOrder(m.interval, SIDE.sell, [0, 1]);
    await m.submitOrder(m.interval, SIDE.buy, [2, 3]);
    return { ...m, sp: orderPages([m.bids[0], m.bids[1]], 10), bp: orderPages([m.bids[2], m.bids[3]], 10) };
  }

  it("refuses a marginal pair after which the merge would still match (the true pair is (1, 1))", async function () {
    const m = await orderedMarket();
    // claiming (0, 1) leaves seller 1 at 120k ≤ buyer 1 at 125k matchable
    await expect(m.market.clear(m.interval, 0, 1, m.sp, m.bp))
      .to.be.revertedWithCustomError(m.market, "ClearingStillMatchable")
      .withArgs(1, 1);
  });

  it("refuses NO_TRADE when the best ask and bid match", async function () {
    const m = await orderedMarket();
    await expect(m.market.clear(m.interval, NO_TRADE, 0, m.sp, m.bp))
      .to.be.revertedWithCustomError(m.market, "ClearingStillMatchable")
      .withArgs(0, 0);
  });

  it("refuses a pair whose energy does not overlap", async function () {
    const m = await orderedMarket();
    await expect(m.market.clear(m.interval, 1, 0, m.sp, m.bp))
      .to.be.revertedWithCustomError(m.market, "ClearingPairDisjoint")
      .withArgs(1, 0);
  });

  it("refuses an order page altered after it was committed", async function () {
    const m = await orderedMarket();
    const tampered = [{ ...m.sp[0], entries: m.sp[0].entries.map((e, i) => (i === 0 ? e + (1n << 64n) : e)) }];
    await expect(m.market.clear(m.interval, 1, 1, tampered, m.bp))
      .to.be.revertedWithCustomError(m.market, "OrderPageMismatch")
      .withArgs(m.interval, SIDE.sell, 0);
  });

  it("refuses a marginal pair on a page not handed back", async function () {
    const m = await orderedMarket();
    await expect(m.market.clear(m.interval, 1, 1, [], m.bp))
      .to.be.revertedWithCustomError(m.market, "OrderPositionNotSupplied")
      .withArgs(SIDE.sell, 1);
  });

  it("refuses clearing while paused, clears once unpaused, and refuses clearing again", async function () {
    const m = await orderedMarket();
    await m.market.connect(m.roles.admin).pause();
    await expect(m.market.clear(m.interval, 1, 1, m.sp, m.bp)).to.be.revertedWithCustomError(m.market, "EnforcedPause");
    await m.market.connect(m.roles.admin).unpause();
    await expect(m.market.clear(m.interval, 1, 1, m.sp, m.bp))
      .to.emit(m.market, "IntervalCleared")
      .withArgs(m.interval, 122_500, 1300);
    await expect(m.market.clear(m.interval, 1, 1, m.sp, m.bp))
      .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
      .withArgs(m.interval, phaseValue("Cleared"));
  });

  // The one-transaction path refuses what the paged one does: bids 0 and 1 are asks, 2 and 3 buys.
  const wrongOneTransaction: {
    refuses: string;
    sells: number[];
    buys: number[];
    pair: [number, number];
    error: string;
    args?: unknown[];
    byIndex?: boolean;
  }[] = [
    { refuses: "a bid named twice on its side", sells: [0, 1], buys: [2, 2], pair: [1, 1], error: "OrderNotSorted", byIndex: true },
    { refuses: "an ask in the buy order", sells: [0, 1], buys: [1, 3], pair: [1, 1], error: "OrderWrongSide", args: [1, SIDE.buy, SIDE.sell], byIndex: true },
    { refuses: "an incomplete buy order", sells: [0, 1], buys: [2], pair: [1, 1], error: "OrderIncomplete", args: [SIDE.buy, 1, 2] },
    { refuses: "asks out of order", sells: [1, 0], buys: [2, 3], pair: [1, 1], error: "OrderNotSorted" },
    { refuses: "a marginal pair after which the merge would still match", sells: [0, 1], buys: [2, 3], pair: [0, 1], error: "ClearingStillMatchable" },
  ];
  for (const w of wrongOneTransaction) {
    it(`refuses in one transaction ${w.refuses}`, async function () {
      const m = await closedMarket();
      // byIndex: the order names direct bids by index as they are, so that a bid may stand twice or on the wrong side
      const sent = w.byIndex
        ? m.market.orderAndClear(m.interval, [], w.sells, w.buys, w.pair[0], w.pair[1])
        : m.orderAndClear(m.interval, w.sells, w.buys, w.pair[0], w.pair[1]);
      const refused = expect(sent).to.be.revertedWithCustomError(m.market, w.error);
      if (w.args) await refused.withArgs(m.interval, ...w.args);
      else if (w.error === "ClearingStillMatchable") await refused.withArgs(1, 1);
      else await refused;
    });
  }

  it("refuses the one-transaction clearing while paused, clears once unpaused, and refuses clearing again", async function () {
    const m = await closedMarket();
    await m.market.connect(m.roles.admin).pause();
    await expect(m.orderAndClear(m.interval, [0, 1], [2, 3], 1, 1)).to.be.revertedWithCustomError(m.market, "EnforcedPause");
    await m.market.connect(m.roles.admin).unpause();
    await expect(m.orderAndClear(m.interval, [0, 1], [2, 3], 1, 1))
      .to.emit(m.market, "IntervalCleared")
      .withArgs(m.interval, 122_500, 1300);
    await expect(m.orderAndClear(m.interval, [0, 1], [2, 3], 1, 1))
      .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
      .withArgs(m.interval, phaseValue("Cleared"));
  });

  it("refuses the one-transaction clearing before gate closure", async function () {
    const early = await market();
    await early.market.connect(early.pv).placeBid(early.interval, SIDE.sell, 100, 100_000);
    await expect(early.orderAndClear(early.interval, [0], [], NO_TRADE, 0)).to.be.revertedWithCustomError(early.market, "IntervalGateNotClosed");
  });

  it("refuses the one-transaction clearing once paged ordering has begun", async function () {
    const m = await closedMarket();
    await m.submitOrder(m.interval, SIDE.sell, [0, 1]);
    await expect(m.orderAndClear(m.interval, [0, 1], [2, 3], 1, 1))
      .to.be.revertedWithCustomError(m.market, "OrderAlreadyPaged")
      .withArgs(m.interval, 1, 0);
  });

  it("refuses a pair that does not match, and clears with no trade when none can", async function () {
    const m = await market();
    await m.market.connect(m.pv).placeBid(m.interval, SIDE.sell, 500, 150_000);
    await m.market.connect(m.consumer).placeBid(m.interval, SIDE.buy, 500, 140_000);
    await m.closeGate(m.interval);
    await m.submitOrder(m.interval, SIDE.sell, [0]);
    await m.submitOrder(m.interval, SIDE.buy, [1]);
    const sp = orderPages([{ index: 0, participant: await m.pv.getAddress(), side: "sell", wh: 500, price: 150_000 }], 5);
    const bp = orderPages([{ index: 1, participant: await m.consumer.getAddress(), side: "buy", wh: 500, price: 140_000 }], 5);
    await expect(m.market.clear(m.interval, 0, 0, sp, bp))
      .to.be.revertedWithCustomError(m.market, "ClearingPairNotMatched")
      .withArgs(0, 0, 150_000, 140_000);
    await expect(m.market.clear(m.interval, NO_TRADE, 0, sp, bp))
      .to.emit(m.market, "IntervalCleared")
      .withArgs(m.interval, 0, 0);
  });
});
