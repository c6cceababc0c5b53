/**
 * The market's packed words, twin of contracts/MarketWords.sol, contracts/AccountWord.sol and contracts/OrderRef.sol:
 * each with its constructor and its reader, bit for bit as the contracts pack them. The driver, the audit, the
 * dApp and the tests read and write words only through these; test/contracts/words.test.ts checks every word
 * against the Solidity codecs in both directions.
 */

const MASK8 = 0xffn;
const MASK24 = (1n << 24n) - 1n;
const MASK32 = (1n << 32n) - 1n;
const MASK64 = (1n << 64n) - 1n;
const MASK160 = (1n << 160n) - 1n;

/** An address as the words carry it: 20 bytes, lower-case hex. */
function addressAt(word: bigint, shift: bigint): string {
  return `0x${((word >> shift) & MASK160).toString(16).padStart(40, "0")}`;
}

/** A placed bid (BidWord): participant << 96 | side << 88 | wh << 64 | price << 32. Side 0 is a cancelled bid. */
export interface Bid {
  participant: string;
  side: number;
  wh: number;
  price: number;
}

export const bidWord = {
  pack: (b: Bid): bigint => (BigInt(b.participant) << 96n) | (BigInt(b.side) << 88n) | (BigInt(b.wh) << 64n) | (BigInt(b.price) << 32n),
  unpack: (word: bigint): Bid => ({
    participant: addressAt(word, 96n),
    side: Number((word >> 88n) & MASK8),
    wh: Number((word >> 64n) & MASK24),
    price: Number((word >> 32n) & MASK32),
  }),
  /** The word with its side cleared: how a cancelled bid stays in its batch (BidWords.cancelled). */
  cancelled: (word: bigint): bigint => word & ~(MASK8 << 88n),
  /** The order entry of the bid at `bidIndex` (BidWords.entry). */
  entry: (word: bigint, bidIndex: number): bigint => bidWord.cancelled(word) | BigInt(bidIndex),
};

/** A bid in a committed order page (OrderEntry): participant << 96 | wh << 64 | price << 32 | bidIndex. */
export interface Entry {
  bidIndex: number;
  participant: string;
  wh: number;
  price: number;
}

export const orderEntry = {
  pack: (e: Entry): bigint => (BigInt(e.participant) << 96n) | (BigInt(e.wh) << 64n) | (BigInt(e.price) << 32n) | BigInt(e.bidIndex),
  unpack: (word: bigint): Entry => ({
    bidIndex: Number(word & MASK32),
    participant: addressAt(word, 96n),
    wh: Number((word >> 64n) & MASK24),
    price: Number((word >> 32n) & MASK32),
  }),
};

/** A committed reading (ReadingWord): participant << 96 | supplier << 64 | importWh << 32 | exportWh. */
export interface MeteredReading {
  participant: string;
  supplier: number;
  importWh: number;
  exportWh: number;
}

export const readingWord = {
  pack: (r: MeteredReading): bigint => (BigInt(r.participant) << 96n) | (BigInt(r.supplier) << 64n) | (BigInt(r.importWh) << 32n) | BigInt(r.exportWh),
  unpack: (word: bigint): MeteredReading => ({
    participant: addressAt(word, 96n),
    supplier: Number((word >> 64n) & MASK8),
    importWh: Number((word >> 32n) & MASK32),
    exportWh: Number(word & MASK32),
  }),
};

/** One bill of BillsIssued (BillWord): participant << 96 | bought << 64 | sold << 32 | uint32(int32 grid). */
export interface BillQuantities {
  participant: string;
  p2pBoughtWh: number;
  p2pSoldWh: number;
  gridImportWh: number;
  gridExportWh: number;
}

export const billWord = {
  pack: (b: BillQuantities): bigint => {
    const grid = BigInt.asUintN(32, BigInt(b.gridImportWh - b.gridExportWh));
    return (BigInt(b.participant) << 96n) | (BigInt(b.p2pBoughtWh) << 64n) | (BigInt(b.p2pSoldWh) << 32n) | grid;
  },
  unpack: (word: bigint): BillQuantities => {
    const grid = Number(BigInt.asIntN(32, word & MASK32));
    return {
      participant: addressAt(word, 96n),
      p2pBoughtWh: Number((word >> 64n) & MASK32),
      p2pSoldWh: Number((word >> 32n) & MASK32),
      gridImportWh: Math.max(grid, 0),
      gridExportWh: grid < 0 ? -grid : 0,
    };
  },
  /** The bills of a BillsIssued event's `bills` bytes (hex), one 32-byte word each. */
  unpackAll: (hex: string): BillQuantities[] => {
    const out: BillQuantities[] = [];
    for (let i = 2; i + 64 <= hex.length; i += 64) out.push(billWord.unpack(BigInt(`0x${hex.slice(i, i + 64)}`)));
    return out;
  },
};

/** The bid indexes of an OrderPageCommitted event: 4-byte big-endian numbers, one per entry of the page. */
export const bidIndexes = {
  unpack: (hex: string): number[] => {
    const out: number[] = [];
    for (let i = 2; i + 8 <= hex.length; i += 8) out.push(parseInt(hex.slice(i, i + 8), 16));
    return out;
  },
};

/** A signed bid's terms (SignedTerms): side << 152 | wh << 128 | price << 96 | nonce << 64 | deadline. */
export interface Terms {
  side: number;
  wh: number;
  price: number;
  nonce: number | bigint;
  deadline: number | bigint;
}

export const signedTerms = {
  pack: (t: Terms): bigint => (BigInt(t.side) << 152n) | (BigInt(t.wh) << 128n) | (BigInt(t.price) << 96n) | (BigInt(t.nonce) << 64n) | BigInt(t.deadline),
  unpack: (word: bigint): { side: number; wh: number; price: number; nonce: number; deadline: bigint } => ({
    side: Number((word >> 152n) & MASK8),
    wh: Number((word >> 128n) & MASK24),
    price: Number((word >> 96n) & MASK32),
    nonce: Number((word >> 64n) & MASK32),
    deadline: word & MASK64,
  }),
};

/** An order names a relayed bid by this bit plus its position in the batches handed back (OrderRef). */
export const HANDED_BACK = 0x80000000;

/** How an order names a bid (contracts/OrderRef.sol): a direct bid by its index, a relayed one by its position. */
export const orderRef = {
  direct: (bidIndex: number): number => bidIndex,
  handedBack: (position: number): number => HANDED_BACK + position,
  isHandedBack: (ref: number): boolean => ref >= HANDED_BACK,
  index: (ref: number): number => (ref >= HANDED_BACK ? ref - HANDED_BACK : ref),
};

/** One ledger account in one slot (AccountWord): see the bit layout drawn in contracts/AccountWord.sol. */
export interface AccountFields {
  free: bigint;
  lockedUnits: bigint;
  bidNonce: number;
  inDebt: boolean;
  tallyBids: number;
  tallySoldWh: number;
  tallyBoughtWh: number;
  tallyInterval: number;
}

const ACCOUNT = { locked: 96n, nonce: 160n, debt: 184n, bids: 185n, sold: 188n, bought: 206n, interval: 224n } as const;
const MASK18 = (1n << 18n) - 1n;

export const accountWord = {
  pack: (a: AccountFields): bigint =>
    BigInt(a.free) |
    (BigInt(a.lockedUnits) << ACCOUNT.locked) |
    (BigInt(a.bidNonce) << ACCOUNT.nonce) |
    ((a.inDebt ? 1n : 0n) << ACCOUNT.debt) |
    (BigInt(a.tallyBids) << ACCOUNT.bids) |
    (BigInt(a.tallySoldWh) << ACCOUNT.sold) |
    (BigInt(a.tallyBoughtWh) << ACCOUNT.bought) |
    (BigInt(a.tallyInterval) << ACCOUNT.interval),
  unpack: (word: bigint): AccountFields => ({
    free: word & ((1n << 96n) - 1n),
    lockedUnits: (word >> ACCOUNT.locked) & MASK64,
    bidNonce: Number((word >> ACCOUNT.nonce) & MASK24),
    inDebt: ((word >> ACCOUNT.debt) & 1n) === 1n,
    tallyBids: Number((word >> ACCOUNT.bids) & 7n),
    tallySoldWh: Number((word >> ACCOUNT.sold) & MASK18),
    tallyBoughtWh: Number((word >> ACCOUNT.bought) & MASK18),
    tallyInterval: Number((word >> ACCOUNT.interval) & MASK32),
  }),
};
