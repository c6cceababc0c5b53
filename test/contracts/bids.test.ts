/** Direct bids and their cancellation: every way they must refuse, each asserted by its custom error and offending values. */
import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";

import { SIDE } from "../../scripts/lib/market-driver.js";
import { buyLockUnits, lemCharges, timeOfUse } from "@kiezstrom/engine/market/tariff";
import { EUR, TARIFFS } from "./fixture.js";
import { market, readingsOf, T0 } from "./markets.js";

describe("KiezMarket refusals: bids", function () {
  it("refuses out-of-bound prices and energy, with the bounds in the error", async function () {
    const m = await market();
    const pv = m.market.connect(m.pv);
    const consumer = m.market.connect(m.consumer);
    await expect(pv.placeBid(m.interval, SIDE.sell, 0, 100_000)).to.be.revertedWithCustomError(m.market, "BidZeroEnergy");
    await expect(pv.placeBid(m.interval, SIDE.sell, 5_001, 100_000))
      .to.be.revertedWithCustomError(m.market, "BidEnergyAboveLimit")
      .withArgs(5_001, 5_000);
    await expect(pv.placeBid(m.interval, SIDE.sell, 100, T0.feedInTariff))
      .to.be.revertedWithCustomError(m.market, "BidAskOutOfRange")
      .withArgs(T0.feedInTariff, T0.feedInTariff, T0.energyPrice);
    await expect(pv.placeBid(m.interval, SIDE.sell, 100, T0.energyPrice)).to.be.revertedWithCustomError(m.market, "BidAskOutOfRange");
    // a consumer has no confirmed metering point to sell from (nor an export limit)
    await expect(consumer.placeBid(m.interval, SIDE.sell, 100, 100_000))
      .to.be.revertedWithCustomError(m.market, "BidSellerNotMetered")
      .withArgs(await m.consumer.getAddress());
    await expect(consumer.placeBid(m.interval, SIDE.buy, 100, T0.energyPrice))
      .to.be.revertedWithCustomError(m.market, "BidPriceNotBelowEnergyPrice")
      .withArgs(T0.energyPrice, T0.energyPrice);
    const tou = timeOfUse(T0);
    const tooHigh = tou - lemCharges(T0); // price + charges = ToU: not below
    await expect(consumer.placeBid(m.interval, SIDE.buy, 100, tooHigh))
      .to.be.revertedWithCustomError(m.market, "BidTotalNotBelowTimeOfUse")
      .withArgs(tooHigh, tou, tou);
    await expect(consumer.placeBid(m.interval, SIDE.buy, 100, 0)).to.be.revertedWithCustomError(m.market, "BidPriceZero");
    await expect(consumer.placeBid(m.interval, 0, 100, 100_000)).to.be.revertedWithCustomError(m.market, "BidInvalidSide");
    await expect(m.market.connect(m.stranger).placeBid(m.interval, SIDE.buy, 100, 100_000))
      .to.be.revertedWithCustomError(m.market, "ParticipantNotRegistered")
      .withArgs(await m.stranger.getAddress());
  });

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

  it("refuses bids for an interval not open, after gate closure, and while paused", async function () {
    const m = await market();
    await expect(m.market.connect(m.pv).placeBid(m.interval + 10, SIDE.sell, 100, 100_000))
      .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
      .withArgs(m.interval + 10, 0);
    await m.market.connect(m.roles.admin).pause();
    await expect(m.market.connect(m.pv).placeBid(m.interval, SIDE.sell, 100, 100_000)).to.be.revertedWithCustomError(m.market, "EnforcedPause");
    await m.market.connect(m.roles.admin).unpause();
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
    await expect(op.openIntervals(m.interval, 1)).to.be.revertedWithCustomError(m.market, "IntervalWrongPhase").withArgs(m.interval, 1);
    await expect(op.openIntervals(m.interval - 5, 1)).to.be.revertedWithCustomError(m.market, "IntervalGateInPast");
  });

  it("cancels only the owner's live bid before gate closure, releasing its lock", async function () {
    const m = await market();
    await m.market.connect(m.consumer).placeBid(m.interval, SIDE.buy, 1_000, 100_000);
    await expect(m.market.connect(m.pv).cancelBid(m.interval, 0))
      .to.be.revertedWithCustomError(m.market, "BidNotOwner")
      .withArgs(m.interval, 0, await m.pv.getAddress());
    await expect(m.market.connect(m.consumer).cancelBid(m.interval, 0)).to.emit(m.market, "BidCancelled");
    expect((await m.market.accountOf(await m.consumer.getAddress())).locked).to.equal(0n);
    expect((await m.market.intervalOf(m.interval)).lockUnits).to.equal(0n);
    await expect(m.market.connect(m.consumer).cancelBid(m.interval, 0)).to.be.revertedWithCustomError(m.market, "BidNotFound").withArgs(m.interval, 0);
    await m.market.connect(m.pv).placeBid(m.interval, SIDE.sell, 1_000, 100_000);
    await m.closeGate(m.interval);
    await expect(m.market.connect(m.pv).cancelBid(m.interval, 1)).to.be.revertedWithCustomError(m.market, "IntervalGateClosed");
  });
});
