/**
 * What each market event writes to the indexer's tables. The engine (the single home of the market's rules)
 * decodes packed words, prices bills and attributes fills; nothing here re-states a rule of the market.
 * The indexer serves pages; the auditor never trusts it (npm run audit replays the chain's own events).
 */
import { and, eq } from "ponder";
import { ponder, type Context, type Event } from "ponder:registry";
import { account, bid, bidBatch, bill, day, dayMember, interval, ledgerMovement, market, participant, reading, tariff, trade } from "ponder:schema";

import { INTERVALS_PER_DAY } from "@kiezstrom/engine/calendar";
import { bauBill, lemBill, isDayStart, type BillLines } from "@kiezstrom/engine/market/billing";
import { clearInterval } from "@kiezstrom/engine/market/clearing";
import { dayBauLines, dayBillLines } from "@kiezstrom/engine/market/day";
import { batchBids, cancelInBatches, CLASS_NAMES, sideName, WEI_PER_UNIT } from "@kiezstrom/engine/market/onchain";
import { tariffFromChain, type TariffStruct } from "@kiezstrom/engine/market/tariff";
import { billWord, dayBillWord } from "@kiezstrom/engine/market/words";

type Hex = `0x${string}`;
const lower = (a: string) => a.toLowerCase() as Hex;
const when = (event: { block: { timestamp: bigint } }) => Number(event.block.timestamp);

/** The market's day start slot, from MarketInitialized (bills of a day's first interval carry the daily charge). */
let dayStartSlot = 0;

ponder.on("KiezMarket:MarketInitialized", async ({ event, context }) => {
  dayStartSlot = Number(event.args.dayStartSlot);
  const values = { token: lower(event.args.token), gateLeadSeconds: Number(event.args.gateLeadSeconds), dayStartSlot };
  await context.db
    .insert(market)
    .values({ id: "market", ...values })
    .onConflictDoUpdate(values);
});

async function tariffOf(context: Context, supplier: number, epoch: number) {
  const row = await context.db.find(tariff, { id: `${supplier}:${epoch}` });
  if (!row) throw new Error(`no tariff for supplier ${supplier} in epoch ${epoch}`);
  return tariffFromChain(row.prices as TariffStruct);
}

async function setAccount(context: Context, role: string, address: string) {
  await context.db
    .insert(account)
    .values({ role, address: lower(address) })
    .onConflictDoUpdate({ address: lower(address) });
}

/** One movement of an account's money; `suffix` tells apart several movements of one log. */
async function move(context: Context, event: Event, who: string, kind: string, amount: bigint, intervalId: number | null, suffix = "") {
  await context.db.insert(ledgerMovement).values({
    id: `${event.id}${suffix}`,
    account: lower(who),
    kind,
    amount,
    interval: intervalId,
    blockNumber: event.block.number,
    timestamp: when(event),
    transactionHash: event.transaction.hash,
  });
}

ponder.on("KiezMarket:TariffSet", async ({ event, context }) => {
  const prices = Object.fromEntries(Object.entries(event.args.tariff).map(([k, v]) => [k, Number(v)]));
  const id = `${Number(event.args.supplier)}:${Number(event.args.epoch)}`;
  await context.db
    .insert(tariff)
    .values({ id, supplier: Number(event.args.supplier), epoch: Number(event.args.epoch), prices })
    .onConflictDoUpdate({ prices });
});

ponder.on("KiezMarket:SupplierAccountSet", async ({ event, context }) => {
  await setAccount(context, `supplier:${Number(event.args.supplier)}`, event.args.account);
});

ponder.on("KiezMarket:FeeRecipientsSet", async ({ event, context }) => {
  await setAccount(context, "platform", event.args.platform);
  await setAccount(context, "tax", event.args.taxCollector);
  await setAccount(context, "network", event.args.networkOperator);
});

ponder.on("KiezMarket:ParticipantRegistered", async ({ event, context }) => {
  const a = event.args;
  const values = {
    participantClass: CLASS_NAMES[Number(a.participantClass) as keyof typeof CLASS_NAMES] ?? `class ${a.participantClass}`,
    supplier: Number(a.supplier),
    importLimitWh: Number(a.importLimitWh),
    exportLimitWh: Number(a.exportLimitWh),
  };
  await context.db
    .insert(participant)
    .values({ address: lower(a.participant), ...values, metered: false, registeredAt: when(event), registeredBlock: event.block.number })
    .onConflictDoUpdate(values);
});

ponder.on("KiezMarket:MeteringPointConfirmed", async ({ event, context }) => {
  const row = await context.db.find(participant, { address: lower(event.args.participant) });
  if (row) await context.db.update(participant, { address: row.address }).set({ metered: true });
});

ponder.on("KiezMarket:Deposited", async ({ event, context }) => {
  await move(context, event, event.args.account, "deposit", event.args.amount, null);
});

ponder.on("KiezMarket:Withdrawn", async ({ event, context }) => {
  await move(context, event, event.args.account, "withdrawal", -event.args.amount, null);
});

ponder.on("KiezMarket:DebtRepaid", async ({ event, context }) => {
  await move(context, event, event.args.participant, "debtRepaid", -event.args.amount, null, ":debtor");
  await move(context, event, event.args.supplierAccount, "debtRepaid", event.args.amount, null, ":creditor");
});

ponder.on("KiezMarket:DebtRecorded", async ({ event, context }) => {
  // what settlement could not take from the free balance: the bill's net already counted it, the debt gives it back
  await move(context, event, event.args.participant, "debt", event.args.amount, Number(event.args.interval));
});

ponder.on("EuroToken:Transfer", async ({ event, context }) => {
  await move(context, event, event.args.to, "faucet", event.args.value, null);
});

// --- intervals ---------------------------------------------------------------------------------------------

async function setPhase(context: Context, id: number, phase: string, extra: Partial<typeof interval.$inferInsert> = {}) {
  await context.db.update(interval, { id }).set({ phase, ...extra });
}

ponder.on("KiezMarket:IntervalOpened", async ({ event, context }) => {
  await context.db.insert(interval).values({
    id: Number(event.args.interval),
    tariffEpoch: Number(event.args.tariffEpoch),
    gateClosesAt: Number(event.args.gateClosesAt),
    phase: "open",
    bidCount: 0,
    tradeCount: 0,
    openedAt: when(event),
  });
});

async function placeBids(
  context: Context,
  event: Event,
  intervalId: number,
  bids: { index: number; participant: string; side: string; wh: number; price: number }[],
  relayed: boolean,
) {
  if (bids.length === 0) return;
  await context.db.insert(bid).values(
    bids.map((b) => ({
      id: `${intervalId}:${b.index}`,
      interval: intervalId,
      bidIndex: b.index,
      participant: lower(b.participant),
      side: b.side,
      wh: b.wh,
      price: b.price,
      relayed,
      cancelled: false,
      placedAt: when(event),
      transactionHash: event.transaction.hash,
    })),
  );
  await context.db.update(interval, { id: intervalId }).set((row) => ({ bidCount: row.bidCount + bids.length }));
}

ponder.on("KiezMarket:BidPlaced", async ({ event, context }) => {
  const a = event.args;
  const b = { index: Number(a.bidIndex), participant: a.participant, side: sideName(a.side), wh: Number(a.wh), price: Number(a.price) };
  await placeBids(context, event, Number(a.interval), [b], false);
});

ponder.on("KiezMarket:BidsPlaced", async ({ event, context }) => {
  const a = event.args;
  const batch = { batch: Number(a.batch), firstBidIndex: Number(a.firstBidIndex), bids: a.bids.map(BigInt) };
  const intervalId = Number(a.interval);
  await context.db.insert(bidBatch).values({
    id: `${intervalId}:${batch.batch}`,
    interval: intervalId,
    batch: batch.batch,
    firstBidIndex: batch.firstBidIndex,
    words: batch.bids.map(String),
  });
  await placeBids(context, event, intervalId, batchBids(batch), true);
});

ponder.on("KiezMarket:BidCancelled", async ({ event, context }) => {
  const intervalId = Number(event.args.interval);
  const iv = await context.db.find(interval, { id: intervalId });
  // a refund cancels every bid to release its lock; the bids as the interval cleared them stay as they were
  if (iv?.phase === "refunding") return;
  const bidIndex = Number(event.args.bidIndex);
  const id = `${intervalId}:${bidIndex}`;
  const row = await context.db.find(bid, { id });
  if (!row) return;
  await context.db.update(bid, { id }).set({ cancelled: true });
  if (!row.relayed) return;
  // the batch as the next cancel of one of its bids must hand it back
  const batches = await context.db.sql.select().from(bidBatch).where(eq(bidBatch.interval, intervalId));
  const held = batches.map((b) => ({ id: b.id, batch: b.batch, firstBidIndex: b.firstBidIndex, bids: b.words.map(BigInt) }));
  cancelInBatches(held, bidIndex);
  const changed = held.find((b) => bidIndex >= b.firstBidIndex && bidIndex < b.firstBidIndex + b.bids.length);
  if (changed) await context.db.update(bidBatch, { id: changed.id }).set({ words: changed.bids.map(String) });
});

ponder.on("KiezMarket:IntervalPriced", async ({ event, context }) => {
  await setPhase(context, Number(event.args.interval), "clearing", { price: Number(event.args.price), matchedWh: event.args.matchedWh });
});

ponder.on("KiezMarket:TradeMatched", async ({ event, context }) => {
  const a = event.args;
  const intervalId = Number(a.interval);
  await context.db.insert(trade).values({
    id: event.id,
    interval: intervalId,
    seller: lower(a.seller),
    buyer: lower(a.buyer),
    wh: Number(a.wh),
    price: Number(a.price),
    timestamp: when(event),
    transactionHash: event.transaction.hash,
  });
  await context.db.update(interval, { id: intervalId }).set((row) => ({ tradeCount: row.tradeCount + 1 }));
});

ponder.on("KiezMarket:IntervalCleared", async ({ event, context }) => {
  const intervalId = Number(event.args.interval);
  await setPhase(context, intervalId, "cleared", { price: Number(event.args.price), matchedWh: event.args.matchedWh, clearedAt: when(event) });
  // each bid's fill, as the contract's greedy merge made it: the engine clears the same live bids
  const live = await context.db.sql
    .select()
    .from(bid)
    .where(and(eq(bid.interval, intervalId), eq(bid.cancelled, false)));
  const { fills } = clearInterval(
    live.map((b) => ({ index: b.bidIndex, participant: b.participant, side: b.side as "sell" | "buy", wh: b.wh, price: b.price })),
  );
  for (const b of live) await context.db.update(bid, { id: b.id }).set({ filledWh: fills.get(b.bidIndex) ?? 0 });
});

ponder.on("KiezMarket:ReadingsPosted", async ({ event, context }) => {
  const intervalId = Number(event.args.interval);
  const rows = event.args.readings.map((r) => ({
    id: `${intervalId}:${lower(r.participant)}`,
    interval: intervalId,
    participant: lower(r.participant),
    importWh: Number(r.importWh),
    exportWh: Number(r.exportWh),
  }));
  if (rows.length > 0) await context.db.insert(reading).values(rows);
  await setPhase(context, intervalId, "metering");
});

ponder.on("KiezMarket:MeteringFinished", async ({ event, context }) => {
  await setPhase(context, Number(event.args.interval), "metered");
});

ponder.on("KiezMarket:BillingRestarted", async ({ event, context }) => {
  const intervalId = Number(event.args.interval);
  await context.db.sql.delete(bill).where(eq(bill.interval, intervalId));
  await setPhase(context, intervalId, "metered");
});

const LINE_KEYS = [
  "p2pCost",
  "p2pProceeds",
  "platformFee",
  "levies",
  "supplierFee",
  "networkFee",
  "gridImportCost",
  "gridExportCredit",
  "dailyCharge",
] as const satisfies readonly (keyof BillLines)[];

/** A bill's row: its P2P energy, the grid's (from the lines), each line, and the same energy billed by the grid alone. */
function billRow(
  event: Event,
  intervalId: number,
  dayId: number | null,
  who: Hex,
  p2p: { p2pBoughtWh: number; p2pSoldWh: number },
  lines: BillLines,
  bau: BillLines,
  metered: { importWh: number; exportWh: number },
): typeof bill.$inferSelect {
  const columns = Object.fromEntries(LINE_KEYS.map((k) => [k, BigInt(lines[k])])) as Record<(typeof LINE_KEYS)[number], bigint>;
  return {
    id: `${intervalId}:${who}`,
    interval: intervalId,
    day: dayId,
    participant: who,
    ...p2p,
    gridImportWh: lines.gridImportWh,
    gridExportWh: lines.gridExportWh,
    ...columns,
    // the engine's `net` is what the household pays; the table keeps what it receives, like the ledger
    amount: -BigInt(lines.net),
    bauAmount: -BigInt(bau.net),
    meteredImportWh: metered.importWh,
    meteredExportWh: metered.exportWh,
    settled: false,
    timestamp: when(event),
  };
}

ponder.on("KiezMarket:BillsIssued", async ({ event, context }) => {
  const intervalId = Number(event.args.interval);
  const iv = await context.db.find(interval, { id: intervalId });
  if (!iv) throw new Error(`bills for interval ${intervalId}, which was never opened`);
  const rows = [];
  const dayStart = isDayStart(intervalId, dayStartSlot);
  for (const b of billWord.unpackAll(event.args.bills)) {
    const who = lower(b.participant);
    const p = await context.db.find(participant, { address: who });
    if (!p) continue;
    const r = await context.db.find(reading, { id: `${intervalId}:${who}` });
    const metered = r ?? { importWh: b.gridImportWh + b.p2pBoughtWh, exportWh: b.gridExportWh + b.p2pSoldWh };
    const t = await tariffOf(context, p.supplier, iv.tariffEpoch);
    const lines = lemBill(
      { importWh: metered.importWh, exportWh: metered.exportWh, p2pBoughtWh: b.p2pBoughtWh, p2pSoldWh: b.p2pSoldWh },
      iv.price ?? 0,
      t,
      dayStart,
    );
    const bau = bauBill(metered.importWh, metered.exportWh, t, dayStart);
    rows.push(billRow(event, intervalId, null, who, { p2pBoughtWh: b.p2pBoughtWh, p2pSoldWh: b.p2pSoldWh }, lines, bau, metered));
  }
  if (rows.length > 0) await context.db.insert(bill).values(rows);
  await setPhase(context, intervalId, "billing");
});

ponder.on("KiezMarket:IntervalBilled", async ({ event, context }) => {
  await setPhase(context, Number(event.args.interval), "billed");
});

/** Every settled bill's net to its household, and the fees and supplier lines to their accounts: one movement each. */
async function settleBills(context: Context, event: Event, intervalId: number, bills: (typeof bill.$inferSelect)[]) {
  const recipients = new Map<string, bigint>();
  const credit = (role: string, nano: bigint) => recipients.set(role, (recipients.get(role) ?? 0n) + nano);
  for (const b of bills) {
    await move(context, event, b.participant, "settlement", b.amount * WEI_PER_UNIT, intervalId, `:${b.participant}`);
    await context.db.update(bill, { id: b.id }).set({ settled: true });
    const p = await context.db.find(participant, { address: b.participant });
    credit("platform", b.platformFee);
    credit("tax", b.levies);
    credit("network", b.networkFee);
    credit(`supplier:${p?.supplier ?? 0}`, b.supplierFee + b.gridImportCost + b.dailyCharge - b.gridExportCredit);
  }
  for (const [role, nano] of recipients) {
    const to = await context.db.find(account, { role });
    if (to && nano !== 0n) await move(context, event, to.address, "settlement", nano * WEI_PER_UNIT, intervalId, `:${role}`);
  }
}

ponder.on("KiezMarket:IntervalSettled", async ({ event, context }) => {
  const intervalId = Number(event.args.interval);
  const bills = await context.db.sql.select().from(bill).where(eq(bill.interval, intervalId));
  await settleBills(context, event, intervalId, bills);
  await setPhase(context, intervalId, "settled", { p2pVolume: event.args.p2pVolume, settledAt: when(event) });
});

ponder.on("KiezMarket:IntervalRefunding", async ({ event, context }) => {
  await setPhase(context, Number(event.args.interval), "refunding");
});

ponder.on("KiezMarket:IntervalRefunded", async ({ event, context }) => {
  await setPhase(context, Number(event.args.interval), "refunded");
});

// --- day mode ----------------------------------------------------------------------------------------------

ponder.on("KiezMarket:DayMemberAdded", async ({ event, context }) => {
  await context.db.insert(dayMember).values({ member: Number(event.args.member), account: lower(event.args.account) });
});

ponder.on("KiezMarket:StandingOrderSet", async ({ event, context }) => {
  const a = event.args;
  await context.db.update(dayMember, { member: Number(a.member) }).set({ floor: Number(a.floor), cap: Number(a.cap), sinceDay: Number(a.sinceDay) });
});

ponder.on("KiezMarket:DayOpened", async ({ event, context }) => {
  await context.db.insert(day).values({
    id: Number(event.args.day),
    tariffEpoch: Number(event.args.tariffEpoch),
    members: Number(event.args.members),
    phase: "open",
    openedAt: when(event),
  });
});

ponder.on("KiezMarket:DayMetered", async ({ event, context }) => {
  await context.db.update(day, { id: Number(event.args.day) }).set({ phase: "metered" });
});

ponder.on("KiezMarket:DayVerified", async ({ event, context }) => {
  await context.db.update(day, { id: Number(event.args.day) }).set({ phase: "verified" });
});

ponder.on("KiezMarket:DayVoided", async ({ event, context }) => {
  await context.db.update(day, { id: Number(event.args.day) }).set({ phase: "void" });
});

/** The bills of members `firstMember`… of a settled day (roster order), priced from the totals DaySettled reports. */
async function settleDayBills(context: Context, event: Event, dayId: number, firstMember: number, packed: Hex) {
  const d = await context.db.find(day, { id: dayId });
  if (!d) throw new Error(`bills for day ${dayId}, which was never opened`);
  const firstInterval = dayId * INTERVALS_PER_DAY + dayStartSlot;
  const rows: (typeof bill.$inferSelect)[] = [];
  for (const [j, q] of dayBillWord.unpackAll(packed).entries()) {
    const member = await context.db.find(dayMember, { member: firstMember + j });
    const p = member && (await context.db.find(participant, { address: member.account }));
    if (!member || !p) continue;
    const t = await tariffOf(context, p.supplier, d.tariffEpoch);
    const lines = dayBillLines(q, t);
    const metered = { importWh: q.gridImportWh + q.boughtWh, exportWh: q.gridExportWh + q.soldWh };
    rows.push(billRow(event, firstInterval, dayId, member.account, { p2pBoughtWh: q.boughtWh, p2pSoldWh: q.soldWh }, lines, dayBauLines(q, t), metered));
  }
  if (rows.length > 0) await context.db.insert(bill).values(rows);
  await settleBills(context, event, firstInterval, rows);
}

ponder.on("KiezMarket:DaySettled", async ({ event, context }) => {
  const dayId = Number(event.args.day);
  await settleDayBills(context, event, dayId, 0, event.args.bills);
  await context.db.update(day, { id: dayId }).set({ phase: "settled", p2pVolume: event.args.p2pVolume, settledAt: when(event) });
});

ponder.on("KiezMarket:DayPagesSettled", async ({ event, context }) => {
  const dayId = Number(event.args.day);
  await settleDayBills(context, event, dayId, Number(event.args.firstMember), event.args.bills);
  await context.db.update(day, { id: dayId }).set(event.args.settled ? { phase: "settled", settledAt: when(event) } : { phase: "settling" });
});
