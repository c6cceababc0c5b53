import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";

import { clearInterval, type OrderBid } from "@kiezstrom/engine/market/clearing";
import { bauBill, lemBill } from "@kiezstrom/engine/market/billing";
import { askRange, bidBoundsProblem, bidRange, lemCharges, timeOfUse } from "@kiezstrom/engine/market/tariff";
import { DEFAULT_SCENARIO } from "@kiezstrom/engine/scenario/scenario";

const TARIFF = DEFAULT_SCENARIO.suppliers[0].tariff;
const bid = (index: number, side: "sell" | "buy", wh: number, price: number, participant = `p${index}`): OrderBid => ({ index, participant, side, wh, price });

describe("reference clearing", () => {
  it("matches the hand-checked example: uniform price at the marginal pair's midpoint", () => {
    const r = clearInterval([bid(0, "sell", 800, 100_000), bid(1, "sell", 500, 120_000), bid(2, "buy", 600, 140_000), bid(3, "buy", 900, 125_000)]);
    assert.equal(r.matchedWh, 1300);
    assert.deepEqual(r.marginal, { sellPos: 1, buyPos: 1 });
    assert.equal(r.price, 122_500);
    assert.deepEqual(
      r.trades.map((t) => [t.sellIndex, t.buyIndex, t.wh]),
      [
        [0, 2, 600],
        [0, 3, 200],
        [1, 3, 500],
      ],
    );
  });

  it("breaks price ties by bid index and trades nothing when the best bid is below the best ask", () => {
    const tie = clearInterval([bid(0, "sell", 100, 100_000), bid(1, "sell", 100, 100_000), bid(2, "buy", 150, 110_000)]);
    assert.deepEqual(
      tie.sells.map((b) => b.index),
      [0, 1],
    );
    assert.equal(tie.fills.get(0), 100);
    assert.equal(tie.fills.get(1), 50);
    const none = clearInterval([bid(0, "sell", 100, 120_000), bid(1, "buy", 100, 119_999)]);
    assert.equal(none.matchedWh, 0);
    assert.equal(none.marginal, null);
    assert.equal(none.price, 0);
  });

  it("prices the same matches three ways: uniform (pay-as-clear), pay-as-bid (the buyer's bid) and midpoint (each pair's own)", () => {
    const bids = [bid(0, "sell", 100, 100_000), bid(1, "sell", 100, 110_000), bid(2, "buy", 150, 130_000), bid(3, "buy", 50, 125_000)];
    const priced = (m: "uniform" | "pay-as-bid" | "midpoint") => clearInterval(bids, m);
    // the pairs: (100 000, 130 000) 100 Wh, (110 000, 130 000) 50 Wh, (110 000, 125 000) 50 Wh; the marginal pair the last
    assert.deepEqual(
      priced("uniform").trades.map((t) => [t.wh, t.price]),
      [
        [100, 117_500],
        [50, 117_500],
        [50, 117_500],
      ],
    );
    assert.deepEqual(
      priced("pay-as-bid").trades.map((t) => [t.wh, t.price]),
      [
        [100, 130_000],
        [50, 130_000],
        [50, 125_000],
      ],
    );
    assert.deepEqual(
      priced("midpoint").trades.map((t) => [t.wh, t.price]),
      [
        [100, 115_000],
        [50, 120_000],
        [50, 117_500],
      ],
    );
    // the same energy matched, and what buyers paid is what each mechanism priced
    for (const m of ["uniform", "pay-as-bid", "midpoint"] as const) {
      const r = priced(m);
      assert.equal(r.matchedWh, 200);
      assert.equal(r.price, 117_500, "the uniform price is reported whatever the mechanism");
      assert.equal(
        r.valueUnits,
        r.trades.reduce((s, t) => s + t.wh * t.price, 0),
      );
    }
    assert.equal(priced("pay-as-bid").valueUnits, 100 * 130_000 + 50 * 130_000 + 50 * 125_000);
  });

  const arbitraryBids = fc
    .array(
      fc.record({
        side: fc.constantFrom("sell" as const, "buy" as const),
        wh: fc.integer({ min: 1, max: 5000 }),
        price: fc.integer({ min: askRange(TARIFF.prices).min, max: bidRange(TARIFF.prices).max }),
      }),
      { maxLength: 40 },
    )
    .map((xs) => xs.map((x, i) => bid(i, x.side, x.wh, x.price)));

  it("sells equal buys, fills stay within bids, no trade crosses a limit (property)", () => {
    fc.assert(
      fc.property(arbitraryBids, (bids) => {
        const r = clearInterval(bids);
        const sold = r.trades.reduce((s, t) => s + t.wh, 0);
        assert.equal(sold, r.matchedWh);
        let soldBySellers = 0;
        let boughtByBuyers = 0;
        for (const b of bids) {
          const f = r.fills.get(b.index) ?? 0;
          assert.ok(f <= b.wh);
          if (f > 0 && b.side === "sell") assert.ok(b.price <= r.price, "sell filled below its ask");
          if (f > 0 && b.side === "buy") assert.ok(b.price >= r.price, "buy filled above its bid");
          if (b.side === "sell") soldBySellers += f;
          else boughtByBuyers += f;
        }
        assert.equal(soldBySellers, boughtByBuyers);
      }),
    );
  });

  it("every matched trade leaves both sides at least as well off as BAU (property)", () => {
    fc.assert(
      fc.property(arbitraryBids, (bids) => {
        const r = clearInterval(bids);
        const t = TARIFF.prices;
        for (const trade of r.trades) {
          // seller: P2P price against FiT; buyer: price + LEM charges against ToU
          assert.ok(trade.price > t.feedInTariff);
          assert.ok(trade.price + lemCharges(t) < timeOfUse(t));
          const seller = lemBill({ importWh: 0, exportWh: trade.wh, p2pBoughtWh: 0, p2pSoldWh: trade.wh }, trade.price, TARIFF, false);
          const buyer = lemBill({ importWh: trade.wh, exportWh: 0, p2pBoughtWh: trade.wh, p2pSoldWh: 0 }, trade.price, TARIFF, false);
          assert.ok(seller.net <= bauBill(0, trade.wh, TARIFF, false).net);
          assert.ok(buyer.net <= bauBill(trade.wh, 0, TARIFF, false).net);
        }
      }),
    );
  });
});

describe("bills", () => {
  it("hand-checked LEM bill: P2P part, fees, residual import at ToU", () => {
    // bought 600 Wh at 122,500 µEUR/kWh, metered import 700 Wh → 100 Wh from the grid
    const b = lemBill({ importWh: 700, exportWh: 0, p2pBoughtWh: 600, p2pSoldWh: 0 }, 122_500, TARIFF, false);
    const t = TARIFF.prices;
    assert.equal(b.gridImportWh, 100);
    assert.equal(b.p2pCost, 600 * 122_500);
    assert.equal(b.platformFee, 600 * t.platformFee);
    assert.equal(b.gridImportCost, 100 * timeOfUse(t));
    assert.equal(b.net, 600 * (122_500 + lemCharges(t)) + 100 * timeOfUse(t));
  });

  it("a seller who exports less than they sold buys the shortfall at ToU; the daily charge comes once a day", () => {
    const b = lemBill({ importWh: 0, exportWh: 400, p2pBoughtWh: 0, p2pSoldWh: 500 }, 120_000, TARIFF, true);
    assert.equal(b.gridImportWh, 100);
    assert.equal(b.dailyCharge, TARIFF.dailyChargeMicroEur * 1000);
    assert.equal(b.net, 100 * timeOfUse(TARIFF.prices) + TARIFF.dailyChargeMicroEur * 1000 - 500 * 120_000);
  });
});

describe("bid bounds (the audit's twin of MarketRelay.checkLimits)", () => {
  const t = TARIFF.prices;
  it("takes an ask strictly between the feed-in tariff and the energy price, within the export limit", () => {
    assert.equal(bidBoundsProblem("sell", 500, t.feedInTariff + 1, t, 500), null);
    assert.equal(bidBoundsProblem("sell", 500, t.energyPrice - 1, t, 500), null);
    assert.match(bidBoundsProblem("sell", 500, t.feedInTariff, t, 500) ?? "", /outside FiT/);
    assert.match(bidBoundsProblem("sell", 500, t.energyPrice, t, 500) ?? "", /outside FiT/);
    assert.match(bidBoundsProblem("sell", 501, t.feedInTariff + 1, t, 500) ?? "", /above the registered limit/);
  });

  it("takes a bid above zero whose price plus LEM charges stays below the time-of-use price", () => {
    const highest = bidRange(t).max;
    assert.equal(bidBoundsProblem("buy", 500, 1, t, 500), null);
    assert.equal(bidBoundsProblem("buy", 500, highest, t, 500), null);
    assert.ok(highest + lemCharges(t) < timeOfUse(t) && highest < t.energyPrice);
    assert.match(bidBoundsProblem("buy", 500, highest + 1, t, 500) ?? "", /breaks/);
    assert.match(bidBoundsProblem("buy", 500, 0, t, 500) ?? "", /breaks/);
  });
});
