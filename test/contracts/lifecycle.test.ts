import { expect } from "chai";

import { bidDomain, MarketDriver, PHASE, SIDE, signBid, type Reading } from "../../scripts/lib/market-driver.js";
import { lemBill } from "@kiezstrom/engine/market/billing";
import { deployCommunity, EUR, TARIFFS } from "./fixture.js";

describe("KiezMarket: one interval from bids to settlement", function () {
  for (const [paged, relayed] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`clears, bills and settles to the engine's figures, conserving every euro (${paged ? "every step paged" : "one transaction per step"}${relayed ? ", asks signed and relayed" : ""})`, async function () {
      // one bid per order page and two readings per meter page force every paged path
      const f = await deployCommunity(paged ? { orderPageSize: 1 } : {});
      const driver = paged ? new MarketDriver(f.market, f.driver.roles, f.driver.tariffs, f.participants, { meterPageSize: 2 }) : f.driver;
      const [sellerA, sellerB, buyerA, buyerB] = f.households;
      await f.register(sellerA, "pv", 0);
      await f.register(sellerB, "pvBattery", 1);
      await f.register(buyerA, "consumer", 0);
      await f.register(buyerB, "consumer", 1);
      await f.fund([sellerA, sellerB, buyerA, buyerB], 100n * EUR);
      await f.fund([f.roles.supplier0, f.roles.supplier1], 50n * EUR); // feed-in float
      const interval = await f.openNextInterval();

      const placed: [typeof sellerA, "sell" | "buy", number, number][] = [
        [sellerA, "sell", 800, 100_000],
        [sellerB, "sell", 500, 120_000],
        [buyerA, "buy", 600, 140_000],
        [buyerB, "buy", 900, 125_000],
      ];
      if (relayed) {
        // the two asks as one relayed batch (bid indexes 0 and 1), the bids sent directly
        const domain = await bidDomain(f.market);
        const deadline = BigInt((await f.networkHelpers.time.latest()) + 600);
        const signed = await Promise.all(
          placed.slice(0, 2).map(([who, side, wh, price]) => signBid(who, domain, { interval, side, wh, price, nonce: 0n, deadline })),
        );
        await f.market.connect(f.households[10]).submitSignedBids(interval, signed);
        for (const [who, side, wh, price] of placed.slice(2)) await f.market.connect(who).placeBid(interval, SIDE[side], wh, price);
      } else {
        for (const [who, side, wh, price] of placed) await f.market.connect(who).placeBid(interval, SIDE[side], wh, price);
      }
      await f.closeGate(interval);

      const cleared = await driver.clear(interval);
      expect(cleared.receipts.order.length).to.equal(paged ? 4 : 0);
      // sells 100k(800) 120k(500); buys 140k(600) 125k(900): 600 + 200 at (100k,125k), then (120k,125k) 500
      expect(cleared.result.matchedWh).to.equal(1300);
      expect(cleared.result.price).to.equal(122_500);
      const state = await f.market.clearingOf(interval);
      expect(state.price).to.equal(122_500n);
      expect(state.matchedWh).to.equal(1300n);
      expect(PHASE[Number((await f.market.intervalOf(interval)).phase)]).to.equal("Cleared");

      const readings: Reading[] = [
        { participant: await sellerA.getAddress(), importWh: 0, exportWh: 900 },
        { participant: await sellerB.getAddress(), importWh: 0, exportWh: 450 },
        { participant: await buyerA.getAddress(), importWh: 700, exportWh: 0 },
        { participant: await buyerB.getAddress(), importWh: 900, exportWh: 0 },
      ];
      const metered = await driver.meter(interval, readings);
      expect(metered.pages.length).to.equal(paged ? 2 : 1);
      const marketAddress = await f.market.getAddress();
      const before = await Promise.all(readings.map((r) => f.market.accountOf(r.participant)));
      const billed = await driver.billAndSettle(interval, metered.pages, cleared);
      expect(PHASE[Number((await f.market.intervalOf(interval)).phase)]).to.equal("Settled");
      const bills = billed.billPages.flat();
      const billPage = (i: number) => bills.find((b) => b.participant.toLowerCase() === readings[i].participant.toLowerCase())!;

      const dayStart = interval % 96 === 92;
      for (const [i, r] of readings.entries()) {
        const bill = billPage(i);
        const expected = lemBill(
          { importWh: r.importWh, exportWh: r.exportWh, p2pBoughtWh: bill.p2pBoughtWh, p2pSoldWh: bill.p2pSoldWh },
          cleared.result.price,
          TARIFFS[bill.supplier],
          dayStart,
        );
        const after = await f.market.accountOf(r.participant);
        const spent = before[i].free + before[i].locked - (after.free + after.locked);
        expect(spent).to.equal(BigInt(expected.net) * 1_000_000_000n, `participant ${i}`);
        expect(after.locked).to.equal(0n);
      }
      // Conservation: the market holds exactly every balance it owes.
      const r = f.roles;
      const feeAccounts = [r.platform, r.taxCollector, r.networkOperator, r.supplier0, r.supplier1];
      const accounts = [...readings.map((x) => x.participant), ...(await Promise.all(feeAccounts.map((s) => s.getAddress())))];
      let owed = 0n;
      for (const a of new Set(accounts)) {
        const acct = await f.market.accountOf(a);
        owed += acct.free + acct.locked;
      }
      expect(await f.token.balanceOf(marketAddress)).to.equal(owed);
    });
  }
});
