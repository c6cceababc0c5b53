/**
 * The indexer's tables: what a household's pages and a researcher's queries read, one row per fact the market's
 * events state. Amounts are wei of the settlement token (bigint), prices µEUR/kWh and energy Wh, as on chain.
 * Every table is served over GraphQL (`/graphql`, paged with `limit` and cursors) and SQL (`/sql`).
 */
import { index, onchainTable, relations } from "ponder";

/** The market's settings as MarketInitialized set them: one row, id "market". */
export const market = onchainTable("market", (t) => ({
  id: t.text().primaryKey(),
  token: t.hex().notNull(),
  gateLeadSeconds: t.integer().notNull(),
  /** The slot (of 96 a UTC day) at which the community's day starts: its local midnight. */
  dayStartSlot: t.integer().notNull(),
}));

/** A registered household (or supplier-side account) and what the market knows of it. */
export const participant = onchainTable(
  "participant",
  (t) => ({
    address: t.hex().primaryKey(),
    /** consumer, pv or pvBattery */
    participantClass: t.text().notNull(),
    supplier: t.integer().notNull(),
    importLimitWh: t.integer().notNull(),
    exportLimitWh: t.integer().notNull(),
    /** Bound to its metering point: it may sell. */
    metered: t.boolean().notNull(),
    registeredAt: t.integer().notNull(),
    registeredBlock: t.bigint().notNull(),
  }),
  (table) => ({ supplierIndex: index().on(table.supplier) }),
);

/** A market interval: its phase and, once cleared, its uniform price and the energy matched. */
export const interval = onchainTable(
  "interval",
  (t) => ({
    id: t.integer().primaryKey(),
    tariffEpoch: t.integer().notNull(),
    /** Chain time (seconds) at which bidding closes. */
    gateClosesAt: t.integer().notNull(),
    /** The contract's Phase as the events tell it, lower case: open, clearing, cleared, metering, metered, billing, billed, settled, refunding or refunded. */
    phase: t.text().notNull(),
    /** The uniform price, µEUR/kWh; null until priced. */
    price: t.integer(),
    matchedWh: t.bigint(),
    bidCount: t.integer().notNull(),
    tradeCount: t.integer().notNull(),
    /** Buyers' P2P payments at settlement, wei. */
    p2pVolume: t.bigint(),
    openedAt: t.integer().notNull(),
    clearedAt: t.integer(),
    settledAt: t.integer(),
  }),
  (table) => ({ phaseIndex: index().on(table.phase) }),
);

/** A bid, placed directly or relayed in a signed batch, with how much of it filled once the interval cleared. */
export const bid = onchainTable(
  "bid",
  (t) => ({
    /** `${interval}:${bidIndex}` */
    id: t.text().primaryKey(),
    interval: t.integer().notNull(),
    bidIndex: t.integer().notNull(),
    participant: t.hex().notNull(),
    /** sell or buy */
    side: t.text().notNull(),
    wh: t.integer().notNull(),
    /** Limit price, µEUR/kWh. */
    price: t.integer().notNull(),
    relayed: t.boolean().notNull(),
    cancelled: t.boolean().notNull(),
    /** Wh of the bid traded at the interval's price; null until the interval cleared. */
    filledWh: t.integer(),
    placedAt: t.integer().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    intervalIndex: index().on(table.interval, table.side),
    participantIndex: index().on(table.participant, table.interval),
  }),
);

/** A relayed batch as placed, cancellations applied (BidWord words as decimal strings): what cancelling one of its
 *  bids hands back to the market. */
export const bidBatch = onchainTable("bid_batch", (t) => ({
  /** `${interval}:${batch}` */
  id: t.text().primaryKey(),
  interval: t.integer().notNull(),
  batch: t.integer().notNull(),
  firstBidIndex: t.integer().notNull(),
  words: t.json().$type<string[]>().notNull(),
}));

/** One step of an interval's merge: `wh` from seller to buyer at the interval's price. */
export const trade = onchainTable(
  "trade",
  (t) => ({
    id: t.text().primaryKey(),
    interval: t.integer().notNull(),
    seller: t.hex().notNull(),
    buyer: t.hex().notNull(),
    wh: t.integer().notNull(),
    price: t.integer().notNull(),
    timestamp: t.integer().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    intervalIndex: index().on(table.interval),
    sellerIndex: index().on(table.seller, table.interval),
    buyerIndex: index().on(table.buyer, table.interval),
  }),
);

/**
 * A household's bill for an interval (interval mode) or a day (day mode, `interval` = the day's first interval):
 * the metered quantities and each line as the contract settles it, nano-euro (the ledger moves 1e9 wei each).
 */
export const bill = onchainTable(
  "bill",
  (t) => ({
    /** `${interval}:${participant}` */
    id: t.text().primaryKey(),
    interval: t.integer().notNull(),
    /** The day-mode day, null for an interval's bill. */
    day: t.integer(),
    participant: t.hex().notNull(),
    p2pBoughtWh: t.integer().notNull(),
    p2pSoldWh: t.integer().notNull(),
    gridImportWh: t.integer().notNull(),
    gridExportWh: t.integer().notNull(),
    p2pCost: t.bigint().notNull(),
    p2pProceeds: t.bigint().notNull(),
    platformFee: t.bigint().notNull(),
    levies: t.bigint().notNull(),
    supplierFee: t.bigint().notNull(),
    networkFee: t.bigint().notNull(),
    gridImportCost: t.bigint().notNull(),
    gridExportCredit: t.bigint().notNull(),
    dailyCharge: t.bigint().notNull(),
    /** What the bill moved on the household's balance: received less paid, nano-euro (negative: it paid). */
    amount: t.bigint().notNull(),
    /** The same metered energy billed without the market (BAU: all import at the grid price, all export at feed-in),
     *  nano-euro, received less paid: `amount - bauAmount` is what the market saved the household. */
    bauAmount: t.bigint().notNull(),
    /** The meter's readings billed (interval mode: the interval's; day mode: the day's sums). */
    meteredImportWh: t.integer().notNull(),
    meteredExportWh: t.integer().notNull(),
    settled: t.boolean().notNull(),
    timestamp: t.integer().notNull(),
  }),
  (table) => ({ participantIndex: index().on(table.participant, table.interval), intervalIndex: index().on(table.interval) }),
);

/** A meter reading of an interval, as ReadingsPosted published it. */
export const reading = onchainTable(
  "reading",
  (t) => ({
    /** `${interval}:${participant}` */
    id: t.text().primaryKey(),
    interval: t.integer().notNull(),
    participant: t.hex().notNull(),
    importWh: t.integer().notNull(),
    exportWh: t.integer().notNull(),
  }),
  (table) => ({ participantIndex: index().on(table.participant, table.interval) }),
);

/**
 * A movement of an account's money in the market: deposit, withdrawal, faucet (the test token minted to a
 * wallet), settlement (a bill's net), debt (what settlement could not take) or debtRepaid. Signed wei: positive
 * into the account's free balance (or, for faucet, its wallet).
 */
export const ledgerMovement = onchainTable(
  "ledger_movement",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    kind: t.text().notNull(),
    amount: t.bigint().notNull(),
    interval: t.integer(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.integer().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ accountIndex: index().on(table.account, table.blockNumber), kindIndex: index().on(table.kind) }),
);

/** A supplier's tariff for a tariff epoch, as TariffSet published it (µEUR/kWh; daily charge µEUR). */
export const tariff = onchainTable("tariff", (t) => ({
  /** `${supplier}:${epoch}` */
  id: t.text().primaryKey(),
  supplier: t.integer().notNull(),
  epoch: t.integer().notNull(),
  prices: t.json().$type<Record<string, number>>().notNull(),
}));

/** The market's standing configuration: fee recipients and supplier accounts, one row per role. */
export const account = onchainTable("market_account", (t) => ({
  /** platform, tax, network, or supplier:N */
  role: t.text().primaryKey(),
  address: t.hex().notNull(),
}));

/** A day-mode day: its phase and members. */
export const day = onchainTable("day", (t) => ({
  id: t.integer().primaryKey(),
  tariffEpoch: t.integer().notNull(),
  members: t.integer().notNull(),
  /** open, metered, verified, settling, settled or void */
  phase: t.text().notNull(),
  p2pVolume: t.bigint(),
  openedAt: t.integer().notNull(),
  settledAt: t.integer(),
}));

/** A day-mode member: its roster number, its account and its standing order (limit prices, µEUR/kWh). */
export const dayMember = onchainTable(
  "day_member",
  (t) => ({
    member: t.integer().primaryKey(),
    account: t.hex().notNull(),
    floor: t.integer(),
    cap: t.integer(),
    sinceDay: t.integer(),
  }),
  (table) => ({ accountIndex: index().on(table.account) }),
);

export const intervalRelations = relations(interval, ({ many }) => ({ bids: many(bid), trades: many(trade), bills: many(bill) }));
export const bidRelations = relations(bid, ({ one }) => ({ of: one(interval, { fields: [bid.interval], references: [interval.id] }) }));
export const tradeRelations = relations(trade, ({ one }) => ({ of: one(interval, { fields: [trade.interval], references: [interval.id] }) }));
export const billRelations = relations(bill, ({ one }) => ({ of: one(interval, { fields: [bill.interval], references: [interval.id] }) }));
