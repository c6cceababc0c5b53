/**
 * Guards that once had no test noticing their removal, and refusals no test had reached: each `it` fails when its
 * guard is taken out.
 */
import { expect } from "chai";

import { orderPages, packReadings, SIDE } from "../../scripts/lib/market-driver.js";
import type { OrderBid } from "@kiezstrom/engine/market/clearing";
import { buyLockUnits } from "@kiezstrom/engine/market/tariff";
import { deployCommunity, EUR, TARIFFS } from "./fixture.js";

const ZERO = "0x0000000000000000000000000000000000000000";

/** A community with the given bids placed (sells from PV households, buys from consumers) and the gate closed. */
async function withBids(bids: { side: "sell" | "buy"; wh: number; price: number }[], orderPageSize = 400) {
  const f = await deployCommunity({ orderPageSize });
  const placed: OrderBid[] = [];
  for (const [i, b] of bids.entries()) {
    const who = f.households[i];
    await f.register(who, b.side === "sell" ? "pv" : "consumer", 0);
    if (b.side === "buy") await f.fund([who], 5n * EUR);
    placed.push({ index: i, participant: await who.getAddress(), ...b });
  }
  const interval = await f.openNextInterval();
  for (const [i, b] of bids.entries()) await f.market.connect(f.households[i]).placeBid(interval, SIDE[b.side], b.wh, b.price);
  await f.closeGate(interval);
  return { ...f, interval, placed };
}

describe("KiezMarket guards", function () {
  it("refuses a marginal pair whose buyer is exhausted while the next buy still meets the ask", async function () {
    // one ask of 1,000 Wh at 100,000; bids of 300 Wh at 140,000 and 130,000: the merge stops after (0, 1)
    const f = await withBids([
      { side: "sell", wh: 1_000, price: 100_000 },
      { side: "buy", wh: 300, price: 140_000 },
      { side: "buy", wh: 300, price: 130_000 },
    ]);
    await expect(f.orderAndClear(f.interval, [0], [1, 2], 0, 0))
      .to.be.revertedWithCustomError(f.market, "ClearingStillMatchable")
      .withArgs(0, 1);
  });

  it("refuses a marginal pair where both sides are exhausted and the next pair still matches", async function () {
    const f = await withBids([
      { side: "sell", wh: 300, price: 100_000 },
      { side: "sell", wh: 300, price: 110_000 },
      { side: "buy", wh: 300, price: 140_000 },
      { side: "buy", wh: 300, price: 130_000 },
    ]);
    await expect(f.orderAndClear(f.interval, [0, 1], [2, 3], 0, 0))
      .to.be.revertedWithCustomError(f.market, "ClearingStillMatchable")
      .withArgs(1, 1);
  });

  it("rounds the clearing price down, as the engine does", async function () {
    const f = await withBids([
      { side: "sell", wh: 100, price: 100_000 },
      { side: "buy", wh: 100, price: 100_001 },
    ]);
    const cleared = await f.driver.clear(f.interval);
    expect(cleared.result.price).to.equal(100_000);
    expect((await f.market.clearingOf(f.interval)).price).to.equal(100_000n);
  });

  it("refuses clearing before the sell side is fully ordered", async function () {
    const f = await withBids(
      [
        { side: "sell", wh: 100, price: 100_000 },
        { side: "sell", wh: 100, price: 101_000 },
        { side: "buy", wh: 100, price: 120_000 },
      ],
      1,
    );
    await f.submitOrder(f.interval, SIDE.sell, [0]);
    await f.submitOrder(f.interval, SIDE.buy, [2]);
    await expect(f.market.clear(f.interval, 0, 0, [], []))
      .to.be.revertedWithCustomError(f.market, "OrderIncomplete")
      .withArgs(f.interval, SIDE.sell, 1, 2);
  });

  it("refuses an order page for no side", async function () {
    const f = await withBids([{ side: "sell", wh: 100, price: 100_000 }]);
    await expect(f.market.submitOrder(f.interval, 0, [], [0]))
      .to.be.revertedWithCustomError(f.market, "BidInvalidSide")
      .withArgs(0);
  });

  it("refuses one-transaction billing that leaves an unfilled buy bid's lock unreleased", async function () {
    // the 90,000 bid fills nothing; leaving its order page out keeps every filled Wh but strands its lock
    const f = await withBids(
      [
        { side: "sell", wh: 300, price: 100_000 },
        { side: "buy", wh: 300, price: 140_000 },
        { side: "buy", wh: 300, price: 90_000 },
      ],
      1,
    );
    const cleared = await f.driver.clear(f.interval);
    const readings = f.placed.map((b) => ({ participant: b.participant, importWh: b.side === "buy" ? 300 : 0, exportWh: b.side === "sell" ? 300 : 0 }));
    const metered = await f.driver.meter(f.interval, readings);
    const lock = (price: number) => BigInt(buyLockUnits(TARIFFS[0].prices, 300, price));
    const input = { readings: packReadings(metered.pages[0]), unmetered: [], refs: [], sellPages: cleared.sellPages, buyPages: cleared.buyPages.slice(0, 1) };
    await expect(f.market.connect(f.roles.operator).billAndSettle(f.interval, input))
      .to.be.revertedWithCustomError(f.market, "BillingLocksMismatch")
      .withArgs(f.interval, lock(140_000), lock(140_000) + lock(90_000));
  });

  it("refuses a factory without an implementation", async function () {
    const f = await deployCommunity();
    await expect(f.ethers.deployContract("MarketFactory", [ZERO])).to.be.revertedWithCustomError(f.factory, "FactoryZeroImplementation");
  });

  it("refuses a community without an admin", async function () {
    const f = await deployCommunity();
    const init = await f.communityInit({ admin: ZERO });
    await expect(f.factory.createCommunity("no admin", init)).to.be.revertedWithCustomError(f.market, "MarketZeroAddress");
  });

  it("refuses onboarding the zero address", async function () {
    const f = await deployCommunity();
    await expect(
      f.market.connect(f.roles.admin).onboard([ZERO], [{ class: 1, supplier: 0, importLimitWh: 1_000, exportLimitWh: 0, meteringPoint: 0 }]),
    ).to.be.revertedWithCustomError(f.market, "MarketZeroAddress");
  });

  it("orders pages exactly as the committed digests say (orderPages mirrors submitOrder)", async function () {
    const f = await withBids([
      { side: "sell", wh: 100, price: 100_000 },
      { side: "buy", wh: 100, price: 120_000 },
    ]);
    await f.submitOrder(f.interval, SIDE.sell, [0]);
    const [page] = orderPages([f.placed[0]], 400);
    await expect(f.market.clear(f.interval, 0, 0, [{ ...page, cumStartWh: 1 }], [])).to.be.revertedWithCustomError(f.market, "OrderPageMismatch");
  });
});
