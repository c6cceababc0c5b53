/** Direct bids and their cancellation: every way they must refuse, each asserted by its custom error and offending values. */
import { expect } from "chai";
import { phaseValue } from "@kiezstrom/engine/market/onchain";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";

import { SIDE } from "../../scripts/lib/market-driver.js";
import { buyLockUnits, lemCharges, timeOfUse } from "@kiezstrom/engine/market/tariff";
import { EUR, TARIFFS } from "./fixture.js";
import { market, readingsOf, T0 } from "./markets.js";

describe("KiezMarket refusals: bids", function () {
  // Each out-of-bound bid is refused by name, with the bounds it broke (the engine's twin: bidBoundsProblem).
  const tou = timeOfUse(T0);
  const atToU = tou - lemCharges(T0); // price + charges = ToU: not below
  const bounds: { refuses: string; who: "pv" | "consumer" | "stranger"; side: number; wh: number; price: number; error: string; args?: unknown[] }[] = [
    { refuses: "a bid of no energy", who: "pv", side: SIDE.sell, wh: 0, price: 100_000, error: "BidZeroEnergy" },
    { refuses: "an ask above the export limit", who: "pv", side: SIDE.sell, wh: 5_001, price: 100_000, error: "BidEnergyAboveLimit", args: [5_001, 5_000] },
    {
      refuses: "an ask at the feed-in tariff",
      who: "pv",
      side: SIDE.sell,
      wh: 100,
      price: T0.feedInTariff,
      error: "BidAskOutOfRange",
      args: [T0.feedInTariff, T0.feedInTariff, T0.energyPrice],
    },
    {
      refuses: "an ask at the energy price",
      who: "pv",
      side: SIDE.sell,
      wh: 100,
      price: T0.energyPrice,
      error: "BidAskOutOfRange",
      args: [T0.energyPrice, T0.feedInTariff, T0.energyPrice],
    },
    {
      refuses: "an ask from a household without a confirmed metering point",
      who: "consumer",
      side: SIDE.sell,
      wh: 100,
      price: 100_000,
      error: "BidSellerNotMetered",
    },
    {
      refuses: "a bid at the energy price",
      who: "consumer",
      side: SIDE.buy,
      wh: 100,
      price: T0.energyPrice,
      error: "BidPriceNotBelowEnergyPrice",
      args: [T0.energyPrice, T0.energyPrice],
    },
    {
      refuses: "a bid whose price plus LEM charges reaches the time-of-use price",
      who: "consumer",
      side: SIDE.buy,
      wh: 100,
      price: atToU,
      error: "BidTotalNotBelowTimeOfUse",
      args: [atToU, tou, tou],
    },
    { refuses: "a bid at price zero", who: "consumer", side: SIDE.buy, wh: 100, price: 0, error: "BidPriceZero" },
    { refuses: "a bid with no side", who: "consumer", side: 0, wh: 100, price: 100_000, error: "BidInvalidSide" },
    { refuses: "a bid from an unregistered address", who: "stranger", side: SIDE.buy, wh: 100, price: 100_000, error: "ParticipantNotRegistered" },
  ];
  for (const c of bounds) {
    it(`refuses ${c.refuses}`, async function () {
      const m = await market();
      const who = m[c.who];
      const refused = expect(m.market.connect(who).placeBid(m.interval, c.side, c.wh, c.price)).to.be.revertedWithCustomError(m.market, c.error);
      if (c.args) await refused.withArgs(...c.args);
      else if (c.error === "BidSellerNotMetered" || c.error === "ParticipantNotRegistered") await refused.withArgs(await who.getAddress());
      else await refused;
    });
  }

  it("locks a buy bid's worst case and refuses one the free balance cannot cover", async function () {
    const m = await market();
    const addr = await m.consumer.getAddress();
    const price = 100_000;
    const lockUnits = BigInt(buyLockUnits(T0, 5_000, price));
    await m.market.connect(m.consumer).placeBid(m.interval, SIDE.buy, 5_000, price);
    const acct = await m.market.accountOf(addr);
    expect(acct.locked).to.equal(lockUnits * 1_000_000_000n);
    expect(acct.free + acct.locked).to.equal(20n * EUR);
    // 5 kWh at 363,470 µEUR/kWh with charges ≈ 1.82 EUR: with 1 EUR left free, a second such bid does not fit
    const consumer2 = await m.consumer2.getAddress();
    await m.market.connect(m.consumer2).withdraw(19n * EUR);
    const lock2 = BigInt(buyLockUnits(TARIFFS[1].prices, 5_000, price)) * 1_000_000_000n;
    await expect(m.market.connect(m.consumer2).placeBid(m.interval, SIDE.buy, 5_000, price))
      .to.be.revertedWithCustomError(m.market, "LedgerInsufficientFree")
      .withArgs(consumer2, lock2, 1n * EUR);
  });

  it("refuses a bid for an interval not open", async function () {
    const m = await market();
    await expect(m.market.connect(m.pv).placeBid(m.interval + 10, SIDE.sell, 100, 100_000))
      .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
      .withArgs(m.interval + 10, phaseValue("None"));
  });

  it("refuses bids while paused and takes them again once unpaused", async function () {
    const m = await market();
    await m.market.connect(m.roles.admin).pause();
    await expect(m.market.connect(m.pv).placeBid(m.interval, SIDE.sell, 100, 100_000)).to.be.revertedWithCustomError(m.market, "EnforcedPause");
    await m.market.connect(m.roles.admin).unpause();
    await expect(m.market.connect(m.pv).placeBid(m.interval, SIDE.sell, 100, 100_000)).to.emit(m.market, "BidPlaced");
  });

  it("refuses a bid after gate closure", async function () {
    const m = await market();
    await m.closeGate(m.interval);
    const gate = (await m.market.intervalOf(m.interval)).gateClosesAt;
    await expect(m.market.connect(m.pv).placeBid(m.interval, SIDE.sell, 100, 100_000))
      .to.be.revertedWithCustomError(m.market, "IntervalGateClosed")
      .withArgs(m.interval, gate, anyValue);
  });

  it("refuses opening an interval whose bid storage the one two days earlier still needs", async function () {
    const m = await market();
    const ring = Number(await m.market.BID_RING());
    // m.interval is open and not yet cleared: the interval BID_RING later shares its bid slots
    await expect(m.market.connect(m.roles.operator).openIntervals(m.interval + ring, 1))
      .to.be.revertedWithCustomError(m.market, "IntervalRingBusy")
      .withArgs(m.interval + ring, m.interval);
    // cleared is not enough: a refund would still need the bids, until the interval is settled
    await m.closeGate(m.interval);
    const cleared = await m.driver.clear(m.interval);
    await expect(m.market.connect(m.roles.operator).openIntervals(m.interval + ring, 1))
      .to.be.revertedWithCustomError(m.market, "IntervalRingBusy")
      .withArgs(m.interval + ring, m.interval);
    const metered = await m.driver.meter(m.interval, await readingsOf(m));
    await m.driver.billAndSettle(m.interval, metered.pages, cleared);
    await expect(m.market.connect(m.roles.operator).openIntervals(m.interval + ring, 1)).to.emit(m.market, "IntervalOpened");
  });

  it("refuses opening an interval twice or with its gate in the past", async function () {
    const m = await market();
    const op = m.market.connect(m.roles.operator);
    await expect(op.openIntervals(m.interval, 1)).to.be.revertedWithCustomError(m.market, "IntervalWrongPhase").withArgs(m.interval, phaseValue("Open"));
    await expect(op.openIntervals(m.interval - 5, 1)).to.be.revertedWithCustomError(m.market, "IntervalGateInPast");
  });

  /** The market with the consumer's buy bid 0 placed (its lock taken). */
  async function withBuy() {
    const m = await market();
    await m.market.connect(m.consumer).placeBid(m.interval, SIDE.buy, 1_000, 100_000);
    return m;
  }

  it("refuses cancelling another household's bid", async function () {
    const m = await withBuy();
    await expect(m.market.connect(m.pv).cancelBid(m.interval, 0))
      .to.be.revertedWithCustomError(m.market, "BidNotOwner")
      .withArgs(m.interval, 0, await m.pv.getAddress());
  });

  it("cancels the owner's live bid before gate closure, releasing its lock", async function () {
    const m = await withBuy();
    await expect(m.market.connect(m.consumer).cancelBid(m.interval, 0)).to.emit(m.market, "BidCancelled");
    expect((await m.market.accountOf(await m.consumer.getAddress())).locked).to.equal(0n);
    expect((await m.market.intervalOf(m.interval)).lockUnits).to.equal(0n);
  });

  it("refuses cancelling a bid twice", async function () {
    const m = await withBuy();
    await m.market.connect(m.consumer).cancelBid(m.interval, 0);
    await expect(m.market.connect(m.consumer).cancelBid(m.interval, 0)).to.be.revertedWithCustomError(m.market, "BidNotFound").withArgs(m.interval, 0);
  });

  it("refuses cancelling a bid after gate closure", async function () {
    const m = await withBuy();
    await m.closeGate(m.interval);
    await expect(m.market.connect(m.consumer).cancelBid(m.interval, 0)).to.be.revertedWithCustomError(m.market, "IntervalGateClosed");
  });
});
