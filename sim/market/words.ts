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

/** The 32-byte words of an event's packed bytes (hex), in order. */
function wordsOf(hex: string): bigint[] {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  const words: bigint[] = [];
  for (let i = 0; i + 64 <= body.length; i += 64) words.push(BigInt(`0x${body.slice(i, i + 64)}`));
  return words;
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
  unpackAll: (hex: string): BillQuantities[] => wordsOf(hex).map(billWord.unpack),
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

/** A day-mode member in the roster (DayMemberWord): account << 96 | floor << 76 | cap << 56 | sinceDay << 40 |
 *  supplier << 36 | metered << 35 | importLimitWh << 20 | exportLimitWh << 5. */
export interface DayMember {
  account: string;
  floor: number;
  cap: number;
  sinceDay: number;
  supplier: number;
  metered: boolean;
  importLimitWh: number;
  exportLimitWh: number;
}

const MASK15 = (1n << 15n) - 1n;
const MASK20 = (1n << 20n) - 1n;

export const dayMemberWord = {
  pack: (m: DayMember): bigint =>
    (BigInt(m.account) << 96n) |
    (BigInt(m.floor) << 76n) |
    (BigInt(m.cap) << 56n) |
    (BigInt(m.sinceDay) << 40n) |
    (BigInt(m.supplier) << 36n) |
    (m.metered ? 1n << 35n : 0n) |
    (BigInt(m.importLimitWh) << 20n) |
    (BigInt(m.exportLimitWh) << 5n),
  unpack: (word: bigint): DayMember => ({
    account: addressAt(word, 96n),
    floor: Number((word >> 76n) & MASK20),
    cap: Number((word >> 56n) & MASK20),
    sinceDay: Number((word >> 40n) & 0xffffn),
    supplier: Number((word >> 36n) & 0xfn),
    metered: ((word >> 35n) & 1n) === 1n,
    importLimitWh: Number((word >> 20n) & MASK15),
    exportLimitWh: Number((word >> 5n) & MASK15),
  }),
};

/** A member as a day's meter page commits it (DayPartyWord): account << 96 | supplier << 88 | floor << 64 | cap << 40.
 *  `floor` is 0 when the member may not sell that day. */
export interface DayParty {
  account: string;
  supplier: number;
  floor: number;
  cap: number;
}

export const dayPartyWord = {
  pack: (p: DayParty): bigint => (BigInt(p.account) << 96n) | (BigInt(p.supplier) << 88n) | (BigInt(p.floor) << 64n) | (BigInt(p.cap) << 40n),
  unpack: (word: bigint): DayParty => ({
    account: addressAt(word, 96n),
    supplier: Number((word >> 88n) & MASK8),
    floor: Number((word >> 64n) & MASK24),
    cap: Number((word >> 40n) & MASK24),
  }),
};

/** The seller and buyer of a day-mode interval in which nothing matched (DayClearingWords.NO_MEMBER). */
export const NO_MEMBER = 0xffffff;

/** One interval of a day's clearing (DayClearingWord): seller << 232 | buyer << 208 | ask << 184 | bid << 160 |
 *  matchedWh << 128 | sellBeforeWh << 96 | buyBeforeWh << 64. */
export interface DayClearing {
  seller: number;
  buyer: number;
  ask: number;
  bid: number;
  matchedWh: number;
  sellBeforeWh: number;
  buyBeforeWh: number;
}

export const NO_DAY_TRADE: DayClearing = { seller: NO_MEMBER, buyer: NO_MEMBER, ask: 0, bid: 0, matchedWh: 0, sellBeforeWh: 0, buyBeforeWh: 0 };

export const dayClearingWord = {
  pack: (c: DayClearing): bigint =>
    (BigInt(c.seller) << 232n) |
    (BigInt(c.buyer) << 208n) |
    (BigInt(c.ask) << 184n) |
    (BigInt(c.bid) << 160n) |
    (BigInt(c.matchedWh) << 128n) |
    (BigInt(c.sellBeforeWh) << 96n) |
    (BigInt(c.buyBeforeWh) << 64n),
  unpack: (word: bigint): DayClearing => ({
    seller: Number((word >> 232n) & MASK24),
    buyer: Number((word >> 208n) & MASK24),
    ask: Number((word >> 184n) & MASK24),
    bid: Number((word >> 160n) & MASK24),
    matchedWh: Number((word >> 128n) & MASK32),
    sellBeforeWh: Number((word >> 96n) & MASK32),
    buyBeforeWh: Number((word >> 64n) & MASK32),
  }),
};

/** One member's settled day in DaySettled (DayBillWord): boughtWh << 224 | soldWh << 192 | boughtUnits << 128 |
 *  soldUnits << 64 | gridImportWh << 32 | gridExportWh. Units are Wh × µEUR/kWh. */
export interface DayBillQuantities {
  boughtWh: number;
  soldWh: number;
  boughtUnits: number;
  soldUnits: number;
  gridImportWh: number;
  gridExportWh: number;
}

export const dayBillWord = {
  pack: (b: DayBillQuantities): bigint =>
    (BigInt(b.boughtWh) << 224n) |
    (BigInt(b.soldWh) << 192n) |
    (BigInt(b.boughtUnits) << 128n) |
    (BigInt(b.soldUnits) << 64n) |
    (BigInt(b.gridImportWh) << 32n) |
    BigInt(b.gridExportWh),
  unpack: (word: bigint): DayBillQuantities => ({
    boughtWh: Number((word >> 224n) & MASK32),
    soldWh: Number((word >> 192n) & MASK32),
    boughtUnits: Number((word >> 128n) & MASK64),
    soldUnits: Number((word >> 64n) & MASK64),
    gridImportWh: Number((word >> 32n) & MASK32),
    gridExportWh: Number(word & MASK32),
  }),
  /** Every bill of DaySettled's `bills` bytes, in roster order. */
  unpackAll: (hex: string): DayBillQuantities[] => wordsOf(hex).map(dayBillWord.unpack),
};
