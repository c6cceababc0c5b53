/** Relayed EIP-712 signed bids: every way they must refuse, each asserted by its custom error and offending values. */
import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { Signature } from "ethers";

import { bidDomain, SIDE, signBid } from "../../scripts/lib/market-driver.js";
import { EIP712_BID_TYPES } from "@kiezstrom/engine/market/onchain";
import { bidWord, orderRef, signedTerms } from "@kiezstrom/engine/market/words";
import { buyLockUnits, lemCharges, timeOfUse } from "@kiezstrom/engine/market/tariff";
import { TARIFFS } from "./fixture.js";
import { market, T0 } from "./markets.js";

describe("KiezMarket refusals: signed bids", function () {
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

  /** The market with the consumer's two signed buy bids relayed as batch 0, and that batch as the events tell it. */
  async function relayed() {
    const m = await market();
    const first = await signed(m);
    const second = await signed(m, { nonce: 1n, price: 111_000 });
    const consumer = await m.consumer.getAddress();
    const words = [
      bidWord.pack({ participant: consumer, side: SIDE.buy, wh: 500, price: 110_000 }),
      bidWord.pack({ participant: consumer, side: SIDE.buy, wh: 500, price: 111_000 }),
    ];
    await expect(m.market.connect(m.stranger).submitSignedBids(m.interval, [first, second]))
      .to.emit(m.market, "BidsPlaced")
      .withArgs(m.interval, 0, 0, words);
    const [batch] = await m.batches(m.interval);
    return { ...m, first, consumerAddress: consumer, words, batch };
  }

  it("places a relayed batch as one BidsPlaced event, advancing the signer's nonce", async function () {
    const m = await relayed();
    expect((await m.market.accountOf(m.consumerAddress)).bidNonce).to.equal(2n);
    expect(m.batch.bids).to.deep.equal(m.words);
  });

  it("skips a replayed signature and reports it, never placing it twice", async function () {
    const m = await relayed();
    await expect(m.market.connect(m.stranger).submitSignedBids(m.interval, [m.first]))
      .to.emit(m.market, "SignedBidSkipped")
      .withArgs(m.interval, m.consumerAddress, 0, 2)
      .and.not.to.emit(m.market, "BidsPlaced");
  });

  it("refuses a nonce ahead of the signer's next one", async function () {
    const m = await relayed();
    await expect(m.market.connect(m.stranger).submitSignedBids(m.interval, [await signed(m, { nonce: 3n })]))
      .to.be.revertedWithCustomError(m.market, "SignatureWrongNonce")
      .withArgs(m.consumerAddress, 2, 3);
  });

  it("refuses cancelling another household's relayed bid", async function () {
    const m = await relayed();
    await expect(m.market.connect(m.pv).cancelSignedBid(m.interval, m.batch, 1))
      .to.be.revertedWithCustomError(m.market, "BidNotOwner")
      .withArgs(m.interval, 1, await m.pv.getAddress());
  });

  it("refuses a batch handed back altered", async function () {
    const m = await relayed();
    const altered = { ...m.batch, bids: [m.batch.bids[0] - (1n << 32n), m.batch.bids[1]] }; // another price
    await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, altered, 1))
      .to.be.revertedWithCustomError(m.market, "BidBatchMismatch")
      .withArgs(m.interval, 0);
  });

  it("refuses a batch handed back under another number", async function () {
    const m = await relayed();
    await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, { ...m.batch, batch: 1 }, 1))
      .to.be.revertedWithCustomError(m.market, "BidBatchMismatch")
      .withArgs(m.interval, 1);
  });

  it("refuses cancelling a position beyond the batch", async function () {
    const m = await relayed();
    await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, m.batch, 2))
      .to.be.revertedWithCustomError(m.market, "BidNotFound")
      .withArgs(m.interval, 2);
  });

  it("cancels a relayed bid handed back in its batch, releasing its lock, and then knows it only as cancelled", async function () {
    const m = await relayed();
    const lockedBefore = (await m.market.accountOf(m.consumerAddress)).locked;
    await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, m.batch, 1))
      .to.emit(m.market, "BidCancelled")
      .withArgs(m.interval, 1, m.consumerAddress);
    expect(lockedBefore - (await m.market.accountOf(m.consumerAddress)).locked).to.equal(BigInt(buyLockUnits(T0, 500, 111_000)) * 10n ** 9n);
    // the stored digest now has the bid cancelled: the batch as first placed no longer matches
    await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, m.batch, 1)).to.be.revertedWithCustomError(m.market, "BidBatchMismatch");
    // and the updated one names no live bid there
    const [updated] = await m.batches(m.interval);
    await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, updated, 1))
      .to.be.revertedWithCustomError(m.market, "BidNotFound")
      .withArgs(m.interval, 1);
  });

  it("refuses cancelling a relayed bid after gate closure", async function () {
    const m = await relayed();
    await m.closeGate(m.interval);
    await expect(m.market.connect(m.consumer).cancelSignedBid(m.interval, m.batch, 0)).to.be.revertedWithCustomError(m.market, "IntervalGateClosed");
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
    await expect(m.market.submitOrder(m.interval, SIDE.buy, [batch], [orderRef.handedBack(1), orderRef.handedBack(0)])).to.emit(m.market, "OrderPageCommitted");
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

  it("refuses an empty batch", async function () {
    const m = await market();
    await expect(m.market.submitSignedBids(m.interval, [])).to.be.revertedWithCustomError(m.market, "BidBatchSize").withArgs(0, 256);
  });

  it("refuses a batch above MAX_BATCH", async function () {
    const m = await market();
    const one = await signed(m);
    await expect(m.market.submitSignedBids(m.interval, Array(257).fill(one)))
      .to.be.revertedWithCustomError(m.market, "BidBatchSize")
      .withArgs(257, 256);
  });

  it("refuses a bid relayed into another interval than signed: it recovers another, unregistered signer", async function () {
    const m = await market();
    const one = await signed(m);
    await m.market.connect(m.roles.operator).openIntervals(m.interval + 1, 1);
    await expect(m.market.submitSignedBids(m.interval + 1, [one])).to.be.revertedWithCustomError(m.market, "SignatureSignerNotRegistered");
  });

  it("refuses a signed bid with no side", async function () {
    const m = await market();
    const deadline = BigInt((await m.networkHelpers.time.latest()) + 600);
    const message = { interval: m.interval, side: 0, wh: 500, price: 110_000, nonce: 0n, deadline };
    const sig = Signature.from(await m.consumer.signTypedData(await bidDomain(m.market), { Bid: [...EIP712_BID_TYPES.Bid] }, message));
    await expect(m.market.submitSignedBids(m.interval, [{ terms: signedTerms.pack(message), r: sig.r, vs: sig.yParityAndS }]))
      .to.be.revertedWithCustomError(m.market, "BidInvalidSide")
      .withArgs(0);
  });

  it("refuses an expired signature", async function () {
    const m = await market();
    const now = BigInt(await m.networkHelpers.time.latest());
    const expired = await signed(m, { deadline: now - 1n });
    await expect(m.market.submitSignedBids(m.interval, [expired]))
      .to.be.revertedWithCustomError(m.market, "SignatureExpired")
      .withArgs(now - 1n, anyValue);
  });

  it("refuses terms other than those signed: they recover another, unregistered signer", async function () {
    const m = await market();
    const good = await signed(m);
    const tampered = { ...good, terms: good.terms - (20_000n << 96n) }; // another price than signed
    await expect(m.market.submitSignedBids(m.interval, [tampered])).to.be.revertedWithCustomError(m.market, "SignatureSignerNotRegistered");
  });

  it("refuses a malformed signature that recovers no one", async function () {
    const m = await market();
    const malformed = { ...(await signed(m)), r: `0x${"00".repeat(32)}` };
    await expect(m.market.submitSignedBids(m.interval, [malformed]))
      .to.be.revertedWithCustomError(m.market, "SignatureInvalid")
      .withArgs("0x0000000000000000000000000000000000000000");
  });

  it("refuses a bid signed for another chain", async function () {
    const m = await market();
    const now = BigInt(await m.networkHelpers.time.latest());
    const terms = { interval: m.interval, side: "buy" as const, wh: 500, price: 110_000, nonce: 0n, deadline: now + 600n };
    const otherChain = await signBid(m.consumer, { ...(await bidDomain(m.market)), chainId: 137n }, terms);
    await expect(m.market.submitSignedBids(m.interval, [otherChain])).to.be.revertedWithCustomError(m.market, "SignatureSignerNotRegistered");
  });

  it("refuses a bid signed for another contract", async function () {
    const m = await market();
    const now = BigInt(await m.networkHelpers.time.latest());
    const terms = { interval: m.interval, side: "buy" as const, wh: 500, price: 110_000, nonce: 0n, deadline: now + 600n };
    const otherMarket = await signBid(m.consumer, { ...(await bidDomain(m.market)), verifyingContract: await m.token.getAddress() }, terms);
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
