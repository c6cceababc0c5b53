/**
 * The auditor's replay of day mode (contracts/MarketDays.sol), part of the market rebuild (audit.ts): every settled
 * day is cleared again from the readings its meter pages committed, with the engine's day-mode twin (market/day.ts),
 * and its claimed clearing, every bill and every ledger movement are checked against that replay. The committed
 * members are checked against the roster and the standing orders the events announced.
 */
import type { BillLines } from "./market/billing.js";
import { clearDay, type DayResult, decodeDayReadings } from "./market/day.js";
import type { SupplierTariff } from "./market/tariff.js";
import { WEI_PER_UNIT as WEI } from "./market/onchain.js";
import { type DayBillQuantities, type DayParty, dayBillWord, dayClearingWord, dayPartyWord } from "./market/words.js";

type Uint = number | bigint;
type Address = string;

/** The arguments of each day-mode event the replay reads (contracts/IKiezMarket.sol). */
export interface DayEventArgs {
  DayMemberAdded: { account: Address; member: Uint };
  StandingOrderSet: { account: Address; member: Uint; floor: Uint; cap: Uint; sinceDay: Uint };
  DayOpened: { day: Uint; tariffEpoch: Uint; members: Uint };
  DayReadingsPosted: { day: Uint; page: Uint; firstMember: Uint; parties: readonly (bigint | number)[]; readings: string };
  DayVerified: { day: Uint; clearing: readonly (bigint | number)[] };
  DaySettled: { day: Uint; clearing: readonly (bigint | number)[]; bills: string; p2pVolume: bigint };
  DayPagesSettled: { day: Uint; firstMember: Uint; bills: string; settled: boolean };
}

/** One day as its events tell it. */
export interface DayState {
  epoch: number;
  members: number;
  firstInterval: number;
  parties: DayParty[];
  nets: number[][];
  /** Clearing words as claimed (DaySettled or DayVerified). */
  clearing?: bigint[];
  /** Bill quantities as settled, by member. */
  bills: Map<number, DayBillQuantities>;
  settledEvents: number;
  p2pVolume?: bigint;
  poolIn: bigint;
  poolOut: bigint;
  replay?: DayResult;
}

export interface DayAudit {
  day: number;
  phase: string;
  members: number;
  tradedIntervals: number;
  bills: number;
  settled: boolean;
  ok: boolean;
}

/** DayPhase (contracts/MarketTypes.sol), by value. */
export const DAY_PHASE = ["None", "Open", "Metering", "Metered", "Verified", "Settling", "Settled", "Void"] as const;

/** What the day replay reads of, and moves in, the rest of the rebuild. */
export interface DayLedger {
  findings: { interval?: number; day?: number; participant?: string; check: string; detail: string }[];
  participants: Map<string, { supplier: number; metered?: boolean }>;
  tariffOf(supplier: number, epoch: number): SupplierTariff;
  /** A settled bill's ledger movements (audit.ts settleBill, the twin of MarketSettlement.settleBill); what was left
   *  unpaid, wei. A day-mode bill releases no lock. */
  settleBill(who: string, supplier: number, lines: BillLines): bigint;
  /** Debt the chain recorded for `participant` at `interval` (DebtRecorded), in wei. */
  debtRecorded(interval: number, participant: string): bigint;
}

const key = (a: string) => a.toLowerCase();
const wei = (nano: number) => BigInt(nano) * WEI;

export function createDayRebuild(ledger: DayLedger, dayStartSlot: number) {
  const days = new Map<number, DayState>();
  const roster: string[] = [];
  // each member's standing orders as set, in order: the one in force on a day is the latest from on or before it
  const orders = new Map<number, { floor: number; cap: number; sinceDay: number }[]>();
  const findings = ledger.findings;
  const dayOf = (id: number) => {
    const d = days.get(id);
    if (!d) throw new Error(`event for day ${id}, which was never opened`);
    return d;
  };

  /** The committed member against the roster, its registration and the order in force that day. */
  function checkParty(day: number, member: number, party: DayParty) {
    const account = roster[member];
    const who = key(party.account);
    if (account !== who) {
      findings.push({ day, participant: who, check: "day roster", detail: `member ${member} committed as ${who}, roster says ${account ?? "nobody"}` });
      return;
    }
    const p = ledger.participants.get(who);
    const inForce = (orders.get(member) ?? []).filter((o) => o.sinceDay <= day).at(-1) ?? { floor: 0, cap: 0 };
    const floor = p?.metered ? inForce.floor : 0;
    if (!p || p.supplier !== party.supplier || floor !== party.floor || inForce.cap !== party.cap) {
      findings.push({
        day,
        participant: who,
        check: "standing orders",
        detail: `committed supplier ${party.supplier}, floor ${party.floor}, cap ${party.cap}; the events say supplier ${p?.supplier}, floor ${floor}, cap ${inForce.cap}`,
      });
    }
  }

  /** The day replayed from its committed pages, once: checks the claimed clearing against it. */
  function replayOf(day: number, d: DayState): DayResult {
    if (d.replay) return d.replay;
    const tariffs = d.parties.reduce<SupplierTariff[]>((ts, p) => {
      ts[p.supplier] ??= ledger.tariffOf(p.supplier, d.epoch);
      return ts;
    }, []);
    d.replay = clearDay(d.parties, d.nets, tariffs);
    const claimed = d.clearing ?? [];
    const replayed = d.replay.clearing.map(dayClearingWord.pack);
    const differing = replayed.filter((w, t) => claimed[t] !== w).length;
    if (claimed.length !== replayed.length || differing > 0) {
      findings.push({ day, check: "day clearing", detail: `${differing} of ${replayed.length} intervals' claimed clearing differ from the replay` });
    }
    return d.replay;
  }

  /** Settles the members of `bills` from `firstMember` as MarketSettlement.settleBill does, from the replayed bills. */
  function settleMembers(day: number, d: DayState, firstMember: number, bills: DayBillQuantities[]) {
    const replay = replayOf(day, d);
    for (const [j, bill] of bills.entries()) {
      const member = firstMember + j;
      const party = d.parties[member];
      const expected = replay.bills[member];
      if (!party || !expected) {
        findings.push({ day, check: "day bills", detail: `a bill for member ${member}, beyond the day's ${d.parties.length} committed members` });
        continue;
      }
      const who = key(party.account);
      if (d.bills.has(member)) findings.push({ day, participant: who, check: "settled once", detail: `member ${member} settled twice` });
      d.bills.set(member, bill);
      if (JSON.stringify(bill) !== JSON.stringify(expected.quantities)) {
        findings.push({
          day,
          participant: who,
          check: "day bills",
          detail: `chain bill ${JSON.stringify(bill)}, replay ${JSON.stringify(expected.quantities)}`,
        });
      }
      const unpaid = ledger.settleBill(who, party.supplier, expected.lines);
      const recorded = ledger.debtRecorded(d.firstInterval, who);
      if (recorded !== unpaid) findings.push({ day, participant: who, check: "debt", detail: `chain recorded ${recorded} wei owed, replay ${unpaid}` });
      d.poolIn += wei(expected.lines.p2pCost);
      d.poolOut += wei(expected.lines.p2pProceeds);
    }
  }

  /** A day's settlement is complete: P2P money balances and matches what the chain stated. */
  function closeDay(day: number, d: DayState) {
    d.settledEvents++;
    if (d.bills.size !== d.parties.length) findings.push({ day, check: "day bills", detail: `${d.bills.size} of ${d.parties.length} members settled` });
    if (d.poolIn !== d.poolOut) findings.push({ day, check: "conservation", detail: `buyer payments ${d.poolIn} wei ≠ seller proceeds ${d.poolOut} wei` });
    if (d.p2pVolume !== undefined && d.p2pVolume !== d.poolIn)
      findings.push({ day, check: "conservation", detail: `DaySettled states ${d.p2pVolume} wei of P2P payments, replay ${d.poolIn}` });
  }

  const on: { [K in keyof DayEventArgs]: (a: DayEventArgs[K]) => void } = {
    DayMemberAdded(a) {
      roster[Number(a.member)] = key(a.account);
    },
    StandingOrderSet(a) {
      const member = Number(a.member);
      const history = orders.get(member) ?? [];
      const sinceDay = Number(a.sinceDay);
      // a change before the day it names replaces the pending one
      if (history.at(-1)?.sinceDay === sinceDay) history.pop();
      history.push({ floor: Number(a.floor), cap: Number(a.cap), sinceDay });
      orders.set(member, history);
    },
    DayOpened(a) {
      const day = Number(a.day);
      days.set(day, {
        epoch: Number(a.tariffEpoch),
        members: Number(a.members),
        firstInterval: day * 96 + dayStartSlot,
        parties: [],
        nets: [],
        bills: new Map(),
        settledEvents: 0,
        poolIn: 0n,
        poolOut: 0n,
      });
    },
    DayReadingsPosted(a) {
      const day = Number(a.day);
      const d = dayOf(day);
      const first = Number(a.firstMember);
      const parties = a.parties.map((w) => dayPartyWord.unpack(BigInt(w)));
      const nets = decodeDayReadings(a.readings);
      if (first !== d.parties.length || nets.length !== parties.length)
        findings.push({
          day,
          check: "day readings",
          detail: `page ${a.page} starts at member ${first} with ${nets.length} readings for ${parties.length} members`,
        });
      for (const [j, party] of parties.entries()) checkParty(day, first + j, party);
      d.parties.push(...parties);
      d.nets.push(...nets);
    },
    DayVerified(a) {
      dayOf(Number(a.day)).clearing = a.clearing.map(BigInt);
    },
    DaySettled(a) {
      const day = Number(a.day);
      const d = dayOf(day);
      d.clearing = a.clearing.map(BigInt);
      d.p2pVolume = a.p2pVolume;
      settleMembers(day, d, 0, dayBillWord.unpackAll(a.bills));
      closeDay(day, d);
    },
    DayPagesSettled(a) {
      const day = Number(a.day);
      const d = dayOf(day);
      settleMembers(day, d, Number(a.firstMember), dayBillWord.unpackAll(a.bills));
      if (a.settled) closeDay(day, d);
    },
  };

  /** The day table, checking that a day the chain calls Settled settled exactly once. */
  async function audit(phaseOf: (day: number) => Promise<number>): Promise<DayAudit[]> {
    const table: DayAudit[] = [];
    for (const [day, d] of [...days].sort((x, y) => x[0] - y[0])) {
      const before = findings.length;
      const phase = DAY_PHASE[await phaseOf(day)] ?? "unknown";
      if (d.settledEvents > 1) findings.push({ day, check: "settled once", detail: `settled ${d.settledEvents} times` });
      if (phase === "Settled" && d.settledEvents !== 1)
        findings.push({ day, check: "settled once", detail: `phase Settled with ${d.settledEvents} settlements` });
      if (d.parties.length > d.members) findings.push({ day, check: "day readings", detail: `${d.parties.length} members read, ${d.members} opened` });
      table.push({
        day,
        phase,
        members: d.members,
        tradedIntervals: d.replay ? d.replay.clearing.filter((c) => c.matchedWh > 0).length : 0,
        bills: d.bills.size,
        settled: d.settledEvents === 1,
        ok: findings.length === before,
      });
    }
    return table;
  }

  return { on, days, roster, audit };
}
