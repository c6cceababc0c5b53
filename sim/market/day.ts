/**
 * Day mode's reference clearing and billing, twin of contracts/MarketDays.sol. A day's metered net positions are the
 * orders of each of its 96 intervals (an export sells at the member's floor, an import buys at its cap, both bounded by
 * the day's tariff as bids are); each interval is cleared by interval mode's own auction (clearInterval, ties by
 * member index) and billed by interval mode's own bill (lemBill), the daily charge once, in the day's first interval.
 * What the contract verifies is the clearing word of each interval (DayClearing): this module computes it.
 */
import { INTERVALS_PER_DAY } from "../calendar.js";
import { type BillLines, billLines, lemBill } from "./billing.js";
import { type ClearingResult, clearInterval, type OrderBid } from "./clearing.js";
import { askRange, bidRange, type SupplierTariff } from "./tariff.js";
import { type DayBillQuantities, type DayClearing, type DayParty, NO_DAY_TRADE } from "./words.js";

/** Bytes of one member's readings in a day's meter page: 96 readings of two bytes (MarketDays.MEMBER_BYTES). */
export const MEMBER_READING_BYTES = 2 * INTERVALS_PER_DAY;
/** The most Wh one day-mode reading carries, and so the highest limit a day-mode registration may have. */
export const MAX_DAY_READING_WH = 0x7fff;
const EXPORT_FLAG = 0x8000;

/** A member's metered net position in each interval of a day, Wh: an import positive, an export negative. */
export type DayNets = readonly number[];

/** The readings of members, as `postDayReadings` takes them: per member 96 big-endian two-byte readings, the top bit
 *  an export, the low 15 bits the Wh. */
export function encodeDayReadings(nets: readonly DayNets[]): string {
  let hex = "0x";
  for (const member of nets) {
    if (member.length !== INTERVALS_PER_DAY) throw new Error(`a day has ${INTERVALS_PER_DAY} readings per member, got ${member.length}`);
    for (const net of member) {
      const wh = Math.abs(net);
      if (!Number.isInteger(net) || wh > MAX_DAY_READING_WH) throw new Error(`a day-mode reading is a whole Wh within ±${MAX_DAY_READING_WH} (got ${net})`);
      hex += ((net < 0 ? EXPORT_FLAG : 0) | wh).toString(16).padStart(4, "0");
    }
  }
  return hex;
}

/** The members' nets of readings bytes (encodeDayReadings read back). */
export function decodeDayReadings(hex: string): number[][] {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  const perMember = MEMBER_READING_BYTES * 2;
  if (body.length % perMember !== 0) throw new Error(`day readings come in ${MEMBER_READING_BYTES} bytes per member`);
  const out: number[][] = [];
  for (let m = 0; m < body.length; m += perMember) {
    const member: number[] = [];
    for (let i = 0; i < perMember; i += 4) {
      const r = Number.parseInt(body.slice(m + i, m + i + 4), 16);
      const wh = r & MAX_DAY_READING_WH;
      member.push(r & EXPORT_FLAG ? -wh : wh);
    }
    out.push(member);
  }
  return out;
}

/** One member's settled day: what DaySettled reports (quantities) and every bill line summed over the day (money in
 *  nano-euro; `net` is what the member pays, negative when it is paid). */
export interface DayBill {
  quantities: DayBillQuantities;
  lines: BillLines;
}

export interface DayResult {
  /** What `settleDay` takes for each interval. */
  clearing: DayClearing[];
  /** Each interval's clearing (sells and buys with `index` = member), for reports and the audit. */
  intervals: ClearingResult[];
  /** Per member, in roster order. */
  bills: DayBill[];
}

const ZERO_LINES: BillLines = {
  gridImportWh: 0,
  gridExportWh: 0,
  p2pCost: 0,
  platformFee: 0,
  levies: 0,
  supplierFee: 0,
  networkFee: 0,
  p2pProceeds: 0,
  gridImportCost: 0,
  gridExportCredit: 0,
  dailyCharge: 0,
  net: 0,
};

function addLines(a: BillLines, b: BillLines): BillLines {
  const sum = { ...a };
  for (const key of Object.keys(ZERO_LINES) as (keyof BillLines)[]) sum[key] = a[key] + b[key];
  return sum;
}

/** Whether a member's standing order takes part in a day of `tariff`: a floor within FiT < floor < EP, a cap within
 *  the bid range (MarketDays.floorAllowed, capAllowed). Zero is no order. */
export function dayOrderSides(party: Pick<DayParty, "floor" | "cap">, tariff: SupplierTariff): { sells: boolean; buys: boolean } {
  const ask = askRange(tariff.prices);
  const bid = bidRange(tariff.prices);
  return {
    sells: party.floor !== 0 && party.floor >= ask.min && party.floor <= ask.max,
    buys: party.cap !== 0 && party.cap >= bid.min && party.cap <= bid.max,
  };
}

/**
 * Clears and bills a day: `parties` as the day's meter pages commit them (roster order), `nets` their readings,
 * `tariffs` the day's tariff of each supplier.
 */
export function clearDay(parties: readonly DayParty[], nets: readonly DayNets[], tariffs: readonly SupplierTariff[]): DayResult {
  if (nets.length !== parties.length) throw new Error(`${parties.length} members but readings for ${nets.length}`);
  const sides = parties.map((p) => dayOrderSides(p, tariffOf(tariffs, p.supplier)));
  const totals = parties.map(() => ({ lines: ZERO_LINES, boughtWh: 0, soldWh: 0, boughtUnits: 0, soldUnits: 0 }));
  const clearing: DayClearing[] = [];
  const intervals: ClearingResult[] = [];
  for (let slot = 0; slot < INTERVALS_PER_DAY; slot++) {
    const bids: OrderBid[] = [];
    parties.forEach((p, member) => {
      const net = nets[member][slot];
      if (net < 0 && sides[member].sells) bids.push({ index: member, participant: p.account, side: "sell", wh: -net, price: p.floor });
      if (net > 0 && sides[member].buys) bids.push({ index: member, participant: p.account, side: "buy", wh: net, price: p.cap });
    });
    const result = clearInterval(bids);
    intervals.push(result);
    clearing.push(clearingWordOf(result));
    parties.forEach((p, member) => {
      const net = nets[member][slot];
      const fill = result.fills.get(member) ?? 0;
      const q = { importWh: Math.max(net, 0), exportWh: Math.max(-net, 0), p2pBoughtWh: net > 0 ? fill : 0, p2pSoldWh: net < 0 ? fill : 0 };
      const t = totals[member];
      t.lines = addLines(t.lines, lemBill(q, result.price, tariffOf(tariffs, p.supplier), slot === 0));
      t.boughtWh += q.p2pBoughtWh;
      t.soldWh += q.p2pSoldWh;
      t.boughtUnits += q.p2pBoughtWh * result.price;
      t.soldUnits += q.p2pSoldWh * result.price;
    });
  }
  const bills = totals.map((t) => ({
    lines: t.lines,
    quantities: {
      boughtWh: t.boughtWh,
      soldWh: t.soldWh,
      boughtUnits: t.boughtUnits,
      soldUnits: t.soldUnits,
      gridImportWh: t.lines.gridImportWh,
      gridExportWh: t.lines.gridExportWh,
    },
  }));
  return { clearing, intervals, bills };
}

/** A member's day bill lines from the quantities DaySettled reports: the sum of its intervals' lines (billLines). */
export function dayBillLines(q: DayBillQuantities, tariff: SupplierTariff): BillLines {
  const billed = { p2pBoughtWh: q.boughtWh, p2pSoldWh: q.soldWh, gridImportWh: q.gridImportWh, gridExportWh: q.gridExportWh };
  return billLines(billed, q.boughtUnits, q.soldUnits, tariff, true);
}

/**
 * A member's day billed without the market (BAU) from the same totals: every slot is one-sided in day mode, so its
 * metered import is grid import + bought and its export grid export + sold, all at the grid's prices.
 */
export function dayBauLines(q: DayBillQuantities, tariff: SupplierTariff): BillLines {
  const metered = { p2pBoughtWh: 0, p2pSoldWh: 0, gridImportWh: q.gridImportWh + q.boughtWh, gridExportWh: q.gridExportWh + q.soldWh };
  return billLines(metered, 0, 0, tariff, true);
}

/** The clearing word of one interval: its marginal pair and the Wh each side holds before its marginal member. */
export function clearingWordOf(result: ClearingResult): DayClearing {
  if (!result.marginal) return NO_DAY_TRADE;
  const { sellPos, buyPos } = result.marginal;
  const before = (orders: readonly OrderBid[], pos: number) => orders.slice(0, pos).reduce((sum, o) => sum + o.wh, 0);
  return {
    seller: result.sells[sellPos].index,
    buyer: result.buys[buyPos].index,
    ask: result.sells[sellPos].price,
    bid: result.buys[buyPos].price,
    matchedWh: result.matchedWh,
    sellBeforeWh: before(result.sells, sellPos),
    buyBeforeWh: before(result.buys, buyPos),
  };
}

function tariffOf(tariffs: readonly SupplierTariff[], supplier: number): SupplierTariff {
  const t = tariffs[supplier];
  if (!t) throw new Error(`no tariff for supplier ${supplier}`);
  return t;
}
