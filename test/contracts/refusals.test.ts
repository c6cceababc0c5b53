/** Every way an action must refuse, each asserted by its custom error and offending values. */
import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";

import { Signature } from "ethers";

import { bidDomain, CLASS, NO_TRADE, orderPages, packReadings, PHASE, SIDE, signBid, type Reading } from "../../scripts/lib/market-driver.js";
import { EIP712_BID_TYPES, EIP2612_PERMIT_TYPES } from "@kiezstrom/engine/market/onchain";
import { bidWord, orderRef, signedTerms } from "@kiezstrom/engine/market/words";
import type { OrderBid } from "@kiezstrom/engine/market/clearing";
import { buyLockUnits, lemCharges, timeOfUse } from "@kiezstrom/engine/market/tariff";
import { tariffStruct } from "../../scripts/lib/market-driver.js";
import { deployCommunity, EUR, TARIFFS } from "./fixture.js";

const T0 = TARIFFS[0].prices;

/** Four registered, funded households and one open interval. */
async function market() {
  const f = await deployCommunity();
  const [pv, battery, consumer, consumer2, stranger] = f.households;
  await f.register(pv, "pv", 0);
  await f.register(battery, "pvBattery", 0);
  await f.register(consumer, "consumer", 0);
  await f.register(consumer2, "consumer", 1);
  await f.fund([pv, battery, consumer, consumer2], 20n * EUR);
  await f.fund([f.roles.supplier0, f.roles.supplier1], 20n * EUR);
  const interval = await f.openNextInterval();
  return { ...f, pv, battery, consumer, consumer2, stranger, interval };
}

/** A market with bids placed and the gate closed, ready to clear. */
async function closedMarket() {
  const m = await market();
  const placed: [typeof m.pv, "sell" | "buy", number, number][] = [
    [m.pv, "sell", 800, 100_000],
    [m.battery, "sell", 500, 120_000],
    [m.consumer, "buy", 600, 140_000],
    [m.consumer2, "buy", 900, 125_000],
  ];
  const bids: OrderBid[] = [];
  for (const [who, side, wh, price] of placed) {
    await m.market.connect(who).placeBid(m.interval, SIDE[side], wh, price);
    bids.push({ index: bids.length, participant: await who.getAddress(), side, wh, price });
  }
  await m.closeGate(m.interval);
  return { ...m, bids };
}

async function readingsOf(m: Awaited<ReturnType<typeof market>>): Promise<Reading[]> {
  return [
    { participant: await m.pv.getAddress(), importWh: 0, exportWh: 800 },
    { participant: await m.battery.getAddress(), importWh: 0, exportWh: 500 },
    { participant: await m.consumer.getAddress(), importWh: 600, exportWh: 0 },
    { participant: await m.consumer2.getAddress(), importWh: 900, exportWh: 0 },
  ];
}

describe("KiezMarket refusals", function () {
  describe("registration and roles", function () {
    it("refuses an invalid class, a consumer with an export limit, an unknown supplier and a second registration", async function () {
      const m = await market();
      const c = m.market.connect(m.stranger);
      await expect(c.register(0, 0, 1000, 0))
        .to.be.revertedWithCustomError(m.market, "ParticipantInvalidClass")
        .withArgs(0);
      await expect(c.register(4, 0, 1000, 0))
        .to.be.revertedWithCustomError(m.market, "ParticipantInvalidClass")
        .withArgs(4);
      await expect(c.register(CLASS.consumer, 0, 1000, 10))
        .to.be.revertedWithCustomError(m.market, "ParticipantConsumerCannotExport")
        .withArgs(10);
      await expect(c.register(CLASS.pv, 2, 1000, 1000))
        .to.be.revertedWithCustomError(m.market, "MarketUnknownSupplier")
        .withArgs(2, 2);
      await expect(m.market.connect(m.pv).register(CLASS.pv, 0, 1000, 1000))
        .to.be.revertedWithCustomError(m.market, "ParticipantAlreadyRegistered")
        .withArgs(await m.pv.getAddress());
    });

    it("lets only the admin onboard, set tariffs and pause; only the operator open intervals; only the meter post readings", async function () {
      const m = await market();
      const s = m.market.connect(m.stranger);
      const who = await m.stranger.getAddress();
      await expect(s.onboard([who], [{ class: 1, supplier: 0, importLimitWh: 1, exportLimitWh: 0, meteringPoint: 0 }]))
        .to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount")
        .withArgs(who, await m.market.DEFAULT_ADMIN_ROLE());
      await expect(s.setTariffs(TARIFFS.map(tariffStruct))).to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount");
      await expect(s.pause()).to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount");
      await expect(s.openIntervals(m.interval + 5, 1))
        .to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount")
        .withArgs(who, await m.market.OPERATOR_ROLE());
      await expect(s.postReadings(m.interval, [])).to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount");
      // the admin's batch onboarding works
      await m.market.connect(m.roles.admin).onboard([who], [{ class: 1, supplier: 1, importLimitWh: 3000, exportLimitWh: 0, meteringPoint: 0 }]);
      expect((await m.market.participantOf(who)).supplier).to.equal(1n);
    });

    it("refuses tariffs that break the case study's constraints, and keeps an open interval's tariff", async function () {
      const m = await market();
      const admin = m.market.connect(m.roles.admin);
      const bad = TARIFFS.map(tariffStruct);
      bad[1] = { ...bad[1], lemSupplierMargin: bad[1].supplierMargin - 1 };
      await expect(admin.setTariffs(bad))
        .to.be.revertedWithCustomError(m.market, "TariffLemMarginBelowGrid")
        .withArgs(1, TARIFFS[1].prices.supplierMargin - 1, TARIFFS[1].prices.supplierMargin);
      const fitTooHigh = TARIFFS.map(tariffStruct);
      fitTooHigh[0] = { ...fitTooHigh[0], feedInTariff: T0.energyPrice };
      await expect(admin.setTariffs(fitTooHigh)).to.be.revertedWithCustomError(m.market, "TariffFeedInNotBelowEnergyPrice");
      const cheaper = TARIFFS.map(tariffStruct);
      cheaper[0] = { ...cheaper[0], energyPrice: 150_000 };
      await expect(admin.setTariffs(cheaper)).to.emit(m.market, "TariffSet").withArgs(0, 1, anyValue);
      // the interval opened before keeps epoch 0: an ask of 160,000 (< EP 170,000) is still fine there
      await m.market.connect(m.pv).placeBid(m.interval, SIDE.sell, 100, 160_000);
      // so does the next interval, opened within the notice period
      const next = m.interval + 1;
      await m.market.connect(m.roles.operator).openIntervals(next, 1);
      expect((await m.market.intervalOf(next)).tariffEpoch).to.equal(0n);
      // an interval starting once the notice has run takes the new tariff
      await m.networkHelpers.time.increase(30 * 86_400);
      const later = await m.openNextInterval(4); // a ring slot the two open intervals do not hold
      expect((await m.market.intervalOf(later)).tariffEpoch).to.equal(1n);
      await expect(m.market.connect(m.pv).placeBid(later, SIDE.sell, 100, 160_000))
        .to.be.revertedWithCustomError(m.market, "BidAskOutOfRange")
        .withArgs(160_000, T0.feedInTariff, 150_000);
    });
  });

  describe("ledger", function () {
    it("refuses zero amounts and overdrawing, and lets withdrawals through while paused", async function () {
      const m = await market();
      await expect(m.market.connect(m.pv).deposit(0)).to.be.revertedWithCustomError(m.market, "LedgerZeroAmount");
      await expect(m.market.connect(m.pv).withdraw(21n * EUR))
        .to.be.revertedWithCustomError(m.market, "LedgerInsufficientFree")
        .withArgs(await m.pv.getAddress(), 21n * EUR, 20n * EUR);
      await m.market.connect(m.roles.admin).pause();
      await expect(m.market.connect(m.pv).withdraw(5n * EUR))
        .to.emit(m.market, "Withdrawn")
        .withArgs(await m.pv.getAddress(), 5n * EUR);
      expect(await m.token.balanceOf(await m.pv.getAddress())).to.equal(5n * EUR);
    });

    it("deposits with an EIP-2612 permit instead of an approval", async function () {
      const m = await market();
      const owner = m.stranger;
      const addr = await owner.getAddress();
      await m.token.connect(m.roles.admin).mint(addr, 7n * EUR);
      const deadline = BigInt((await m.networkHelpers.time.latest()) + 3600);
      const { chainId } = await m.ethers.provider.getNetwork();
      const signature = await owner.signTypedData(
        { name: "Kiezstrom Euro", version: "1", chainId, verifyingContract: await m.token.getAddress() },
        { Permit: [...EIP2612_PERMIT_TYPES.Permit] },
        { owner: addr, spender: await m.market.getAddress(), value: 7n * EUR, nonce: 0n, deadline },
      );
      const { v, r, s } = m.ethers.Signature.from(signature);
      await expect(m.market.connect(owner).depositWithPermit(7n * EUR, deadline, v, r, s))
        .to.emit(m.market, "Deposited")
        .withArgs(addr, 7n * EUR);
      expect((await m.market.accountOf(addr)).free).to.equal(7n * EUR);
    });
  });

  describe("bids", function () {
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

  describe("signed bids", function () {
    async function signed(m: Awaited<ReturnType<typeof market>>, overrides: Partial<{ nonce: bigint; deadline: bigint; price: number }> = {}) {
      const deadline = overrides.deadline ?? BigInt((await m.networkHelpers.time.latest()) + 600);
      return signBid(m.consumer, await bidDomain(m.market), {
        interval: m.interval,
        side: "buy",
        wh: 500,
        price: overrides.price ?? 110_000,
        nonce: overrides.nonce ?? 0n,
        deadline,
      });
    }

    it("accepts a relayed batch, refuses a replay, and cancels a relayed bid handed back in its batch", async function () {
      const m = await market();
      const first = await signed(m);
      const second = await signed(m, { nonce: 1n, price: 111_000 });
      const relayer = m.market.connect(m.stranger);
      const consumer = await m.consumer.getAddress();
      const words = [
        bidWord.pack({ participant: consumer, side: SIDE.buy, wh: 500, price: 110_000 }),
        bidWord.pack({ participant: consumer, side: SIDE.buy, wh: 500, price: 111_000 }),
      ];
      await expect(relayer.submitSignedBids(m.interval, [first, second]))
        .to.emit(m.market, "BidsPlaced")
        .withArgs(m.interval, 0, 0, words);
      expect((await m.market.accountOf(consumer)).bidNonce).to.equal(2n);
      // a replayed signature is skipped and reported, never placed twice
      await expect(relayer.submitSignedBids(m.interval, [first]))
        .to.emit(m.market, "SignedBidSkipped")
        .withArgs(m.interval, consumer, 0, 2)
        .and.not.to.emit(m.market, "BidsPlaced");
      // a nonce ahead of the signer's next one is refused
      await expect(relayer.submitSignedBids(m.interval, [await signed(m, { nonce: 3n })]))
        .to.be.revertedWithCustomError(m.market, "SignatureWrongNonce")
        .withArgs(consumer, 2, 3);
      const [batch] = await m.batches(m.interval);
      expect(batch.bids).to.deep.equal(words);
      const lockedBefore = (await m.market.accountOf(consumer)).locked;
      await expect(m.market.connect(m.pv).cancelSignedBid(m.interval, batch, 1))
        .to.be.revertedWithCustomError(m.market, "BidNotOwner")
        .withArgs(m.interval, 1, await m.pv.getAddress());
      // a batch handed back altered (another price) or under another number is not the one placed
      const altered = { ...batch, bids: [batch.bids[0] - (1n << 32n), batch.bids[1]] };
      await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, altered, 1))
        .to.be.revertedWithCustomError(m.market, "BidBatchMismatch")
        .withArgs(m.interval, 0);
      await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, { ...batch, batch: 1 }, 1))
        .to.be.revertedWithCustomError(m.market, "BidBatchMismatch")
        .withArgs(m.interval, 1);
      await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, batch, 2))
        .to.be.revertedWithCustomError(m.market, "BidNotFound")
        .withArgs(m.interval, 2);
      await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, batch, 1))
        .to.emit(m.market, "BidCancelled")
        .withArgs(m.interval, 1, consumer);
      expect(lockedBefore - (await m.market.accountOf(consumer)).locked).to.equal(BigInt(buyLockUnits(T0, 500, 111_000)) * 10n ** 9n);
      // the stored digest now has the bid cancelled: the batch as first placed no longer matches; the updated one names no live bid there
      await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, batch, 1)).to.be.revertedWithCustomError(m.market, "BidBatchMismatch");
      const [updated] = await m.batches(m.interval);
      await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, updated, 1))
        .to.be.revertedWithCustomError(m.market, "BidNotFound")
        .withArgs(m.interval, 1);
      await m.closeGate(m.interval);
      await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, updated, 0)).to.be.revertedWithCustomError(m.market, "IntervalGateClosed");
    });

    it("orders relayed bids only from their batches as placed", async function () {
      const m = await market();
      await m.market.connect(m.stranger).submitSignedBids(m.interval, [await signed(m), await signed(m, { nonce: 1n, price: 111_000 })]);
      await m.closeGate(m.interval);
      const [batch] = await m.batches(m.interval);
      const altered = { ...batch, bids: [batch.bids[0] + (1_000n << 32n), batch.bids[1]] }; // a buy limit raised after signing
      await expect(m.market.submitOrder(m.interval, SIDE.buy, [altered], [orderRef.handedBack(1), orderRef.handedBack(0)]))
        .to.be.revertedWithCustomError(m.market, "BidBatchMismatch")
        .withArgs(m.interval, 0);
      await expect(m.market.submitOrder(m.interval, SIDE.buy, [{ ...batch, batch: 1 }], [orderRef.handedBack(1), orderRef.handedBack(0)]))
        .to.be.revertedWithCustomError(m.market, "BidBatchMismatch")
        .withArgs(m.interval, 1);
      await expect(m.market.submitOrder(m.interval, SIDE.buy, [batch], [orderRef.handedBack(1), orderRef.handedBack(0)])).to.emit(
        m.market,
        "OrderPageCommitted",
      );
    });

    it("checks each relayed bid against its own signer's supplier in a batch mixing suppliers", async function () {
      const m = await market();
      const domain = await bidDomain(m.market);
      const deadline = BigInt((await m.networkHelpers.time.latest()) + 600);
      const buy = (who: typeof m.consumer, price: number, nonce: bigint) =>
        signBid(who, domain, { interval: m.interval, side: "buy", wh: 500, price, nonce, deadline });
      const [s0, s1] = TARIFFS.map((t) => t.prices);
      // 148,000 plus LEM charges stays below supplier 0's ToU but not below supplier 1's
      expect(148_000 + lemCharges(s0)).to.be.below(timeOfUse(s0));
      await expect(m.market.submitSignedBids(m.interval, [await buy(m.consumer, 148_000, 0n), await buy(m.consumer2, 148_000, 0n)]))
        .to.be.revertedWithCustomError(m.market, "BidTotalNotBelowTimeOfUse")
        .withArgs(148_000, 148_000 + lemCharges(s1), timeOfUse(s1));
      // accepted at 146,000, each buy locks its cost at its own supplier's LEM charges
      await m.market.submitSignedBids(m.interval, [await buy(m.consumer, 146_000, 0n), await buy(m.consumer2, 146_000, 0n)]);
      const [lock0, lock1] = [BigInt(buyLockUnits(s0, 500, 146_000)), BigInt(buyLockUnits(s1, 500, 146_000))];
      expect(lock0).to.not.equal(lock1);
      expect((await m.market.accountOf(await m.consumer.getAddress())).locked).to.equal(lock0 * 10n ** 9n);
      expect((await m.market.accountOf(await m.consumer2.getAddress())).locked).to.equal(lock1 * 10n ** 9n);
      const iv = await m.market.intervalOf(m.interval);
      expect(iv.lockUnits).to.equal(lock0 + lock1);
      expect([iv.buyCount, iv.sellCount]).to.deep.equal([2n, 0n]);
    });

    it("refuses an empty or oversized batch, a bid for another interval and a bid with no side", async function () {
      const m = await market();
      await expect(m.market.submitSignedBids(m.interval, [])).to.be.revertedWithCustomError(m.market, "BidBatchSize").withArgs(0, 256);
      const one = await signed(m);
      await expect(m.market.submitSignedBids(m.interval, Array(257).fill(one)))
        .to.be.revertedWithCustomError(m.market, "BidBatchSize")
        .withArgs(257, 256);
      // the signature binds the interval: relayed into the next one it recovers another, unregistered, signer
      await m.market.connect(m.roles.operator).openIntervals(m.interval + 1, 1);
      await expect(m.market.submitSignedBids(m.interval + 1, [one])).to.be.revertedWithCustomError(m.market, "SignatureSignerNotRegistered");
      const deadline = BigInt((await m.networkHelpers.time.latest()) + 600);
      const message = { interval: m.interval, side: 0, wh: 500, price: 110_000, nonce: 0n, deadline };
      const sig = Signature.from(await m.consumer.signTypedData(await bidDomain(m.market), { Bid: [...EIP712_BID_TYPES.Bid] }, message));
      await expect(m.market.submitSignedBids(m.interval, [{ terms: signedTerms.pack(message), r: sig.r, vs: sig.yParityAndS }]))
        .to.be.revertedWithCustomError(m.market, "BidInvalidSide")
        .withArgs(0);
    });

    it("refuses an expired, a tampered, a malformed and a cross-chain signature", async function () {
      const m = await market();
      const now = BigInt(await m.networkHelpers.time.latest());
      const expired = await signed(m, { deadline: now - 1n });
      await expect(m.market.submitSignedBids(m.interval, [expired]))
        .to.be.revertedWithCustomError(m.market, "SignatureExpired")
        .withArgs(now - 1n, anyValue);
      const good = await signed(m);
      const tampered = { ...good, terms: good.terms - (20_000n << 96n) }; // another price than signed: another signer
      await expect(m.market.submitSignedBids(m.interval, [tampered])).to.be.revertedWithCustomError(m.market, "SignatureSignerNotRegistered");
      const malformed = { ...good, r: `0x${"00".repeat(32)}` };
      await expect(m.market.submitSignedBids(m.interval, [malformed]))
        .to.be.revertedWithCustomError(m.market, "SignatureInvalid")
        .withArgs("0x0000000000000000000000000000000000000000");
      const domain = await bidDomain(m.market);
      const otherChain = await signBid(
        m.consumer,
        { ...domain, chainId: 137n },
        {
          interval: m.interval,
          side: "buy",
          wh: 500,
          price: 110_000,
          nonce: 0n,
          deadline: now + 600n,
        },
      );
      await expect(m.market.submitSignedBids(m.interval, [otherChain])).to.be.revertedWithCustomError(m.market, "SignatureSignerNotRegistered");
      const otherMarket = await signBid(
        m.consumer,
        { ...domain, verifyingContract: await m.token.getAddress() },
        {
          interval: m.interval,
          side: "buy",
          wh: 500,
          price: 110_000,
          nonce: 0n,
          deadline: now + 600n,
        },
      );
      await expect(m.market.submitSignedBids(m.interval, [otherMarket])).to.be.revertedWithCustomError(m.market, "SignatureSignerNotRegistered");
    });

    it("refuses a signature whose s lies in the upper half of the curve order, before recovering anyone", async function () {
      const m = await market();
      const good = await signed(m);
      // In the 64-byte form the twin (r, n - s) of a low-s signature almost never fits 255 bits; an s just above half
      // the order is refused by name, where without the check it would recover some unregistered address.
      const highS = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a1n;
      const vs = (BigInt(good.vs) & (1n << 255n)) | highS;
      const high = { ...good, vs: `0x${vs.toString(16).padStart(64, "0")}` };
      await expect(m.market.submitSignedBids(m.interval, [high]))
        .to.be.revertedWithCustomError(m.market, "SignatureMalleable")
        .withArgs(`0x${highS.toString(16).padStart(64, "0")}`);
    });
  });

  describe("clearing", function () {
    it("refuses clearing before gate closure", async function () {
      const m = await market();
      await m.market.connect(m.pv).placeBid(m.interval, SIDE.sell, 100, 100_000);
      await expect(m.submitOrder(m.interval, SIDE.sell, [0])).to.be.revertedWithCustomError(m.market, "IntervalGateNotClosed");
      await expect(m.market.clear(m.interval, NO_TRADE, 0, [], [])).to.be.revertedWithCustomError(m.market, "IntervalGateNotClosed");
    });

    it("refuses a wrong sort order, a wrong side, an overlong page and clearing before ordering is complete", async function () {
      const m = await closedMarket();
      // sells: bid 0 at 100k, bid 1 at 120k — descending is wrong
      await expect(m.submitOrder(m.interval, SIDE.sell, [1, 0]))
        .to.be.revertedWithCustomError(m.market, "OrderNotSorted")
        .withArgs(m.interval, SIDE.sell, (120_000n << 32n) | 1n, 100_000n << 32n);
      await expect(m.submitOrder(m.interval, SIDE.sell, [0, 2]))
        .to.be.revertedWithCustomError(m.market, "OrderWrongSide")
        .withArgs(m.interval, 2, SIDE.sell, SIDE.buy);
      await expect(m.submitOrder(m.interval, SIDE.sell, [0, 1, 1])).to.be.revertedWithCustomError(m.market, "OrderTooLong");
      await expect(m.submitOrder(m.interval, SIDE.sell, [0, 0])).to.be.revertedWithCustomError(m.market, "OrderNotSorted");
      // a relayed bid is named by its position in the batches handed back: none here, so position 0 is not supplied
      await expect(m.market.submitOrder(m.interval, SIDE.sell, [], [orderRef.handedBack(0), orderRef.direct(1)]))
        .to.be.revertedWithCustomError(m.market, "OrderPositionNotSupplied")
        .withArgs(SIDE.sell, 0);
      await m.submitOrder(m.interval, SIDE.sell, [0, 1]);
      await expect(m.market.clear(m.interval, 1, 1, [], []))
        .to.be.revertedWithCustomError(m.market, "OrderIncomplete")
        .withArgs(m.interval, SIDE.buy, 0, 2);
    });

    it("refuses a marginal pair where the merge does not stop, a non-matching pair, a tampered page, and a second clearing", async function () {
      const m = await closedMarket();
      const { sells, buys } = { sells: [m.bids[0], m.bids[1]], buys: [m.bids[2], m.bids[3]] };
      await m.submitOrder(m.interval, SIDE.sell, [0, 1]);
      await m.submitOrder(m.interval, SIDE.buy, [2, 3]);
      const sp = orderPages(sells, 10);
      const bp = orderPages(buys, 10);
      // true marginal pair is (1, 1); claiming (0, 1) leaves seller 1 at 120k ≤ buyer 1 at 125k matchable
      await expect(m.market.clear(m.interval, 0, 1, sp, bp))
        .to.be.revertedWithCustomError(m.market, "ClearingStillMatchable")
        .withArgs(1, 1);
      await expect(m.market.clear(m.interval, NO_TRADE, 0, sp, bp))
        .to.be.revertedWithCustomError(m.market, "ClearingStillMatchable")
        .withArgs(0, 0);
      await expect(m.market.clear(m.interval, 1, 0, sp, bp))
        .to.be.revertedWithCustomError(m.market, "ClearingPairDisjoint")
        .withArgs(1, 0);
      const tampered = [{ ...sp[0], entries: sp[0].entries.map((e, i) => (i === 0 ? e + (1n << 64n) : e)) }];
      await expect(m.market.clear(m.interval, 1, 1, tampered, bp))
        .to.be.revertedWithCustomError(m.market, "OrderPageMismatch")
        .withArgs(m.interval, SIDE.sell, 0);
      await expect(m.market.clear(m.interval, 1, 1, [], bp))
        .to.be.revertedWithCustomError(m.market, "OrderPositionNotSupplied")
        .withArgs(SIDE.sell, 1);
      await m.market.connect(m.roles.admin).pause();
      await expect(m.market.clear(m.interval, 1, 1, sp, bp)).to.be.revertedWithCustomError(m.market, "EnforcedPause");
      await m.market.connect(m.roles.admin).unpause();
      await expect(m.market.clear(m.interval, 1, 1, sp, bp))
        .to.emit(m.market, "IntervalCleared")
        .withArgs(m.interval, 122_500, 1300);
      await expect(m.market.clear(m.interval, 1, 1, sp, bp))
        .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
        .withArgs(m.interval, 3);
    });

    it("orders and clears in one transaction, refusing an incomplete order, a started paged order and a wrong pair", async function () {
      const m = await closedMarket();
      // one bid named twice: on its own side the keys do not increase, on the other it has the wrong side
      await expect(m.market.orderAndClear(m.interval, [], [0, 1], [2, 2], 1, 1)).to.be.revertedWithCustomError(m.market, "OrderNotSorted");
      await expect(m.market.orderAndClear(m.interval, [], [0, 1], [1, 3], 1, 1))
        .to.be.revertedWithCustomError(m.market, "OrderWrongSide")
        .withArgs(m.interval, 1, SIDE.buy, SIDE.sell);
      await expect(m.orderAndClear(m.interval, [0, 1], [2], 1, 1))
        .to.be.revertedWithCustomError(m.market, "OrderIncomplete")
        .withArgs(m.interval, SIDE.buy, 1, 2);
      await expect(m.orderAndClear(m.interval, [1, 0], [2, 3], 1, 1)).to.be.revertedWithCustomError(m.market, "OrderNotSorted");
      await expect(m.orderAndClear(m.interval, [0, 1], [2, 3], 0, 1))
        .to.be.revertedWithCustomError(m.market, "ClearingStillMatchable")
        .withArgs(1, 1);
      await m.market.connect(m.roles.admin).pause();
      await expect(m.orderAndClear(m.interval, [0, 1], [2, 3], 1, 1)).to.be.revertedWithCustomError(m.market, "EnforcedPause");
      await m.market.connect(m.roles.admin).unpause();
      await expect(m.orderAndClear(m.interval, [0, 1], [2, 3], 1, 1))
        .to.emit(m.market, "IntervalCleared")
        .withArgs(m.interval, 122_500, 1300);
      await expect(m.orderAndClear(m.interval, [0, 1], [2, 3], 1, 1))
        .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
        .withArgs(m.interval, 3);
    });

    it("refuses the one-transaction clearing once paged ordering has begun, and before gate closure", async function () {
      const early = await market();
      await early.market.connect(early.pv).placeBid(early.interval, SIDE.sell, 100, 100_000);
      await expect(early.orderAndClear(early.interval, [0], [], NO_TRADE, 0)).to.be.revertedWithCustomError(early.market, "IntervalGateNotClosed");
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

  describe("metering, billing and settlement", function () {
    it("refuses readings before clearing, from an unregistered meter point, and billing before metering is finished", async function () {
      const m = await closedMarket();
      const readings = await readingsOf(m);
      const meter = m.market.connect(m.roles.meter);
      await expect(meter.postReadings(m.interval, readings)).to.be.revertedWithCustomError(m.market, "IntervalWrongPhase").withArgs(m.interval, 1);
      const cleared = await m.driver.clear(m.interval);
      await expect(meter.postReadings(m.interval, [{ participant: await m.stranger.getAddress(), importWh: 1, exportWh: 0 }])).to.be.revertedWithCustomError(
        m.market,
        "ParticipantNotRegistered",
      );
      await expect(meter.finishMetering(m.interval)).to.be.revertedWithCustomError(m.market, "IntervalWrongPhase").withArgs(m.interval, 3);
      await meter.postReadings(m.interval, readings);
      const metered = readings.map((r) => ({ ...r, supplier: m.participants.get(r.participant.toLowerCase())!.supplier }));
      await expect(
        m.market.connect(m.roles.operator).bill(m.interval, 0, {
          unmetered: [],
          readings: packReadings(metered),
          refs: readings.map(() => ({ sellPositions: [], buyPositions: [] })),
          sellPages: cleared.sellPages,
          buyPages: cleared.buyPages,
        }),
      )
        .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
        .withArgs(m.interval, 4);
    });

    it("refuses bills that leave out a fill or misattribute a bid, and lets the operator restart billing", async function () {
      const m = await closedMarket();
      const readings = await readingsOf(m);
      const cleared = await m.driver.clear(m.interval);
      const { pages } = await m.driver.meter(m.interval, readings);
      const metered = pages[0];
      const op = m.market.connect(m.roles.operator);
      const none = { sellPositions: [], buyPositions: [] };
      // pv's sell (position 0) billed to battery
      await expect(
        op.bill(m.interval, 0, {
          unmetered: [],
          readings: packReadings(metered),
          refs: [none, { sellPositions: [0], buyPositions: [] }, none, none],
          sellPages: cleared.sellPages,
          buyPages: cleared.buyPages,
        }),
      )
        .to.be.revertedWithCustomError(m.market, "BillingWrongParticipant")
        .withArgs(m.interval, SIDE.sell, 0, await m.battery.getAddress(), await m.pv.getAddress());
      // every fill left out
      await expect(
        op.bill(m.interval, 0, {
          unmetered: [],
          readings: packReadings(metered),
          refs: readings.map(() => none),
          sellPages: cleared.sellPages,
          buyPages: cleared.buyPages,
        }),
      )
        .to.be.revertedWithCustomError(m.market, "BillingTotalsMismatch")
        .withArgs(m.interval, 0, 0, 1300);
      await expect(
        op.bill(m.interval, 1, { unmetered: [], readings: packReadings(metered), refs: readings.map(() => none), sellPages: [], buyPages: [] }),
      ).to.be.revertedWithCustomError(m.market, "MeterPageMismatch");
      const wrongSupplier = metered.map((r, i) => (i === 0 ? { ...r, supplier: 1 } : r));
      await expect(
        op.bill(m.interval, 0, { unmetered: [], readings: packReadings(wrongSupplier), refs: readings.map(() => none), sellPages: [], buyPages: [] }),
      )
        .to.be.revertedWithCustomError(m.market, "MeterPageMismatch")
        .withArgs(m.interval, 0);
      await expect(
        m.market
          .connect(m.stranger)
          .bill(m.interval, 0, { unmetered: [], readings: packReadings(metered), refs: readings.map(() => none), sellPages: [], buyPages: [] }),
      ).to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount");
      await expect(op.restartBilling(m.interval)).to.be.revertedWithCustomError(m.market, "IntervalWrongPhase").withArgs(m.interval, 5);
      const billed = await m.driver.bill(m.interval, pages, cleared);
      await expect(m.market.settle(m.interval, 0, [{ ...billed.billPages[0][0], gridImportWh: 1 }, ...billed.billPages[0].slice(1)]))
        .to.be.revertedWithCustomError(m.market, "BillPageMismatch")
        .withArgs(m.interval, 0);
      await expect(m.market.settle(m.interval, 1, billed.billPages[0]))
        .to.be.revertedWithCustomError(m.market, "SettlementPageOutOfOrder")
        .withArgs(m.interval, 1, 0);
      await m.driver.settle(m.interval, billed.billPages);
      await expect(m.market.settle(m.interval, 0, billed.billPages[0]))
        .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
        .withArgs(m.interval, 9);
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

    it("bills and settles a one-page interval in one transaction, refusing incomplete bills with nothing moved", async function () {
      const m = await closedMarket();
      const readings = await readingsOf(m);
      const cleared = await m.driver.clear(m.interval);
      const { pages } = await m.driver.meter(m.interval, readings);
      const op = m.market.connect(m.roles.operator);
      await expect(
        m.market.connect(m.stranger).billAndSettle(m.interval, { unmetered: [], refs: [], readings: packReadings(pages[0]), sellPages: [], buyPages: [] }),
      ).to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount");
      const before = await m.market.accountOf(await m.consumer.getAddress());
      // without the order pages no fill can be found: nothing is accounted for
      await expect(op.billAndSettle(m.interval, { unmetered: [], refs: [], readings: packReadings(pages[0]), sellPages: [], buyPages: [] }))
        .to.be.revertedWithCustomError(m.market, "BillingTotalsMismatch")
        .withArgs(m.interval, 0, 0, 1300);
      // without the buy pages the buyers' fills are missing
      await expect(op.billAndSettle(m.interval, { unmetered: [], refs: [], readings: packReadings(pages[0]), sellPages: cleared.sellPages, buyPages: [] }))
        .to.be.revertedWithCustomError(m.market, "BillingTotalsMismatch")
        .withArgs(m.interval, 1300, 0, 1300);
      // a page given twice, or altered, is refused
      await expect(
        op.billAndSettle(m.interval, {
          unmetered: [],
          refs: [],
          readings: packReadings(pages[0]),
          sellPages: [cleared.sellPages[0], cleared.sellPages[0]],
          buyPages: cleared.buyPages,
        }),
      )
        .to.be.revertedWithCustomError(m.market, "OrderPagesNotConsecutive")
        .withArgs(SIDE.sell, cleared.sellPages[0].entries.length, 0);
      const altered = { ...cleared.buyPages[0], cumStartWh: 1 };
      await expect(
        op.billAndSettle(m.interval, { unmetered: [], refs: [], readings: packReadings(pages[0]), sellPages: cleared.sellPages, buyPages: [altered] }),
      )
        .to.be.revertedWithCustomError(m.market, "OrderPageMismatch")
        .withArgs(m.interval, SIDE.buy, 0);
      // a reading listed twice: its fills are taken once, so the totals still hold, but it would be settled twice
      // — the meter digest refuses a page that differs from the posted one
      await expect(
        op.billAndSettle(m.interval, {
          unmetered: [],
          refs: [],
          readings: packReadings([...pages[0], pages[0][0]]),
          sellPages: cleared.sellPages,
          buyPages: cleared.buyPages,
        }),
      )
        .to.be.revertedWithCustomError(m.market, "MeterPageMismatch")
        .withArgs(m.interval, 0);
      expect((await m.market.accountOf(await m.consumer.getAddress())).free).to.equal(before.free);
      await m.driver.billAndSettle(m.interval, pages, cleared);
      expect(PHASE[Number((await m.market.intervalOf(m.interval)).phase)]).to.equal("Settled");
      await expect(op.billAndSettle(m.interval, { unmetered: [], refs: [], readings: packReadings(pages[0]), sellPages: [], buyPages: [] }))
        .to.be.revertedWithCustomError(m.market, "IntervalWrongPhase")
        .withArgs(m.interval, 9);
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
        .withArgs(interval, 3);
      const readings = [{ participant: await pv.getAddress(), importWh: 0, exportWh: 1_000 }];
      const metered = await f.driver.meter(interval, readings);
      await expect(f.market.settle(interval, 0, []))
        .to.be.revertedWithCustomError(f.market, "IntervalWrongPhase")
        .withArgs(interval, 5);
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

  describe("factory", function () {
    it("creates independent communities and refuses a second initialization", async function () {
      const m = await market();
      const impl = await m.factory.implementation();
      const init = {
        admin: await m.roles.admin.getAddress(),
        operator: await m.roles.operator.getAddress(),
        meter: await m.roles.meter.getAddress(),
        token: await m.token.getAddress(),
        platform: await m.roles.platform.getAddress(),
        taxCollector: await m.roles.taxCollector.getAddress(),
        networkOperator: await m.roles.networkOperator.getAddress(),
        suppliers: [await m.roles.supplier0.getAddress()],
        tariffs: [tariffStruct(TARIFFS[0])],
        gateLeadSeconds: 600,
        dayStartSlot: 92,
        orderPageSize: 400,
      };
      const created = await (await m.factory.createCommunity("Second", init)).wait();
      const event = created!.logs.map((l) => m.factory.interface.parseLog(l)).find((e) => e?.name === "CommunityCreated")!;
      const second = m.market.attach(event.args.market) as typeof m.market;
      expect(await second.getAddress()).to.not.equal(await m.market.getAddress());
      expect(await second.supplierCount()).to.equal(1n);
      expect((await second.config()).gateLeadSeconds).to.equal(600n);
      expect(await second.token()).to.equal(await m.token.getAddress());
      expect((await second.participantOf(await m.pv.getAddress())).class).to.equal(0n);
      await expect(second.initialize(init)).to.be.revertedWithCustomError(m.market, "InvalidInitialization");
      await expect((m.market.attach(impl) as typeof m.market).initialize(init)).to.be.revertedWithCustomError(m.market, "InvalidInitialization");
    });
  });
});
