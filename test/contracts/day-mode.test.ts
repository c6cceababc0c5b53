/**
 * Day mode (contracts/MarketDays.sol): standing orders, a day's readings, and the one pass that verifies a day's
 * clearing and settles it; each promise of MarketDays' header, and each refusal by name.
 */
import { expect } from "chai";
import type { Signer } from "ethers";

import { replayMarket } from "@kiezstrom/engine/audit";
import { clearDay, type DayNets } from "@kiezstrom/engine/market/day";
import { askRange, bidRange } from "@kiezstrom/engine/market/tariff";
import { type DayClearing, dayBillWord, dayClearingWord, dayMemberWord, NO_DAY_TRADE } from "@kiezstrom/engine/market/words";
import { Random } from "@kiezstrom/engine/random";
import { DayDriver, type DayMeterPage, MAX_ONE_TRANSACTION_MEMBERS, settleDayPages } from "../../scripts/lib/day-driver.js";
import { GAS_CAP } from "../../scripts/lib/gas-measure.js";
import { tariffStruct, wait, WEI_PER_UNIT } from "../../scripts/lib/market-driver.js";
import { deployCommunity, EUR, TARIFFS } from "./fixture.js";

const KINDS = ["consumer", "pv", "pvBattery"] as const;
const SIDE_SELL = 1n;
const SIDE_BUY = 2n;
const DAY_PHASE = { None: 0n, Open: 1n, Metering: 2n, Metered: 3n, Verified: 4n, Settling: 5n, Settled: 6n, Void: 7n };

/** A day-mode community of `n` funded households (every third a consumer), each with a standing order drawn from its
 *  supplier's bid ranges, and the driver. */
async function dayCommunity(n: number, seed = 1, funds = 50n * EUR) {
  const f = await deployCommunity({ settlement: "day" });
  const rng = new Random(seed);
  const members = await f.newHouseholds(n, `day-${seed}`);
  const kinds = members.map((_, i) => KINDS[i % 3]);
  for (const [i, m] of members.entries()) await f.register(m, kinds[i], i % 2, 8_000, 8_000);
  if (funds > 0n) await f.fund(members, funds);
  for (const [i, m] of members.entries()) {
    const t = TARIFFS[i % 2].prices;
    const ask = askRange(t);
    const bid = bidRange(t);
    const floor = kinds[i] === "consumer" ? 0 : rng.int(ask.min, ask.max);
    await wait(f.market.connect(m).setStandingOrder(floor, rng.int(bid.min, bid.max)));
  }
  const driver = new DayDriver(f.market, { operator: f.roles.operator, meter: f.roles.meter, anyone: f.roles.admin });
  return { ...f, members, kinds, rng, driver };
}

type DayCommunity = Awaited<ReturnType<typeof dayCommunity>>;

/** Opens the next day that starts an hour or more from now; returns it. */
async function openNextDay(f: DayCommunity, count = 1) {
  const day = await f.driver.dayAfter((await f.networkHelpers.time.latest()) + 3_600);
  await f.driver.openDays(day, count);
  return day;
}

/** Moves the clock past the end of `day`. */
async function endDay(f: DayCommunity, day: number) {
  const end = (await f.driver.startOf(day)) + 86_400;
  if ((await f.networkHelpers.time.latest()) < end) await f.networkHelpers.time.increaseTo(end);
}

/** Random nets: consumers import, prosumers export around midday and import otherwise; some intervals zero. */
function randomNets(f: DayCommunity, rng = f.rng): DayNets[] {
  return f.members.map((_, i) =>
    Array.from({ length: 96 }, (_, slot) => {
      if (rng.next() < 0.1) return 0;
      const sunny = slot >= 30 && slot < 70;
      return f.kinds[i] !== "consumer" && sunny && rng.next() < 0.8 ? -rng.int(1, 3_000) : rng.int(1, 2_000);
    }),
  );
}

async function freeOf(f: DayCommunity, who: Signer | string) {
  return (await f.market.accountOf(typeof who === "string" ? who : await who.getAddress())).free;
}

/** A metered day, not settled: its committed pages. */
async function meteredDay(f: DayCommunity, nets = randomNets(f), driver = f.driver) {
  const day = await openNextDay(f);
  await endDay(f, day);
  const { pages } = await driver.postReadings(day, nets);
  return { day, pages, nets };
}

/** The auditor's replay (sim/audit.ts) of the community's events so far: its findings. */
async function auditFindings(f: DayCommunity) {
  const address = await f.market.getAddress();
  const logs = await f.provider.getLogs({ address, fromBlock: 0 });
  const events = logs.flatMap((l) => {
    const ev = f.market.interface.parseLog(l);
    return ev ? [{ name: ev.name, args: ev.args }] : [];
  });
  const reader = {
    phaseOf: async () => 0,
    accountOf: async (a: string) => {
      const acc = await f.market.accountOf(a);
      return { free: acc.free, locked: acc.locked };
    },
    owed: (a: string) => f.market.owed(a),
    tokenBalance: () => f.token.balanceOf(address),
    dayPhaseOf: async (day: number) => Number((await f.market.dayOf(day)).phase),
  };
  const result = await replayMarket(events, reader, Number((await f.market.config()).dayStartSlot));
  return { findings: result.findings, days: result.days };
}

/** A driver that posts meter pages of `pageSize` members. */
function pagedDriver(f: DayCommunity, pageSize: number) {
  return new DayDriver(f.market, { operator: f.roles.operator, meter: f.roles.meter, anyone: f.roles.admin }, pageSize);
}

/** Settling the day with one interval's clearing replaced. */
async function settleWith(f: DayCommunity, day: number, pages: DayMeterPage[], slot: number, change: (c: DayClearing) => DayClearing) {
  const clearing = (await f.driver.clear(day, pages)).clearing.map((c, t) => dayClearingWord.pack(t === slot ? change(c) : c));
  return f.market.settleDay(day, 0, settleDayPages(pages), clearing);
}

/** The first interval with a trade whose marginal members are not the only ones on their sides. */
async function tradedSlot(f: DayCommunity, day: number, pages: DayMeterPage[]) {
  const { clearing, intervals } = await f.driver.clear(day, pages);
  const slot = clearing.findIndex((c, t) => c.seller !== NO_DAY_TRADE.seller && intervals[t].sells.length > 2 && intervals[t].buys.length > 2);
  if (slot < 0) throw new Error("no interval with a trade and several orders a side");
  return { slot, clearing: clearing[slot], interval: intervals[slot] };
}

describe("KiezMarket day mode", function () {
  describe("a settled day", function () {
    it("moves every member's balance by the engine's day bill, to the wei, and pays the fee recipients and suppliers", async function () {
      const f = await dayCommunity(12);
      const { day, pages } = await meteredDay(f);
      const accounts = [
        ...f.members.map((m) => m.address),
        ...(await Promise.all([f.roles.platform, f.roles.taxCollector, f.roles.networkOperator, ...f.roles.suppliers].map((s) => s.getAddress()))),
      ];
      const before = await Promise.all(accounts.map((a) => freeOf(f, a)));
      const { result, receipt } = await f.driver.settle(day, pages);
      const after = await Promise.all(accounts.map((a) => freeOf(f, a)));
      const traded = result.clearing.filter((c) => c.seller !== NO_DAY_TRADE.seller).length;
      expect(traded, "intervals with P2P trades").to.be.greaterThan(20);
      f.members.forEach((_, i) => {
        expect(before[i] - after[i], `member ${i}`).to.equal(BigInt(result.bills[i].lines.net) * WEI_PER_UNIT);
      });
      const sum = (key: "platformFee" | "levies" | "networkFee") => result.bills.reduce((s, b) => s + BigInt(b.lines[key]), 0n) * WEI_PER_UNIT;
      const n = f.members.length;
      expect(after[n] - before[n], "platform").to.equal(sum("platformFee"));
      expect(after[n + 1] - before[n + 1], "tax collector").to.equal(sum("levies"));
      expect(after[n + 2] - before[n + 2], "network operator").to.equal(sum("networkFee"));
      for (const s of [0, 1]) {
        const bills = result.bills.filter((_, i) => i % 2 === s);
        const income = bills.reduce((x, b) => x + BigInt(b.lines.supplierFee + b.lines.gridImportCost + b.lines.dailyCharge - b.lines.gridExportCredit), 0n);
        expect(after[n + 3 + s] - before[n + 3 + s], `supplier ${s}`).to.equal(income * WEI_PER_UNIT);
      }
      // the event reports every member's day as the engine computed it
      const settled = receipt.logs.map((l) => f.market.interface.parseLog(l)).find((l) => l?.name === "DaySettled");
      expect(dayBillWord.unpackAll(settled!.args.bills)).to.deep.equal(result.bills.map((b) => b.quantities));
      expect((await f.market.dayOf(day)).phase).to.equal(DAY_PHASE.Settled);
    });

    it("leaves a standing order a later tariff epoch no longer allows out of that day's P2P, without reverting", async function () {
      const f = await dayCommunity(9, 13);
      // the feed-in tariff rises to the middle of the ask range: every floor at or below it is no longer allowed
      const raised = TARIFFS.map((t) => ({ ...t, prices: { ...t.prices, feedInTariff: Math.floor((askRange(t.prices).min + askRange(t.prices).max) / 2) } }));
      await wait(f.market.connect(f.roles.admin).setTariffs(raised.map(tariffStruct)));
      await f.networkHelpers.time.increase(30 * 86_400 + 60);
      const { day, pages } = await meteredDay(f);
      expect((await f.market.dayOf(day)).tariffEpoch).to.equal(1n);
      const parties = pages.flatMap((p) => p.parties);
      const excluded = parties.filter((p, i) => p.floor !== 0 && p.floor <= raised[i % 2].prices.feedInTariff);
      expect(excluded.length, "members whose floor the new epoch no longer allows").to.be.greaterThan(0);
      const before = await Promise.all(f.members.map((m) => freeOf(f, m)));
      const { result } = await f.driver.settle(day, pages);
      for (const [i, m] of f.members.entries()) {
        expect(before[i] - (await freeOf(f, m)) + (await f.market.owed(m.address)), `member ${i}`).to.equal(BigInt(result.bills[i].lines.net) * WEI_PER_UNIT);
        if (excluded.includes(parties[i])) expect(result.bills[i].quantities.soldWh, `member ${i} sells to the grid only`).to.equal(0);
      }
    });

    it("settles a day with no trade at all, and a day with no members", async function () {
      const f = await dayCommunity(6, 2);
      const { day, pages } = await meteredDay(
        f,
        f.members.map(() => Array.from({ length: 96 }, () => 500)),
      );
      const { result } = await f.driver.settle(day, pages);
      expect(result.clearing.every((c) => c.seller === NO_DAY_TRADE.seller)).to.equal(true);

      const empty = await deployCommunity({ settlement: "day" });
      const driver = new DayDriver(empty.market, { operator: empty.roles.operator, meter: empty.roles.meter, anyone: empty.roles.admin });
      const next = await driver.dayAfter((await empty.networkHelpers.time.latest()) + 3_600);
      await driver.openDays(next);
      await empty.networkHelpers.time.increaseTo((await driver.startOf(next)) + 86_400);
      await driver.settle(next, []);
      expect((await empty.market.dayOf(next)).phase).to.equal(DAY_PHASE.Settled);
    });

    it("records what a member cannot pay as owed to its supplier, and still pays the sellers", async function () {
      const f = await dayCommunity(6, 3, 0n);
      const nets = randomNets(f);
      const { day, pages } = await meteredDay(f, nets);
      const { result } = await f.driver.settle(day, pages);
      for (const [i, m] of f.members.entries()) {
        const net = BigInt(result.bills[i].lines.net) * WEI_PER_UNIT;
        if (net > 0n) {
          expect(await f.market.owed(m.address), `member ${i} owes its day`).to.equal(net);
          expect((await f.market.accountOf(m.address)).inDebt).to.equal(true);
        } else {
          expect(await freeOf(f, m), `member ${i} is paid`).to.equal(-net);
        }
      }
    });
  });

  describe("verifying the clearing", function () {
    it("refuses a clearing that names another marginal seller or buyer, or other limit prices", async function () {
      const f = await dayCommunity(12, 4);
      const { day, pages } = await meteredDay(f);
      const { slot, clearing } = await tradedSlot(f, day, pages);
      await expect(settleWith(f, day, pages, slot, (c) => ({ ...c, seller: (c.seller + 1) % 12 })))
        .to.be.revertedWithCustomError(f.market, "DayMarginalNotFound")
        .withArgs(slot, SIDE_SELL, (clearing.seller + 1) % 12);
      await expect(settleWith(f, day, pages, slot, (c) => ({ ...c, buyer: (c.buyer + 1) % 12 })))
        .to.be.revertedWithCustomError(f.market, "DayMarginalNotFound")
        .withArgs(slot, SIDE_BUY, (clearing.buyer + 1) % 12);
      await expect(settleWith(f, day, pages, slot, (c) => ({ ...c, ask: c.ask - 1 }))).to.be.revertedWithCustomError(f.market, "DayMarginalNotFound");
      await expect(settleWith(f, day, pages, slot, (c) => ({ ...c, bid: c.bid + 1 }))).to.be.revertedWithCustomError(f.market, "DayMarginalNotFound");
      await expect(settleWith(f, day, pages, slot, (c) => ({ ...c, ask: c.bid + 1 })))
        .to.be.revertedWithCustomError(f.market, "DayPairNotMatched")
        .withArgs(slot, clearing.bid + 1, clearing.bid);
    });

    it("refuses other Wh matched or before the marginal members", async function () {
      const f = await dayCommunity(12, 5);
      const { day, pages } = await meteredDay(f);
      const { slot, clearing } = await tradedSlot(f, day, pages);
      await expect(settleWith(f, day, pages, slot, (c) => ({ ...c, matchedWh: c.matchedWh - 1 })))
        .to.be.revertedWithCustomError(f.market, "DayMatchedMismatch")
        .withArgs(slot, clearing.matchedWh - 1, clearing.matchedWh);
      // one Wh more than matched overfills the marginal member whose side is used up
      await expect(settleWith(f, day, pages, slot, (c) => ({ ...c, matchedWh: c.matchedWh + 1 }))).to.be.revertedWithCustomError(
        f.market,
        "DayMarginalOverfilled",
      );
      await expect(settleWith(f, day, pages, slot, (c) => ({ ...c, sellBeforeWh: c.sellBeforeWh + 1 }))).to.be.revertedWithCustomError(
        f.market,
        clearing.sellBeforeWh + 1 < clearing.matchedWh ? "DayBeforeMismatch" : "DayClearingMalformed",
      );
      await expect(settleWith(f, day, pages, slot, (c) => ({ ...c, matchedWh: c.sellBeforeWh })))
        .to.be.revertedWithCustomError(f.market, "DayClearingMalformed")
        .withArgs(slot);
    });

    it("refuses a clearing that stops before the merge does, or claims no trade where one matches", async function () {
      const f = await dayCommunity(12, 6);
      const { day, pages } = await meteredDay(f);
      const { slot, interval } = await tradedSlot(f, day, pages);
      await expect(settleWith(f, day, pages, slot, () => NO_DAY_TRADE)).to.be.revertedWithCustomError(f.market, "DayStillMatchable");
      // the merge stopped one pair early: the pair before the marginal one, with its cumulative Wh
      const { sellPos, buyPos } = interval.marginal!;
      const cum = (orders: typeof interval.sells, pos: number) => orders.slice(0, pos).reduce((s, o) => s + o.wh, 0);
      if (sellPos > 0) {
        const early = sellPos - 1;
        const sellThrough = cum(interval.sells, early + 1);
        const buyBefore = cum(interval.buys, buyPos);
        const early_ = (c: DayClearing) => ({
          ...c,
          seller: interval.sells[early].index,
          ask: interval.sells[early].price,
          sellBeforeWh: cum(interval.sells, early),
          matchedWh: Math.min(sellThrough, buyBefore + interval.buys[buyPos].wh),
        });
        // the pair one sell earlier either does not overlap in Wh, or leaves the next sell matchable
        await expect(settleWith(f, day, pages, slot, early_)).to.be.revertedWithCustomError(
          f.market,
          buyBefore >= sellThrough ? "DayPairDisjoint" : "DayStillMatchable",
        );
      }
      await expect(settleWith(f, day, pages, slot, (c) => ({ ...NO_DAY_TRADE, ask: c.ask })))
        .to.be.revertedWithCustomError(f.market, "DayClearingMalformed")
        .withArgs(slot);
    });

    it("refuses pages other than the committed ones, and a clearing of another length", async function () {
      const f = await dayCommunity(6, 7);
      const { day, pages } = await meteredDay(f);
      const clearing = (await f.driver.clear(day, pages)).clearing.map(dayClearingWord.pack);
      const altered = [{ ...pages[0], readings: `${pages[0].readings.slice(0, -4)}0001` }];
      await expect(f.market.settleDay(day, 0, settleDayPages(altered), clearing))
        .to.be.revertedWithCustomError(f.market, "DayPageMismatch")
        .withArgs(day, 0);
      await expect(f.market.settleDay(day, 0, [], clearing))
        .to.be.revertedWithCustomError(f.market, "DayPagesIncomplete")
        .withArgs(day, 0, 1);
      await expect(f.market.settleDay(day, 0, settleDayPages(pages), clearing.slice(1)))
        .to.be.revertedWithCustomError(f.market, "DayClearingLength")
        .withArgs(95);
    });
  });

  describe("a day settled in steps", function () {
    it("verifies a day's pages in steps, then settles them page by page, each member's day to the wei of the engine's bill; its events carry the clearing and every bill", async function () {
      const f = await dayCommunity(23, 31);
      const driver = pagedDriver(f, 5);
      const { day, pages } = await meteredDay(f, randomNets(f), driver);
      expect(pages.length).to.equal(5);
      const before = await Promise.all(f.members.map((m) => freeOf(f, m)));
      const steps = await driver.settleInSteps(day, pages, { verifyPerTx: 2, settlePerTx: 3 });
      expect([steps.verify.length, steps.settle.length]).to.deep.equal([3, 2]);
      const logs = [...steps.verify, ...steps.settle].flatMap((r) => r.logs.map((l) => f.market.interface.parseLog(l)));
      const verified = logs.filter((l) => l?.name === "DayVerified");
      expect(verified.length).to.equal(1);
      expect(verified[0]!.args.clearing.map(BigInt)).to.deep.equal(steps.result.clearing.map(dayClearingWord.pack));
      const settled = logs.filter((l) => l?.name === "DayPagesSettled");
      expect(settled.map((l) => [Number(l!.args.firstMember), l!.args.settled])).to.deep.equal([
        [0, false],
        [15, true],
      ]);
      expect(settled.flatMap((l) => dayBillWord.unpackAll(l!.args.bills))).to.deep.equal(steps.result.bills.map((b) => b.quantities));
      for (const [i, m] of f.members.entries()) {
        const paid = before[i] - (await freeOf(f, m)) + (await f.market.owed(m.address));
        expect(paid, `member ${i}`).to.equal(BigInt(steps.result.bills[i].lines.net) * WEI_PER_UNIT);
      }
      expect((await f.market.dayOf(day)).phase).to.equal(DAY_PHASE.Settled);
      expect((await f.market.dayCalendar()).nextToSettle).to.equal(0n);
      // the auditor replays the steps from the events alone
      const audit = await auditFindings(f);
      expect(audit.findings).to.deep.equal([]);
      expect(audit.days.map((d) => [d.day, d.phase, d.bills, d.settled])).to.deep.equal([[day, "Settled", 23, true]]);
    });

    it("takes pages in order, settles only with the verified clearing, never lets a wrong claim's run block the right one, and finishes a begun settlement while paused and past the void time", async function () {
      const f = await dayCommunity(12, 32);
      const driver = pagedDriver(f, 4);
      const { day, pages } = await meteredDay(f, randomNets(f), driver);
      const page = settleDayPages(pages);
      const { slot, clearing } = await tradedSlot(f, day, pages);
      const good = (await driver.clear(day, pages)).clearing.map(dayClearingWord.pack);
      // a claimed ask no member's floor has: the pass runs to the last page, which then finds no such marginal seller
      const wrong = good.map((w, t) => (t === slot ? dayClearingWord.pack({ ...clearing, ask: clearing.ask + 1 }) : w));
      expect(clearing.ask + 1).to.be.at.most(clearing.bid);
      const [attacker] = await f.newHouseholds(1, "claims");
      const as = f.market.connect(attacker);
      await wait(as.settleDay(day, 0, page.slice(0, 1), wrong));
      await wait(as.settleDay(day, 1, page.slice(1, 2), wrong));
      await expect(f.market.settleDay(day, 1, page.slice(1, 2), good))
        .to.be.revertedWithCustomError(f.market, "DayPageOutOfOrder")
        .withArgs(day, 1, 0);
      await wait(f.market.connect(f.roles.admin).pause());
      await expect(f.market.settleDay(day, 0, page.slice(0, 2), good)).to.be.revertedWithCustomError(f.market, "EnforcedPause");
      await wait(f.market.connect(f.roles.admin).unpause());
      await wait(f.market.settleDay(day, 0, page.slice(0, 2), good));
      await expect(as.settleDay(day, 2, page.slice(2), wrong))
        .to.be.revertedWithCustomError(f.market, "DayMarginalNotFound")
        .withArgs(slot, SIDE_SELL, clearing.seller);
      await expect(f.market.settleDay(day, 2, page.slice(2), good)).to.emit(f.market, "DayVerified");
      expect((await f.market.dayOf(day)).phase).to.equal(DAY_PHASE.Verified);

      await expect(f.market.settleDay(day, 0, page, wrong))
        .to.be.revertedWithCustomError(f.market, "DayClearingNotVerified")
        .withArgs(day);
      await expect(f.market.settleDay(day, 1, page.slice(1), good))
        .to.be.revertedWithCustomError(f.market, "DayPageOutOfOrder")
        .withArgs(day, 1, 0);
      const altered = [{ ...page[0], readings: `${page[0].readings.slice(0, -4)}0001` }];
      await expect(f.market.settleDay(day, 0, altered, good))
        .to.be.revertedWithCustomError(f.market, "DayPageMismatch")
        .withArgs(day, 0);
      await wait(f.market.settleDay(day, 0, page.slice(0, 1), good));
      expect((await f.market.dayOf(day)).phase).to.equal(DAY_PHASE.Settling);
      // money has moved: the day is finished, not voided, also while the market is paused
      await f.networkHelpers.time.increaseTo((await driver.startOf(day)) + 2 * 86_400 + 60);
      await expect(f.market.voidDay(day)).to.be.revertedWithCustomError(f.market, "DayWrongPhase").withArgs(day, DAY_PHASE.Settling);
      await wait(f.market.connect(f.roles.admin).pause());
      await expect(f.market.settleDay(day, 1, page.slice(1), good)).to.emit(f.market, "DayPagesSettled");
      expect((await f.market.dayOf(day)).phase).to.equal(DAY_PHASE.Settled);
    });

    it("voids a verified day no one settled in time (none of its money moved), and the next day settles", async function () {
      const f = await dayCommunity(6, 33);
      const driver = pagedDriver(f, 3);
      const day = await openNextDay(f, 2);
      await endDay(f, day);
      const { pages } = await driver.postReadings(day, randomNets(f));
      const steps = await driver.clear(day, pages);
      const good = steps.clearing.map(dayClearingWord.pack);
      await wait(f.market.settleDay(day, 0, settleDayPages(pages).slice(0, 1), good));
      await wait(f.market.settleDay(day, 1, settleDayPages(pages).slice(1), good));
      expect((await f.market.dayOf(day)).phase).to.equal(DAY_PHASE.Verified);
      const before = await Promise.all(f.members.map((m) => freeOf(f, m)));
      await f.networkHelpers.time.increaseTo((await driver.startOf(day)) + 2 * 86_400 + 60);
      await expect(f.market.voidDay(day)).to.emit(f.market, "DayVoided").withArgs(day);
      expect(await Promise.all(f.members.map((m) => freeOf(f, m)))).to.deep.equal(before);
      const next = await driver.postReadings(day + 1, randomNets(f));
      await driver.settleInSteps(day + 1, next.pages);
      expect((await f.market.dayOf(day + 1)).phase).to.equal(DAY_PHASE.Settled);
    });
  });

  describe("the day's lifecycle", function () {
    it("settles days once and in the order they opened; voids a day left unsettled, and the next one settles", async function () {
      const f = await dayCommunity(3, 8);
      const day = await openNextDay(f, 2);
      await endDay(f, day);
      const first = await f.driver.postReadings(day, randomNets(f));
      await expect(f.market.voidDay(day)).to.be.revertedWithCustomError(f.market, "DayVoidNotDue");
      await endDay(f, day + 1);
      const second = await f.driver.postReadings(day + 1, randomNets(f));
      await expect(f.driver.settle(day + 1, second.pages))
        .to.be.revertedWithCustomError(f.market, "DayNotNextToSettle")
        .withArgs(day + 1, day);
      await expect(f.market.voidDay(day + 1))
        .to.be.revertedWithCustomError(f.market, "DayNotNextToSettle")
        .withArgs(day + 1, day);
      await expect(f.market.voidDay(day)).to.emit(f.market, "DayVoided").withArgs(day);
      await expect(f.driver.settle(day, first.pages)).to.be.revertedWithCustomError(f.market, "DayWrongPhase").withArgs(day, DAY_PHASE.Void);
      await f.driver.settle(day + 1, second.pages);
      await expect(f.driver.settle(day + 1, second.pages))
        .to.be.revertedWithCustomError(f.market, "DayWrongPhase")
        .withArgs(day + 1, DAY_PHASE.Settled);
      expect((await f.market.dayCalendar()).nextToSettle).to.equal(0n);
    });

    it("opens days only ahead, after the last one opened, within the roster's 16-bit day numbers; the meter's one-transaction path only for an unread day", async function () {
      const f = await dayCommunity(3, 14);
      const day = await openNextDay(f);
      await expect(f.driver.openDays(day)).to.be.revertedWithCustomError(f.market, "DayNotAfterLastOpened").withArgs(day, day);
      await expect(f.driver.openDays(70_000)).to.be.revertedWithCustomError(f.market, "DayOutOfRange").withArgs(70_000, 65_535);
      await endDay(f, day);
      await expect(f.driver.openDays(day + 1)).to.be.revertedWithCustomError(f.market, "DayStartInPast");
      const nets = randomNets(f);
      await expect(f.market.connect(f.members[0]).postAndSettleDay(day, "0x", [])).to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount");
      await f.driver.postReadings(day, nets);
      await expect(f.driver.postAndSettle(day, nets)).to.be.revertedWithCustomError(f.market, "DayWrongPhase").withArgs(day, DAY_PHASE.Metered);
    });

    it("takes readings only after the day, within each member's limits, in whole members", async function () {
      const f = await dayCommunity(3, 9);
      const day = await openNextDay(f);
      const nets = randomNets(f);
      const { encodeDayReadings } = await import("@kiezstrom/engine/market/day");
      await expect(f.market.connect(f.roles.meter).postDayReadings(day, encodeDayReadings(nets))).to.be.revertedWithCustomError(f.market, "DayNotEnded");
      await endDay(f, day);
      const tooMuch = nets.map((m) => [...m]);
      tooMuch[1][5] = 8_001;
      await expect(f.market.connect(f.roles.meter).postDayReadings(day, encodeDayReadings(tooMuch)))
        .to.be.revertedWithCustomError(f.market, "DayReadingAboveLimit")
        .withArgs(f.members[1].address, 5, 8_001, 8_000);
      const consumerExports = nets.map((m) => [...m]);
      consumerExports[0][7] = -1;
      await expect(f.market.connect(f.roles.meter).postDayReadings(day, encodeDayReadings(consumerExports)))
        .to.be.revertedWithCustomError(f.market, "DayReadingAboveLimit")
        .withArgs(f.members[0].address, 7, 1, 0);
      const whole = encodeDayReadings(nets);
      await expect(f.market.connect(f.roles.meter).postDayReadings(day, whole.slice(0, -2))).to.be.revertedWithCustomError(f.market, "DayPageSize");
      await expect(f.market.connect(f.roles.meter).postDayReadings(day, "0x")).to.be.revertedWithCustomError(f.market, "DayPageSize");
      await expect(f.market.connect(f.members[0]).postDayReadings(day, whole)).to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount");
      await f.market.connect(f.roles.meter).postDayReadings(day, whole);
      await expect(f.market.connect(f.roles.meter).postDayReadings(day, whole))
        .to.be.revertedWithCustomError(f.market, "DayWrongPhase")
        .withArgs(day, DAY_PHASE.Metered);
    });

    it("applies a changed standing order from the next day opened; days already opened keep the one they opened with", async function () {
      const f = await dayCommunity(3, 10);
      const seller = f.members[1];
      const before = dayMemberWord.unpack(await f.market.memberAt(1));
      const day = await openNextDay(f);
      const t = TARIFFS[1].prices;
      const newFloor = askRange(t).max;
      await expect(f.market.connect(seller).setStandingOrder(newFloor, 0))
        .to.emit(f.market, "StandingOrderSet")
        .withArgs(seller.address, 1, newFloor, 0, day + 1);
      await endDay(f, day);
      const { pages } = await f.driver.postReadings(day, randomNets(f));
      expect(pages[0].parties[1]).to.include({ floor: Number(before.floor), cap: Number(before.cap) });
      await f.driver.settle(day, pages);
      const next = await openNextDay(f);
      await endDay(f, next);
      const later = await f.driver.postReadings(next, randomNets(f));
      expect(later.pages[0].parties[1]).to.include({ floor: newFloor, cap: 0 });
    });

    it("refuses a second order change while a day opened before the first is unsettled", async function () {
      const f = await dayCommunity(3, 11);
      const buyer = f.members[0];
      const cap = bidRange(TARIFFS[0].prices).min;
      const day = await openNextDay(f);
      await wait(f.market.connect(buyer).setStandingOrder(0, cap));
      // changing again before another day opens only replaces the pending order
      await wait(f.market.connect(buyer).setStandingOrder(0, cap + 1));
      await f.driver.openDays(day + 1);
      await expect(f.market.connect(buyer).setStandingOrder(0, cap + 2))
        .to.be.revertedWithCustomError(f.market, "DayOrderChangePending")
        .withArgs(buyer.address, day);
      await endDay(f, day);
      await f.driver.settle(day, (await f.driver.postReadings(day, randomNets(f))).pages);
      await wait(f.market.connect(buyer).setStandingOrder(0, cap + 2));
    });

    it("refuses standing orders outside the bid bounds, and interval-mode calls", async function () {
      const f = await dayCommunity(3, 12);
      const [consumer, pv] = f.members;
      const t = TARIFFS[0].prices;
      await expect(f.market.connect(pv).setStandingOrder(t.feedInTariff, 0)).to.be.revertedWithCustomError(f.market, "BidAskOutOfRange");
      await expect(f.market.connect(consumer).setStandingOrder(askRange(t).min, 0)).to.be.revertedWithCustomError(f.market, "BidSellerNotMetered");
      await expect(f.market.connect(consumer).setStandingOrder(0, t.energyPrice)).to.be.revertedWithCustomError(f.market, "BidPriceNotBelowEnergyPrice");
      await expect(f.market.connect(consumer).setStandingOrder(0, bidRange(t).max + 1)).to.be.revertedWithCustomError(f.market, "BidTotalNotBelowTimeOfUse");
      await expect(f.market.connect(f.roles.admin).setStandingOrder(0, 1)).to.be.revertedWithCustomError(f.market, "DayNotMember");
      await expect(f.market.connect(f.roles.operator).openIntervals(1, 1)).to.be.revertedWithCustomError(f.market, "MarketWrongSettlementMode").withArgs(1);
      const [outsider] = await f.newHouseholds(1, "limits");
      await expect(f.market.connect(outsider).register(1, 0, 40_000, 0))
        .to.be.revertedWithCustomError(f.market, "ParticipantLimitTooHigh")
        .withArgs(40_000, 0x7fff);
    });

    it("refuses day-mode calls in an interval-mode community", async function () {
      const f = await deployCommunity();
      await expect(f.market.connect(f.roles.operator).openDays(30_000, 1)).to.be.revertedWithCustomError(f.market, "MarketWrongSettlementMode").withArgs(0);
      await expect(f.market.connect(f.roles.admin).setStandingOrder(0, 1)).to.be.revertedWithCustomError(f.market, "MarketWrongSettlementMode").withArgs(0);
    });
  });

  it("clears every interval with interval mode's auction (the engine's twin agrees with itself on the orders it builds)", function () {
    // a member who both could sell and buy takes one side per interval: its net position's
    const parties = [
      { account: "0x0000000000000000000000000000000000000001", supplier: 0, floor: askRange(TARIFFS[0].prices).min, cap: bidRange(TARIFFS[0].prices).max },
      { account: "0x0000000000000000000000000000000000000002", supplier: 0, floor: 0, cap: bidRange(TARIFFS[0].prices).max },
    ];
    const nets = [Array.from({ length: 96 }, () => -1_000), Array.from({ length: 96 }, () => 400)];
    const { clearing, bills } = clearDay(parties, nets, TARIFFS);
    expect(clearing[0]).to.include({ seller: 0, buyer: 1, matchedWh: 400, sellBeforeWh: 0, buyBeforeWh: 0 });
    expect(bills[0].quantities.soldWh).to.equal(96 * 400);
    expect(bills[0].quantities.gridExportWh).to.equal(96 * 600);
    expect(bills[1].quantities.gridImportWh).to.equal(0);
  });
});

describe("day mode over random communities", function () {
  this.timeout(300_000);

  for (const seed of [21, 22, 23, 24, 25, 26]) {
    it(`seed ${seed}: settles the engine's clearing to the wei${seed % 2 === 0 ? " in steps" : ""}, conserves money, and refuses it altered`, async function () {
      const rng = new Random(`day-fuzz:${seed}`);
      const n = rng.int(3, 18);
      const f = await dayCommunity(n, seed, BigInt(rng.int(0, 3)) * EUR);
      // some members without an order on a side, some readings zero
      for (const [i, m] of f.members.entries()) {
        if (rng.next() < 0.2) await wait(f.market.connect(m).setStandingOrder(0, rng.next() < 0.5 ? 0 : bidRange(TARIFFS[i % 2].prices).max));
      }
      const nets = randomNets(f, rng.fork("nets"));
      // half the seeds post in small pages and settle in steps
      const stepped = seed % 2 === 0;
      const driver = stepped ? pagedDriver(f, rng.int(1, Math.max(1, n - 1))) : f.driver;
      const { day, pages } = await meteredDay(f, nets, driver);
      const others = await Promise.all([f.roles.platform, f.roles.taxCollector, f.roles.networkOperator, ...f.roles.suppliers].map((s) => s.getAddress()));
      const accounts = [...f.members.map((m) => m.address), ...others];
      const shortfalls = async () => (await f.market.supplierShortfall(0)) + (await f.market.supplierShortfall(1));
      const freeBefore = await Promise.all(accounts.map((a) => freeOf(f, a)));
      const shortBefore = await shortfalls();

      // one altered field of one traded interval is refused, whichever it is
      const { clearing } = await f.driver.clear(day, pages);
      const traded = clearing.map((c, t) => (c.seller === NO_DAY_TRADE.seller ? -1 : t)).filter((t) => t >= 0);
      if (traded.length > 0) {
        const slot = traded[rng.int(0, traded.length - 1)];
        const fields = ["seller", "buyer", "ask", "bid", "matchedWh", "sellBeforeWh", "buyBeforeWh"] as const;
        const field = fields[rng.int(0, fields.length - 1)];
        const delta = rng.next() < 0.5 ? 1 : -1;
        await expect(
          settleWith(f, day, pages, slot, (c) => ({
            ...c,
            [field]: Math.max(0, c[field] + delta) === c[field] ? c[field] + 1 : Math.max(0, c[field] + delta),
          })),
          `${field} ${delta} in slot ${slot}`,
        ).to.be.revert(f.ethers);
      }

      const { result } = stepped
        ? await driver.settleInSteps(day, pages, { verifyPerTx: rng.int(1, pages.length), settlePerTx: rng.int(1, pages.length) })
        : await driver.settle(day, pages);
      const freeAfter = await Promise.all(accounts.map((a) => freeOf(f, a)));
      for (const [i, m] of f.members.entries()) {
        const settled = freeBefore[i] - freeAfter[i] + (await f.market.owed(m.address));
        expect(settled, `member ${i}`).to.equal(BigInt(result.bills[i].lines.net) * WEI_PER_UNIT);
      }
      // no token moved: what the accounts gained together is what suppliers could not pay
      const gained = freeAfter.reduce((s, x) => s + x, 0n) - freeBefore.reduce((s, x) => s + x, 0n);
      expect(gained).to.equal((await shortfalls()) - shortBefore);
      // the auditor's replay from the events agrees with every balance and debt
      expect((await auditFindings(f)).findings).to.deep.equal([]);
      // every interval: P2P Wh sold equals Wh bought, no sell below its floor and no buy above its cap
      for (const iv of result.intervals) {
        const sold = iv.sells.reduce((s, o) => s + (iv.fills.get(o.index) ?? 0), 0);
        const bought = iv.buys.reduce((s, o) => s + (iv.fills.get(o.index) ?? 0), 0);
        expect(sold).to.equal(bought);
        for (const o of iv.sells) if (iv.fills.get(o.index)) expect(o.price).to.be.at.most(iv.price);
        for (const o of iv.buys) if (iv.fills.get(o.index)) expect(o.price).to.be.at.least(iv.price);
      }
    });
  }
});

describe("day mode's worst case under the transaction gas cap", function () {
  this.timeout(900_000);

  it("takes MAX_DAY_MEMBERS households and refuses one more", async function () {
    const f = await deployCommunity({ settlement: "day" });
    const max = Number(await f.market.MAX_DAY_MEMBERS());
    expect(max).to.equal(10_000);
    const address = (i: number) => `0x${(0x10_0000 + i).toString(16).padStart(40, "0")}`;
    const batch = 100;
    for (let first = 0; first < max; first += batch) {
      const accounts = Array.from({ length: batch }, (_, k) => address(first + k));
      const registrations = accounts.map((_, k) => ({ class: 1, supplier: k % 2, importLimitWh: 5_000, exportLimitWh: 0, meteringPoint: first + k + 1 }));
      await wait(f.market.connect(f.roles.admin).onboard(accounts, registrations));
    }
    expect((await f.market.dayCalendar()).members).to.equal(BigInt(max));
    await expect(
      f.market.connect(f.roles.admin).onboard([address(max)], [{ class: 1, supplier: 0, importLimitWh: 10, exportLimitWh: 0, meteringPoint: max + 1 }]),
    )
      .to.be.revertedWithCustomError(f.market, "DayRosterFull")
      .withArgs(max);
  });

  it("settles the largest one-transaction day, and a day of twice as many members in steps, each transaction under the cap, every reading traded and every member recording a debt", async function () {
    const f = await deployCommunity({ settlement: "day" });
    const onboard = async (label: string, n: number, from: number) => {
      const members = await f.newHouseholds(n, label);
      await f.onboard(
        members.map((m, i) => ({ address: m.address, cls: "pv" as const, supplier: (from + i) % 2, importLimitWh: 0x7fff, exportLimitWh: 0x7fff })),
      );
      // every order crosses: the lowest floors and the highest caps allowed
      for (const [i, m] of members.entries()) {
        const t = TARIFFS[(from + i) % 2].prices;
        await wait(f.market.connect(m).setStandingOrder(askRange(t).min + ((from + i) % 7), bidRange(t).max - ((from + i) % 5)));
      }
      return members;
    };
    const max = MAX_ONE_TRANSACTION_MEMBERS;
    const first = await onboard("worst-day", max, 0);
    const driver = new DayDriver(f.market, { operator: f.roles.operator, meter: f.roles.meter, anyone: f.roles.admin });
    const day = await driver.dayAfter((await f.networkHelpers.time.latest()) + 3_600);
    await driver.openDays(day, 2);
    // the roster grows: the days already opened keep theirs, the next day opened takes everyone
    await onboard("worst-day-more", max, max);
    await driver.openDays(day + 2);
    expect((await f.market.dayOf(day + 1)).members).to.equal(BigInt(max));
    expect((await f.market.dayOf(day + 2)).members).to.equal(BigInt(2 * max));
    // in every interval half the members sell a little and half buy a lot: every member ends the day owing
    const netsOf = (n: number) => Array.from({ length: n }, (_, i) => Array.from({ length: 96 }, (_, t) => ((t + i) % 2 === 0 ? -(100 + i) : 3_000 + t)));
    const debts = (receipts: readonly { logs: readonly { topics: readonly string[] }[] }[]) =>
      receipts.flatMap((r) => r.logs).filter((l) => l.topics[0] === f.market.interface.getEvent("DebtRecorded").topicHash).length;
    const underCap = (receipts: readonly { gasUsed: bigint }[], what: string) => {
      for (const r of receipts) expect(Number(r.gasUsed), what).to.be.lessThan(GAS_CAP);
    };

    await f.networkHelpers.time.increaseTo((await driver.startOf(day)) + 86_400);
    const fused = await driver.postAndSettle(day, netsOf(max));
    expect(fused.result.clearing.every((c) => c.matchedWh > 0)).to.equal(true);
    expect(debts([fused.receipt])).to.equal(max);
    underCap([fused.receipt], "one transaction");

    await f.networkHelpers.time.increaseTo((await driver.startOf(day + 1)) + 86_400);
    const posted = await driver.postReadings(day + 1, netsOf(max));
    const whole = await driver.settle(day + 1, posted.pages);
    expect(debts([whole.receipt])).to.equal(max);
    underCap([...posted.receipts, whole.receipt], "posted, then settled whole");

    await f.networkHelpers.time.increaseTo((await driver.startOf(day + 2)) + 86_400);
    const large = await driver.postReadings(day + 2, netsOf(2 * max));
    expect(large.pages.length).to.equal(2);
    const steps = await driver.settleInSteps(day + 2, large.pages);
    expect(debts(steps.settle)).to.equal(2 * max);
    expect((await f.market.dayOf(day + 2)).phase).to.equal(DAY_PHASE.Settled);
    underCap([...large.receipts, ...steps.verify, ...steps.settle], "in steps");
    expect(first.length).to.equal(max);
    const gas = (rs: readonly { gasUsed: bigint }[]) => rs.map((r) => r.gasUsed.toLocaleString("en-US")).join(", ");
    console.log(
      `      worst day of ${max} members: one transaction ${gas([fused.receipt])}; posted ${gas(posted.receipts)} and settled ${gas([whole.receipt])}. ` +
        `${2 * max} members: posted ${gas(large.receipts)}, verified ${gas(steps.verify)}, settled ${gas(steps.settle)}`,
    );
  });
});
