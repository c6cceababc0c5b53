/**
 * The auditor's replay of a KiezMarket from its events alone: every interval is replayed with the engine's
 * reference clearing and billing, and every balance the market owes is rebuilt from events and compared with
 * what the chain says. Chain-agnostic: the caller fetches and decodes the events (ethers in `npm run audit`,
 * viem in the dApp) and answers four view calls.
 */
import { clearInterval, type OrderBid, type Trade } from "./market/clearing.js";
import { type BillLines, gridResidual, isDayStart, lemBill } from "./market/billing.js";
import { bidBoundsProblem, buyLockUnits, type Tariff, tariffFromChain } from "./market/tariff.js";
import { batchBids, cancelInBatches, PHASE, SIDE, sideName, WEI_PER_UNIT as WEI, type BidBatch } from "./market/onchain.js";
import { bidIndexes, billWord } from "./market/words.js";
import { createDayRebuild, type DayAudit, type DayEventArgs } from "./audit-days.js";

export type { DayAudit } from "./audit-days.js";

export interface Finding {
  interval?: number;
  /** A day-mode day (audit-days.ts). */
  day?: number;
  participant?: string;
  check: string;
  detail: string;
}

export interface IntervalAudit {
  interval: number;
  phase: string;
  bids: number;
  price: number | null;
  matchedWh: number | null;
  trades: number;
  bills: number;
  settled: boolean;
  ok: boolean;
}

/** A decoded market event: its name and its arguments by name, as MarketEventArgs types them for the events the
 *  replay reads (any other event is passed over). */
export interface MarketEvent {
  name: string;
  args: unknown;
}

/** A uint as a decoder gives it: viem and ethers give bigint, a hand-built event may give number. */
type Uint = number | bigint;
type Address = string;

/** The arguments of each market event the replay reads (contracts/IKiezMarket.sol); day mode's in audit-days.ts. */
export interface MarketEventArgs extends DayEventArgs {
  TariffSet: { supplier: Uint; epoch: Uint; tariff: Record<keyof Tariff | "dailyChargeMicroEur", Uint> };
  SupplierAccountSet: { supplier: Uint; account: Address };
  FeeRecipientsSet: { platform: Address; taxCollector: Address; networkOperator: Address };
  ParticipantRegistered: { participant: Address; participantClass: Uint; supplier: Uint; importLimitWh: Uint; exportLimitWh: Uint };
  MeteringPointConfirmed: { participant: Address; meteringPoint: Uint };
  Deposited: { account: Address; amount: bigint };
  Withdrawn: { account: Address; amount: bigint };
  DebtRepaid: { participant: Address; supplierAccount: Address; amount: bigint };
  DebtRecorded: { interval: Uint; participant: Address; amount: bigint };
  SupplierShortfallRecorded: { interval: Uint; supplier: Uint; amount: bigint };
  SupplierShortfallRepaid: { supplier: Uint; amount: bigint };
  IntervalOpened: { interval: Uint; tariffEpoch: Uint; gateClosesAt: Uint };
  BidPlaced: { interval: Uint; bidIndex: Uint; participant: Address; side: Uint; wh: Uint; price: Uint };
  BidsPlaced: { interval: Uint; batch: Uint; firstBidIndex: Uint; bids: readonly (bigint | number)[] };
  BidCancelled: { interval: Uint; bidIndex: Uint; participant: Address };
  OrderPageCommitted: { interval: Uint; side: Uint; page: Uint; bidIndexes: string };
  IntervalPriced: { interval: Uint; price: Uint; matchedWh: Uint };
  TradeMatched: { interval: Uint; seller: Address; buyer: Address; wh: Uint; price: Uint };
  IntervalCleared: { interval: Uint; price: Uint; matchedWh: Uint };
  ReadingsPosted: { interval: Uint; readings: readonly { participant: Address; importWh: Uint; exportWh: Uint }[] };
  BillingRestarted: { interval: Uint };
  BillsIssued: { interval: Uint; bills: string };
  IntervalRefunding: { interval: Uint };
  IntervalSettled: { interval: Uint; p2pVolume: bigint };
}

/** The view calls the replay compares its ledger with. */
export interface MarketReader {
  phaseOf(interval: number): Promise<number>;
  accountOf(account: string): Promise<{ free: bigint; locked: bigint }>;
  owed(account: string): Promise<bigint>;
  /** The market's balance of its settlement token. */
  tokenBalance(): Promise<bigint>;
  /** A day-mode day's phase (DayPhase); needed only when the market has days. */
  dayPhaseOf?(day: number): Promise<number>;
}

/** What the replay rebuilt of one interval, for views that show it. */
export interface IntervalReplay {
  bids: (OrderBid & { cancelled: boolean })[];
  cleared?: { price: number; matchedWh: number };
  trades: Trade[];
  readings: { participant: string; importWh: number; exportWh: number }[];
  bills: Map<string, { p2pBoughtWh: number; p2pSoldWh: number; gridImportWh: number; gridExportWh: number }>;
}

export interface ReplayResult {
  intervals: IntervalAudit[];
  /** Day mode's days (empty for an interval-mode market). */
  days: DayAudit[];
  details: Map<number, IntervalReplay>;
  accounts: number;
  tokenBalance: string;
  owedByMarket: string;
  /** What suppliers' accounts could not pay at settlement, from the events. */
  supplierShortfall: string;
  findings: Finding[];
}

interface BidState extends OrderBid {
  cancelled: boolean;
}

export interface IntervalState {
  epoch: number;
  /** Chain time (seconds) at which bidding closes. */
  gateClosesAt: number;
  bids: BidState[];
  /** The interval's relayed batches as placed, cancellations applied: what ordering and cancelling hand back. */
  batches: BidBatch[];
  priced?: { price: number; matchedWh: number };
  cleared?: { price: number; matchedWh: number };
  trades: Trade[];
  readings: { participant: string; importWh: number; exportWh: number }[];
  bills: Map<string, { p2pBoughtWh: number; p2pSoldWh: number; gridImportWh: number; gridExportWh: number }>;
  settledEvents: number;
  settledVolume?: bigint;
  debts: Map<string, bigint>;
  orderPages: { side: number; page: number; bidIndexes: number[] }[];
  /** Not billed in time and refunded (IntervalRefunding): bids cancelled from then on only release their locks. */
  refunding?: boolean;
}

const key = (a: string) => a.toLowerCase();

/**
 * Rebuilds a market from its events in chain order, without any view call: tariffs, participants, every
 * interval's bids, clearing, trades, readings and bills, and the ledger as settlement moved it. Findings are
 * what the events alone contradict (debts and P2P conservation).
 */
export function rebuildMarket(events: readonly MarketEvent[], dayStartSlot: number) {
  const rebuild = createMarketRebuild(dayStartSlot);
  rebuild.apply(events);
  return rebuild;
}

/**
 * A rebuild that takes events as they arrive (`apply` the new ones, in chain order), so a long-running view
 * does not replay the whole history on every block. `partial`: the events start mid-history (a view of recent
 * blocks only), so an event about what came before (an interval opened earlier, a participant registered earlier)
 * is passed over instead of failing the rebuild; such a rebuild shows what it saw and is no audit.
 */
export function createMarketRebuild(dayStartSlot: number, options: { partial?: boolean } = {}) {
  const findings: Finding[] = [];
  const tariffs = new Map<string, { prices: Tariff; dailyChargeMicroEur: number }>(); // `${supplier}:${epoch}`
  const participants = new Map<string, { supplier: number; participantClass: number; importLimitWh: number; exportLimitWh: number; metered?: boolean }>();
  const intervals = new Map<number, IntervalState>();
  const supplierAccounts = new Map<number, string>();
  let fees = { platform: "", tax: "", network: "" };
  // the ledger as events tell it: free and locked per account, in wei
  const free = new Map<string, bigint>();
  const locked = new Map<string, bigint>();
  const owed = new Map<string, bigint>();
  // feed-in a supplier's account could not pay: households are credited all the same, the supplier owes it
  const supplierShortfall = new Map<number, bigint>();
  const add = (m: Map<string, bigint>, a: string, v: bigint) => m.set(key(a), (m.get(key(a)) ?? 0n) + v);
  // debts recorded at intervals that are not the market's own: day mode's, at each day's first interval
  const dayDebts = new Map<string, bigint>(); // `${interval}:${participant}`
  const iv = (id: number) => {
    const s = intervals.get(id);
    if (!s) throw new Error(`event for interval ${id}, which was never opened`);
    return s;
  };
  const tariffOf = (supplier: number, epoch: number) => {
    const t = tariffs.get(`${supplier}:${epoch}`);
    if (!t) throw new Error(`no tariff for supplier ${supplier} in epoch ${epoch}`);
    return t;
  };

  /** A bid joins its interval; a buy bid's worst-case cost moves from free to locked. */
  function placeBid(s: IntervalState, bid: BidState) {
    s.bids.push(bid);
    if (bid.side !== "buy") return;
    if (!participants.has(bid.participant)) return;
    const lock = lockOf(bid, s.epoch);
    add(free, bid.participant, -lock);
    add(locked, bid.participant, lock);
  }

  /** A buy bid's worst-case cost in wei, at its participant's tariff of the interval's epoch. */
  function lockOf(bid: BidState, epoch: number): bigint {
    const p = participants.get(bid.participant)!;
    return BigInt(buyLockUnits(tariffOf(p.supplier, epoch).prices, bid.wh, bid.price)) * WEI;
  }

  const dayRebuild = createDayRebuild(
    {
      findings,
      participants,
      tariffOf: (supplier, epoch) => tariffOf(supplier, epoch),
      settleBill: (who, supplier, lines) => settleBill(who, supplier, lines, 0n),
      debtRecorded: (interval, participant) => dayDebts.get(`${interval}:${key(participant)}`) ?? 0n,
    },
    dayStartSlot,
  );

  /** What each event the replay needs does to the rebuilt market; the others (MarketInitialized, …) change nothing. */
  const on: { [K in keyof MarketEventArgs]: (a: MarketEventArgs[K]) => void } = {
    ...dayRebuild.on,
    TariffSet(a) {
      tariffs.set(`${Number(a.supplier)}:${Number(a.epoch)}`, tariffFromChain(a.tariff));
    },
    SupplierAccountSet(a) {
      supplierAccounts.set(Number(a.supplier), key(a.account));
    },
    FeeRecipientsSet(a) {
      fees = { platform: key(a.platform), tax: key(a.taxCollector), network: key(a.networkOperator) };
    },
    ParticipantRegistered(a) {
      participants.set(key(a.participant), {
        supplier: Number(a.supplier),
        participantClass: Number(a.participantClass),
        importLimitWh: Number(a.importLimitWh),
        exportLimitWh: Number(a.exportLimitWh),
      });
    },
    MeteringPointConfirmed(a) {
      const p = participants.get(key(a.participant));
      if (p) p.metered = true;
    },
    Deposited(a) {
      add(free, a.account, a.amount);
    },
    Withdrawn(a) {
      add(free, a.account, -a.amount);
    },
    DebtRepaid(a) {
      add(free, a.participant, -a.amount);
      add(free, a.supplierAccount, a.amount);
      add(owed, a.participant, -a.amount);
    },
    SupplierShortfallRecorded(a) {
      const s = Number(a.supplier);
      supplierShortfall.set(s, (supplierShortfall.get(s) ?? 0n) + a.amount);
      add(free, supplierAccounts.get(s)!, a.amount);
    },
    SupplierShortfallRepaid(a) {
      const s = Number(a.supplier);
      supplierShortfall.set(s, (supplierShortfall.get(s) ?? 0n) - a.amount);
      add(free, supplierAccounts.get(s)!, -a.amount);
    },
    IntervalOpened(a) {
      intervals.set(Number(a.interval), {
        epoch: Number(a.tariffEpoch),
        gateClosesAt: Number(a.gateClosesAt),
        bids: [],
        batches: [],
        trades: [],
        readings: [],
        bills: new Map(),
        settledEvents: 0,
        debts: new Map(),
        orderPages: [],
      });
    },
    BidPlaced(a) {
      const bid = { index: Number(a.bidIndex), participant: key(a.participant), side: sideName(a.side), wh: Number(a.wh), price: Number(a.price) };
      placeBid(iv(Number(a.interval)), { ...bid, cancelled: false });
    },
    BidsPlaced(a) {
      const s = iv(Number(a.interval));
      const batch = { batch: Number(a.batch), firstBidIndex: Number(a.firstBidIndex), bids: a.bids.map(BigInt) };
      s.batches.push(batch);
      for (const b of batchBids(batch)) placeBid(s, { ...b, cancelled: false });
    },
    BidCancelled(a) {
      const s = iv(Number(a.interval));
      const bid = s.bids.find((b) => b.index === Number(a.bidIndex));
      cancelInBatches(s.batches, Number(a.bidIndex));
      if (!bid) return;
      // a refund's cancellations release locks; the interval's bids as cleared stay as they were
      if (!s.refunding) bid.cancelled = true;
      if (bid.side !== "buy") return;
      const lock = lockOf(bid, s.epoch);
      add(free, bid.participant, lock);
      add(locked, bid.participant, -lock);
    },
    OrderPageCommitted(a) {
      iv(Number(a.interval)).orderPages.push({ side: Number(a.side), page: Number(a.page), bidIndexes: bidIndexes.unpack(a.bidIndexes) });
    },
    IntervalPriced(a) {
      iv(Number(a.interval)).priced = { price: Number(a.price), matchedWh: Number(a.matchedWh) };
    },
    TradeMatched(a) {
      iv(Number(a.interval)).trades.push({ sellIndex: -1, buyIndex: -1, seller: key(a.seller), buyer: key(a.buyer), wh: Number(a.wh), price: Number(a.price) });
    },
    IntervalCleared(a) {
      iv(Number(a.interval)).cleared = { price: Number(a.price), matchedWh: Number(a.matchedWh) };
    },
    ReadingsPosted(a) {
      const readings = iv(Number(a.interval)).readings;
      for (const r of a.readings) readings.push({ participant: key(r.participant), importWh: Number(r.importWh), exportWh: Number(r.exportWh) });
    },
    BillingRestarted(a) {
      iv(Number(a.interval)).bills.clear();
    },
    BillsIssued(a) {
      const bills = iv(Number(a.interval)).bills;
      for (const b of billWord.unpackAll(a.bills)) bills.set(b.participant, b);
    },
    IntervalRefunding(a) {
      iv(Number(a.interval)).refunding = true;
    },
    DebtRecorded(a) {
      if (!intervals.has(Number(a.interval))) {
        const k = `${Number(a.interval)}:${key(a.participant)}`;
        dayDebts.set(k, (dayDebts.get(k) ?? 0n) + a.amount);
        return;
      }
      const debts = iv(Number(a.interval)).debts;
      debts.set(key(a.participant), (debts.get(key(a.participant)) ?? 0n) + a.amount);
    },
    IntervalSettled(a) {
      const s = iv(Number(a.interval));
      s.settledEvents++;
      s.settledVolume = a.p2pVolume;
      settleInterval(Number(a.interval), s);
    },
  };

  let applied = 0;
  function apply(events: readonly MarketEvent[]) {
    applied += events.length;
    for (const ev of events) {
      // the decoder (ethers or viem, with the market's ABI) gives each event its arguments by name
      const handle = on[ev.name as keyof MarketEventArgs] as ((args: unknown) => void) | undefined;
      if (!options.partial) {
        handle?.(ev.args);
        continue;
      }
      try {
        handle?.(ev.args);
      } catch {
        // about state before the first block read
      }
    }
  }

  /**
   * One settled bill's ledger movements, as MarketSettlement.settleBill makes them in both modes: the bill's locks
   * (`releasedWei`) back to free, what it owes paid from free, its proceeds and feed-in, and what the account cannot
   * pay owed to its supplier, which fronts it; the fees to their recipients. Returns what was left unpaid, wei.
   */
  function settleBill(who: string, supplier: number, l: BillLines, releasedWei: bigint): bigint {
    const wei = (nano: number) => BigInt(nano) * WEI;
    const due = wei(l.p2pCost) + wei(l.platformFee) + wei(l.levies) + wei(l.supplierFee) + wei(l.networkFee) + wei(l.gridImportCost) + wei(l.dailyCharge);
    const available = (free.get(who) ?? 0n) + releasedWei + wei(l.p2pProceeds) + wei(l.gridExportCredit);
    const unpaid = due > available ? due - available : 0n;
    free.set(who, due > available ? 0n : available - due);
    add(locked, who, -releasedWei);
    if (unpaid > 0n) add(owed, who, unpaid);
    add(free, fees.platform, wei(l.platformFee));
    add(free, fees.tax, wei(l.levies));
    add(free, fees.network, wei(l.networkFee));
    add(free, supplierAccounts.get(supplier)!, wei(l.supplierFee) + wei(l.gridImportCost) + wei(l.dailyCharge) - unpaid - wei(l.gridExportCredit));
    return unpaid;
  }

  /** Applies an interval's settlement to the replayed ledger, as the contract does, from the replayed bills. */
  function settleInterval(id: number, s: IntervalState) {
    const price = s.cleared?.price ?? 0;
    const dayStart = isDayStart(id, dayStartSlot);
    let poolIn = 0n;
    let poolOut = 0n;
    for (const [who, b] of s.bills) {
      const p = participants.get(who);
      if (!p) continue;
      const st = tariffOf(p.supplier, s.epoch);
      const t = st.prices;
      const released = s.bids
        .filter((x) => !x.cancelled && x.side === "buy" && x.participant === who)
        .reduce((sum, x) => sum + BigInt(buyLockUnits(t, x.wh, x.price)) * WEI, 0n);
      // The engine's bill lines (nano-euro; the ledger moves them × 1e9 wei). Metered flows chosen so the
      // engine's residual is exactly the bill's grid import or export.
      const metered = { importWh: b.gridImportWh + b.p2pBoughtWh, exportWh: b.gridExportWh + b.p2pSoldWh };
      const lines = lemBill({ ...metered, p2pBoughtWh: b.p2pBoughtWh, p2pSoldWh: b.p2pSoldWh }, price, st, dayStart);
      const unpaid = settleBill(who, p.supplier, lines, released);
      const debt = s.debts.get(who) ?? 0n;
      if (debt !== unpaid) findings.push({ interval: id, participant: who, check: "debt", detail: `chain recorded ${debt} wei owed, replay ${unpaid}` });
      const cost = BigInt(lines.p2pCost) * WEI;
      const proceeds = BigInt(lines.p2pProceeds) * WEI;
      poolIn += cost;
      poolOut += proceeds;
    }
    if (poolIn !== poolOut) findings.push({ interval: id, check: "conservation", detail: `buyer payments ${poolIn} wei ≠ seller proceeds ${poolOut} wei` });
    if (s.settledVolume !== undefined && s.settledVolume !== poolIn)
      findings.push({ interval: id, check: "conservation", detail: `IntervalSettled states ${s.settledVolume} wei of P2P payments, replay ${poolIn}` });
  }

  return {
    apply,
    /** How many events have been applied. */
    get applied() {
      return applied;
    },
    findings,
    days: dayRebuild,
    tariffs,
    tariffOf,
    participants,
    intervals,
    supplierAccounts,
    free,
    locked,
    owed,
    supplierShortfall,
  };
}

export type MarketRebuild = ReturnType<typeof rebuildMarket>;

type Replayed = ReturnType<typeof clearInterval>;
type Findings = Finding[];

/** Every live bid within its participant's registration, limits and tariff bounds (the contract's checkBid). */
function checkBidBounds(m: MarketRebuild, id: number, s: IntervalState, live: readonly BidState[], findings: Findings) {
  for (const b of live) {
    const p = m.participants.get(b.participant);
    if (!p) {
      findings.push({ interval: id, participant: b.participant, check: "bid bounds", detail: `bid ${b.index} from an unregistered address` });
      continue;
    }
    const t = m.tariffOf(p.supplier, s.epoch).prices;
    if (b.side === "sell" && !p.metered) {
      findings.push({
        interval: id,
        participant: b.participant,
        check: "bid bounds",
        detail: `ask ${b.index} from a household whose metering point was never confirmed`,
      });
    }
    const problem = bidBoundsProblem(b.side, b.wh, b.price, t, b.side === "sell" ? p.exportLimitWh : p.importLimitWh);
    if (problem)
      findings.push({ interval: id, participant: b.participant, check: "bid bounds", detail: `${b.side === "sell" ? "ask" : "bid"} ${b.index}: ${problem}` });
  }
}

/** The committed orders are the replay's sorted orders, side by side. */
function checkOrder(id: number, s: IntervalState, replayed: Replayed, findings: Findings) {
  for (const [side, sorted] of [
    [SIDE.sell, replayed.sells],
    [SIDE.buy, replayed.buys],
  ] as const) {
    const committed = s.orderPages
      .filter((p) => p.side === side)
      .sort((x, y) => x.page - y.page)
      .flatMap((p) => p.bidIndexes);
    if (committed.join(",") !== sorted.map((b) => b.index).join(",")) {
      findings.push({ interval: id, check: "order", detail: `committed ${sideName(side)} order differs from the sorted bids` });
    }
  }
}

/** The chain's price and matched energy are the replay's. */
function checkClearing(id: number, cleared: { price: number; matchedWh: number }, replayed: Replayed, findings: Findings) {
  if (cleared.price !== replayed.price || cleared.matchedWh !== replayed.matchedWh) {
    findings.push({
      interval: id,
      check: "clearing",
      detail: `chain price ${cleared.price} for ${cleared.matchedWh} Wh, replay ${replayed.price} for ${replayed.matchedWh} Wh`,
    });
  }
}

/** The chain's trades are the replay's, sum to the matched energy and each joins a live ask and a live bid. */
function checkTrades(id: number, s: IntervalState, cleared: { matchedWh: number }, live: readonly BidState[], replayed: Replayed, findings: Findings) {
  const chainTrades = s.trades.map((t) => `${t.seller}>${t.buyer}:${t.wh}@${t.price}`).join(",");
  const replayTrades = replayed.trades.map((t) => `${key(t.seller)}>${key(t.buyer)}:${t.wh}@${t.price}`).join(",");
  if (chainTrades !== replayTrades)
    findings.push({ interval: id, check: "trades", detail: `${s.trades.length} trades on chain differ from the ${replayed.trades.length} of the replay` });
  const sold = s.trades.reduce((x, t) => x + t.wh, 0);
  if (sold !== cleared.matchedWh) findings.push({ interval: id, check: "p2p balance", detail: `trades sum to ${sold} Wh, cleared ${cleared.matchedWh} Wh` });
  for (const t of s.trades) {
    const sell = live.find((b) => b.side === "sell" && b.participant === t.seller);
    const buy = live.find((b) => b.side === "buy" && b.participant === t.buyer);
    if (!sell || !buy) findings.push({ interval: id, check: "trades", detail: `trade ${t.seller} → ${t.buyer} without matching bids` });
  }
}

/** Every metered household, and every bidder without a reading (billed as metering zero), has the replay's bill. */
function checkBills(id: number, s: IntervalState, replayed: Replayed, findings: Findings) {
  const metered = new Set(s.readings.map((r) => r.participant));
  const unmetered = [...s.bills.keys()].filter((p) => !metered.has(p)).map((participant) => ({ participant, importWh: 0, exportWh: 0 }));
  for (const r of [...s.readings, ...unmetered]) {
    const sold = replayed.sells.filter((b) => b.participant === r.participant).reduce((x, b) => x + (replayed.fills.get(b.index) ?? 0), 0);
    const bought = replayed.buys.filter((b) => b.participant === r.participant).reduce((x, b) => x + (replayed.fills.get(b.index) ?? 0), 0);
    const g = gridResidual({ importWh: r.importWh, exportWh: r.exportWh, p2pBoughtWh: bought, p2pSoldWh: sold });
    const bill = s.bills.get(r.participant);
    if (!bill) {
      findings.push({ interval: id, participant: r.participant, check: "bills", detail: "metered but not billed" });
    } else if (bill.p2pBoughtWh !== bought || bill.p2pSoldWh !== sold || bill.gridImportWh !== g.gridImportWh || bill.gridExportWh !== g.gridExportWh) {
      findings.push({
        interval: id,
        participant: r.participant,
        check: "bills",
        detail: `chain bill ${JSON.stringify(bill)}, replay ${JSON.stringify({ p2pBoughtWh: bought, p2pSoldWh: sold, ...g })}`,
      });
    }
  }
}

/** An interval settles once, and a Settled one did. */
function checkSettledOnce(id: number, s: IntervalState, phase: string, findings: Findings) {
  if (s.settledEvents > 1) findings.push({ interval: id, check: "settled once", detail: `settled ${s.settledEvents} times` });
  if (phase === "Settled" && s.settledEvents !== 1)
    findings.push({ interval: id, check: "settled once", detail: `phase Settled with ${s.settledEvents} IntervalSettled events` });
}

/** Every replayed balance and debt against the chain's; returns what the market owes all accounts. */
async function checkLedger(m: MarketRebuild, accounts: ReadonlySet<string>, reader: MarketReader, findings: Findings): Promise<bigint> {
  let owedByMarket = 0n;
  for (const a of accounts) {
    const onChain = await reader.accountOf(a);
    const f = m.free.get(a) ?? 0n;
    const l = m.locked.get(a) ?? 0n;
    owedByMarket += onChain.free + onChain.locked;
    if (onChain.free !== f || onChain.locked !== l) {
      findings.push({ participant: a, check: "ledger", detail: `chain free ${onChain.free} locked ${onChain.locked} wei; replay free ${f} locked ${l}` });
    }
    const debt = m.owed.get(a) ?? 0n;
    const chainDebt = await reader.owed(a);
    if (chainDebt !== debt) findings.push({ participant: a, check: "ledger", detail: `chain owed ${chainDebt} wei, replay ${debt}` });
  }
  return owedByMarket;
}

/** The token the market holds, with what suppliers owe it, covers every account. */
function checkSolvency(tokenBalance: bigint, shortfall: bigint, owedByMarket: bigint, findings: Findings) {
  if (tokenBalance + shortfall < owedByMarket) {
    findings.push({
      check: "solvency",
      detail: `the market holds ${tokenBalance} wei of the token and is owed ${shortfall} by suppliers, but owes ${owedByMarket}`,
    });
  }
}

/** Replays a market from its events in chain order and checks every interval and every balance. */
export async function replayMarket(events: readonly MarketEvent[], reader: MarketReader, dayStartSlot: number): Promise<ReplayResult> {
  const m = rebuildMarket(events, dayStartSlot);
  const { findings, intervals } = m;
  const table: IntervalAudit[] = [];
  for (const [id, s] of [...intervals].sort((x, y) => x[0] - y[0])) {
    const before = findings.length;
    const live = s.bids.filter((b) => !b.cancelled);
    checkBidBounds(m, id, s, live, findings);
    const replayed = clearInterval(live);
    if (s.cleared) {
      checkOrder(id, s, replayed, findings);
      checkClearing(id, s.cleared, replayed, findings);
      checkTrades(id, s, s.cleared, live, replayed, findings);
    }
    // a refunded interval moved no money but its locks, checked with the ledger below
    if (s.bills.size > 0 && !s.refunding) checkBills(id, s, replayed, findings);
    const phase = PHASE[await reader.phaseOf(id)];
    checkSettledOnce(id, s, phase, findings);
    table.push({
      interval: id,
      phase,
      bids: live.length,
      price: s.cleared?.price ?? null,
      matchedWh: s.cleared?.matchedWh ?? null,
      trades: s.trades.length,
      bills: s.bills.size,
      settled: s.settledEvents === 1,
      ok: findings.length === before,
    });
  }
  const days = m.days.days.size > 0 ? await m.days.audit((day) => (reader.dayPhaseOf ? reader.dayPhaseOf(day) : Promise.resolve(0))) : [];
  const accounts = new Set([...m.free.keys(), ...m.locked.keys()]);
  const owedByMarket = await checkLedger(m, accounts, reader, findings);
  const tokenBalance = await reader.tokenBalance();
  // what suppliers could not pay is owed to the market by them, not held in the token
  const shortfall = [...m.supplierShortfall.values()].reduce((sum, v) => sum + v, 0n);
  checkSolvency(tokenBalance, shortfall, owedByMarket, findings);
  return {
    intervals: table,
    days,
    details: intervals,
    accounts: accounts.size,
    tokenBalance: tokenBalance.toString(),
    owedByMarket: owedByMarket.toString(),
    supplierShortfall: shortfall.toString(),
    findings,
  };
}
