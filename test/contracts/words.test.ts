/**
 * The engine's packed words (sim/market/words.ts) against the contracts' codecs (contracts/MarketWords.sol,
 * AccountWord.sol, OrderRef.sol), both ways: a word packed in TypeScript reads back field by field in Solidity, and a
 * word packed in Solidity reads back in TypeScript. Random fields plus each field at its limits.
 */
import { expect } from "chai";
import hre from "hardhat";

import { accountWord, bidWord, billWord, orderEntry, orderRef, readingWord, signedTerms } from "@kiezstrom/engine/market/words";
import { Random } from "@kiezstrom/engine/random";
import type { PackedWordsHarness } from "../../types/ethers-contracts/index.js";

const SAMPLES = 24;

describe("packed words: the engine's twins against the Solidity codecs", function () {
  let words: PackedWordsHarness;
  const rng = new Random("packed words");
  const bits = (n: number, at: "random" | "max" | "zero") => {
    if (at === "zero") return 0n;
    if (at === "max") return (1n << BigInt(n)) - 1n;
    let v = 0n;
    for (let i = 0; i < n; i += 16) v = (v << 16n) | BigInt(rng.int(0, 0xffff));
    return v & ((1n << BigInt(n)) - 1n);
  };
  const address = (at: "random" | "max" | "zero") => `0x${bits(160, at).toString(16).padStart(40, "0")}`;
  /** Two samples at the limits, then random ones. */
  const cases = () => (["zero", "max", ...Array(SAMPLES).fill("random")] as const).map((at) => at as "random" | "max" | "zero");

  before(async function () {
    const { ethers } = await hre.network.create();
    words = (await ethers.deployContract("PackedWordsHarness")) as unknown as PackedWordsHarness;
  });

  it("BidWord: packs, cancels and makes its order entry as BidWords does", async function () {
    for (const at of cases()) {
      const bid = { participant: address(at), side: at === "max" ? 2 : rng.int(0, 2), wh: Number(bits(24, at)), price: Number(bits(32, at)) };
      const word = bidWord.pack(bid);
      expect(await words.packBid(bid.participant, bid.side, bid.wh, bid.price)).to.equal(word);
      const read = await words.readBid(word);
      expect({ participant: read.participant.toLowerCase(), side: Number(read.side), wh: Number(read.wh), price: Number(read.price) }).to.deep.equal(bid);
      expect(read.cancelled).to.equal(bidWord.cancelled(word));
      expect(read.entryAt7).to.equal(bidWord.entry(word, 7));
      expect(bidWord.unpack(word)).to.deep.equal(bid);
    }
  });

  it("OrderEntry: packs and reads as OrderEntries does", async function () {
    for (const at of cases()) {
      const entry = { bidIndex: Number(bits(32, at)), participant: address(at), wh: Number(bits(24, at)), price: Number(bits(32, at)) };
      const word = orderEntry.pack(entry);
      expect(await words.packEntry(entry.bidIndex, entry.participant, entry.wh, entry.price)).to.equal(word);
      const read = await words.readEntry(word);
      expect({ bidIndex: Number(read.bidIndex), participant: read.participant.toLowerCase(), wh: Number(read.wh), price: Number(read.price) }).to.deep.equal(
        entry,
      );
      expect(orderEntry.unpack(word)).to.deep.equal(entry);
    }
  });

  it("ReadingWord: packs and reads as ReadingWords does", async function () {
    for (const at of cases()) {
      const r = { participant: address(at), supplier: Number(bits(8, at)), importWh: Number(bits(32, at)), exportWh: Number(bits(32, at)) };
      const word = readingWord.pack(r);
      expect(await words.packReading(r.participant, r.supplier, r.importWh, r.exportWh)).to.equal(word);
      const read = await words.readReading(word);
      expect({
        participant: read.participant.toLowerCase(),
        supplier: Number(read.supplier),
        importWh: Number(read.importWh),
        exportWh: Number(read.exportWh),
      }).to.deep.equal(r);
      expect(readingWord.unpack(word)).to.deep.equal(r);
    }
  });

  it("BillWord: packs and reads as BillWords does, the grid residual with its sign", async function () {
    for (const at of cases()) {
      const grid = Number(bits(31, at));
      const exporting = at === "max" || rng.next() < 0.5;
      const b = {
        participant: address(at),
        p2pBoughtWh: Number(bits(32, at)),
        p2pSoldWh: Number(bits(32, at)),
        gridImportWh: exporting ? 0 : grid,
        gridExportWh: exporting ? grid : 0,
      };
      const word = billWord.pack(b);
      expect(await words.packBill(b.participant, b.p2pBoughtWh, b.p2pSoldWh, b.gridImportWh, b.gridExportWh)).to.equal(word);
      const read = await words.readBill(word);
      expect({ participant: read.participant.toLowerCase(), bought: Number(read.bought), sold: Number(read.sold), grid: Number(read.grid) }).to.deep.equal({
        participant: b.participant,
        bought: b.p2pBoughtWh,
        sold: b.p2pSoldWh,
        grid: b.gridImportWh - b.gridExportWh,
      });
      expect(billWord.unpack(word)).to.deep.equal(b);
      expect(billWord.unpackAll(`0x${word.toString(16).padStart(64, "0").repeat(2)}`)).to.deep.equal([b, b]);
    }
  });

  it("SignedTerms: packs and reads as SignedTermsWords does", async function () {
    for (const at of cases()) {
      const t = { side: Number(bits(8, at)), wh: Number(bits(24, at)), price: Number(bits(32, at)), nonce: Number(bits(32, at)), deadline: bits(64, at) };
      const word = signedTerms.pack(t);
      expect(await words.packTerms(t.side, t.wh, t.price, t.nonce, t.deadline)).to.equal(word);
      const read = await words.readTerms(word);
      expect({ side: Number(read.side), wh: Number(read.wh), price: Number(read.price), nonce: Number(read.nonce), deadline: read.deadline }).to.deep.equal(t);
      expect(signedTerms.unpack(word)).to.deep.equal(t);
    }
  });

  it("OrderRef: names a direct and a handed-back bid as OrderRefs does", async function () {
    for (const at of cases()) {
      const index = Number(bits(31, at));
      for (const handedBack of [false, true]) {
        const ref = handedBack ? orderRef.handedBack(index) : orderRef.direct(index);
        expect(await words.packOrderRef(index, handedBack)).to.equal(BigInt(ref));
        const read = await words.readOrderRef(ref);
        expect([read.handedBack, Number(read.index)]).to.deep.equal([handedBack, index]);
        expect([orderRef.isHandedBack(ref), orderRef.index(ref)]).to.deep.equal([handedBack, index]);
      }
    }
  });

  it("AccountWord: packs and reads as AccountWords does", async function () {
    for (const at of cases()) {
      const a = {
        free: bits(96, at),
        lockedUnits: bits(64, at),
        bidNonce: Number(bits(24, at)),
        inDebt: at === "max" || (at === "random" && rng.next() < 0.5),
        tallyBids: Number(bits(3, at)),
        tallySoldWh: Number(bits(18, at)),
        tallyBoughtWh: Number(bits(18, at)),
        tallyInterval: Number(bits(32, at)),
      };
      const word = accountWord.pack(a);
      expect(await words.packAccount(a.free, a.lockedUnits, a.bidNonce, a.tallyInterval, a.tallyBids, a.inDebt, a.tallySoldWh, a.tallyBoughtWh)).to.equal(word);
      const read = await words.readAccount(word);
      expect({
        free: read.free,
        lockedUnits: read.lockedUnits,
        bidNonce: Number(read.bidNonce),
        inDebt: read.inDebt,
        tallyBids: Number(read.tallyBids),
        tallySoldWh: Number(read.tallySoldWh),
        tallyBoughtWh: Number(read.tallyBoughtWh),
        tallyInterval: Number(read.tallyInterval),
      }).to.deep.equal(a);
      expect(accountWord.unpack(word)).to.deep.equal(a);
    }
  });
});
