import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createMarketRebuild, rebuildMarket, type MarketEvent } from "@kiezstrom/engine/audit";
import { billWord, bidWord } from "@kiezstrom/engine/market/words";
import { BERLIN_2023_SUPPLIERS } from "@kiezstrom/engine/scenario/tariffs-berlin-2023";

const SELLER = "0x00000000000000000000000000000000000000a1";
const BUYER = "0x00000000000000000000000000000000000000b2";
const word = (who: string, bought: number, sold: number, grid: number) =>
  who.slice(2).padStart(40, "0") + [bought, sold, grid >>> 0].map((n) => n.toString(16).padStart(8, "0")).join("");

/** One interval of a two-household market, as its events tell it. */
function events(): MarketEvent[] {
  const t = BERLIN_2023_SUPPLIERS[0].tariff;
  const interval = 1_994_724;
  return [
    { name: "TariffSet", args: { supplier: 0, epoch: 0, tariff: { ...t.prices, dailyChargeMicroEur: t.dailyChargeMicroEur } } },
    { name: "SupplierAccountSet", args: { supplier: 0, account: "0x00000000000000000000000000000000000000c3" } },
    {
      name: "FeeRecipientsSet",
      args: {
        platform: "0x00000000000000000000000000000000000000d4",
        taxCollector: "0x00000000000000000000000000000000000000e5",
        networkOperator: "0x00000000000000000000000000000000000000f6",
      },
    },
    { name: "ParticipantRegistered", args: { participant: SELLER, participantClass: 2, supplier: 0, importLimitWh: 5000, exportLimitWh: 5000 } },
    { name: "ParticipantRegistered", args: { participant: BUYER, participantClass: 1, supplier: 0, importLimitWh: 5000, exportLimitWh: 0 } },
    { name: "Deposited", args: { account: SELLER, amount: 10n ** 19n } },
    { name: "Deposited", args: { account: BUYER, amount: 10n ** 19n } },
    { name: "IntervalOpened", args: { interval, tariffEpoch: 0, gateClosesAt: 0 } },
    { name: "BidPlaced", args: { interval, bidIndex: 0, participant: SELLER, side: 1, wh: 400, price: 100_000 } },
    {
      name: "BidsPlaced",
      args: {
        interval,
        batch: 0,
        firstBidIndex: 1,
        bids: [bidWord.pack({ participant: BUYER, side: 2, wh: 300, price: 140_000 }), bidWord.pack({ participant: BUYER, side: 2, wh: 100, price: 90_000 })],
      },
    },
    { name: "BidCancelled", args: { interval, bidIndex: 2, participant: BUYER } },
    { name: "IntervalCleared", args: { interval, price: 120_000, matchedWh: 300 } },
    { name: "TradeMatched", args: { interval, seller: SELLER, buyer: BUYER, wh: 300, price: 120_000 } },
    {
      name: "ReadingsPosted",
      args: {
        interval,
        page: 0,
        readings: [
          { participant: SELLER, importWh: 0, exportWh: 700 },
          { participant: BUYER, importWh: 500, exportWh: 0 },
        ],
      },
    },
    { name: "BillsIssued", args: { interval, page: 0, bills: `0x${word(SELLER, 0, 300, -400)}${word(BUYER, 300, 0, 200)}` } },
    { name: "IntervalSettled", args: { interval, p2pVolume: 300n * 120_000n * 10n ** 9n } },
  ];
}

describe("the auditor's rebuild of a market from its events", () => {
  it("unpacks a page of bills, grid import positive and export negative", () => {
    assert.deepEqual(billWord.unpackAll(`0x${word(SELLER, 0, 300, -400)}${word(BUYER, 300, 0, 200)}`), [
      { participant: SELLER, p2pBoughtWh: 0, p2pSoldWh: 300, gridImportWh: 0, gridExportWh: 400 },
      { participant: BUYER, p2pBoughtWh: 300, p2pSoldWh: 0, gridImportWh: 200, gridExportWh: 0 },
    ]);
  });

  it("keeps each relayed batch as placed, a cancelled bid's side cleared, for handing back to the market", () => {
    const { intervals } = rebuildMarket(events(), 92);
    const s = intervals.get(1_994_724)!;
    assert.deepEqual(
      s.batches.map((b) => [b.batch, b.firstBidIndex, b.bids.length]),
      [[0, 1, 2]],
    );
    assert.equal(s.batches[0].bids[0], bidWord.pack({ participant: BUYER, side: 2, wh: 300, price: 140_000 }));
    assert.equal(s.batches[0].bids[1], bidWord.pack({ participant: BUYER, side: 0, wh: 100, price: 90_000 }));
    assert.deepEqual(
      s.bids.map((b) => [b.index, b.side, b.cancelled]),
      [
        [0, "sell", false],
        [1, "buy", false],
        [2, "buy", true],
      ],
    );
  });

  it("gives the same ledger and intervals fed event by event as all at once", () => {
    const all = rebuildMarket(events(), 92);
    const incremental = createMarketRebuild(92);
    for (const e of events()) incremental.apply([e]);
    assert.equal(incremental.applied, events().length);
    assert.deepEqual([...incremental.free], [...all.free]);
    assert.deepEqual([...incremental.locked], [...all.locked]);
    assert.deepEqual(incremental.findings, all.findings);
    assert.deepEqual(incremental.intervals.get(1_994_724)!.bills, all.intervals.get(1_994_724)!.bills);
    // the buyer's lock is released and its P2P energy paid; the pool balances, so nothing is found
    assert.equal(all.locked.get(BUYER), 0n);
    assert.deepEqual(all.findings, []);
    assert.ok(all.free.get(SELLER)! > 10n ** 19n, "the seller was paid for 300 Wh and 400 Wh of feed-in");
  });
});
