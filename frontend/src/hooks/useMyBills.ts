/**
 * A household's bills, newest first, each priced as the contract settles it beside the same energy billed by the
 * grid alone (BAU); its bills summed per community day; and its totals.
 */
import { useReadContracts } from "wagmi";

import { kiezMarketAbi } from "../contracts/generated";
import { bauBill, isDayStart, lemBill, type BillLines } from "@kiezstrom/engine/market/billing";
import { INTERVALS_PER_DAY } from "@kiezstrom/engine/calendar";
import { tariffFromChain, type SupplierTariff } from "@kiezstrom/engine/market/tariff";
import { useMarket } from "../lib/market";
import type { Page } from "../lib/indexer";
import { useIndexed, type Loaded } from "./loaded";
import { useParticipant } from "./useParticipant";

export interface MyBill {
  interval: number;
  /** The day-mode day this bill settles, null for an interval's bill. */
  day: number | null;
  /** Every line as the contract settles it, nano-euro; `net` is what the household pays (negative: it is paid). */
  lem: BillLines;
  /** What the same metered energy would cost with the grid alone, nano-euro (negative: a credit). */
  bauNet: number;
  settled: boolean;
  p2pBoughtWh: number;
  p2pSoldWh: number;
}

export interface BillTotals {
  /** The community day's first interval. */
  firstInterval: number;
  bills: number;
  lemNet: number;
  bauNet: number;
}

const LINES = "gridImportWh gridExportWh p2pCost p2pProceeds platformFee levies supplierFee networkFee gridImportCost gridExportCredit dailyCharge";
type BillRow = Record<Exclude<keyof BillLines, "net">, string | number> & {
  interval: number;
  day: number | null;
  amount: string;
  bauAmount: string;
  settled: boolean;
  p2pBoughtWh: number;
  p2pSoldWh: number;
};

function billOf(r: BillRow): MyBill {
  const n = (k: Exclude<keyof BillLines, "net">) => Number(r[k]);
  const lem: BillLines = {
    gridImportWh: n("gridImportWh"),
    gridExportWh: n("gridExportWh"),
    p2pCost: n("p2pCost"),
    p2pProceeds: n("p2pProceeds"),
    platformFee: n("platformFee"),
    levies: n("levies"),
    supplierFee: n("supplierFee"),
    networkFee: n("networkFee"),
    gridImportCost: n("gridImportCost"),
    gridExportCredit: n("gridExportCredit"),
    dailyCharge: n("dailyCharge"),
    net: -Number(r.amount),
  };
  return { interval: r.interval, day: r.day, lem, bauNet: -Number(r.bauAmount), settled: r.settled, p2pBoughtWh: r.p2pBoughtWh, p2pSoldWh: r.p2pSoldWh };
}

export interface MyBills {
  bills: MyBill[];
  /** Newest first: the latest community days. */
  days: BillTotals[];
  total: { bills: number; lemNet: number; bauNet: number };
}

export function useMyBills(me: string, limit = 48, dayCount = 14): Loaded<MyBills> {
  const { indexer, rebuild, dayStartSlot, rc, loadingHistory } = useMarket();
  const who = me.toLowerCase();
  const participant = useParticipant(me as `0x${string}`);
  const indexed = useIndexed(["my-bills", who, limit, dayCount], async (ix) => {
    const [page, days, summary] = await Promise.all([
      ix.query<{ bills: Page<BillRow> }>(
        `query ($who: String!, $limit: Int!) { bills(where: { participant: $who }, orderBy: "interval", orderDirection: "desc", limit: $limit) {
          items { interval day amount bauAmount settled p2pBoughtWh p2pSoldWh ${LINES} } } }`,
        { who, limit },
      ),
      ix.get<{ days: { firstInterval: number; bills: number; amount: string; bauAmount: string }[] }>(`/households/${who}/days?limit=${dayCount}`),
      ix.get<{ bills: number; amount: string; bauAmount: string }>(`/households/${who}/summary`),
    ]);
    return {
      bills: page.bills.items.map(billOf),
      days: days.days.map((d) => ({ firstInterval: d.firstInterval, bills: d.bills, lemNet: -Number(d.amount), bauNet: -Number(d.bauAmount) })),
      total: { bills: summary.bills, lemNet: -Number(summary.amount), bauNet: -Number(summary.bauAmount) },
    };
  });

  // without an indexer: the bills of the latest blocks, priced with the tariffs the market holds for their epochs
  const p = participant.data;
  const mine = indexer || !p ? [] : [...rebuild.intervals].filter(([, s]) => s.bills.has(who)).sort((a, b) => b[0] - a[0]);
  const epochs = [...new Set(mine.map(([, s]) => s.epoch))];
  const tariffs = useReadContracts({
    contracts: epochs.map((e) => ({ address: rc.market, abi: kiezMarketAbi, functionName: "tariffOf", args: [p?.supplier ?? 0, e] }) as const),
    query: { enabled: !indexer && !!p && epochs.length > 0 },
  });
  if (indexer) return indexed;
  if (loadingHistory !== null) return { data: undefined, loading: true, error: null };
  const tariffOf = new Map<number, SupplierTariff>();
  epochs.forEach((e, i) => {
    const t = tariffs.data?.[i]?.result;
    if (t) tariffOf.set(e, tariffFromChain(t));
  });
  const bills: MyBill[] = [];
  for (const [id, s] of mine) {
    const b = s.bills.get(who)!;
    const r = s.readings.find((x) => x.participant === who);
    const tariff = tariffOf.get(s.epoch);
    if (!r || !tariff) continue;
    const dayStart = isDayStart(id, dayStartSlot);
    const lem = lemBill(
      { importWh: r.importWh, exportWh: r.exportWh, p2pBoughtWh: b.p2pBoughtWh, p2pSoldWh: b.p2pSoldWh },
      s.cleared?.price ?? 0,
      tariff,
      dayStart,
    );
    bills.push({
      interval: id,
      day: null,
      lem,
      bauNet: bauBill(r.importWh, r.exportWh, tariff, dayStart).net,
      settled: s.settledEvents > 0,
      p2pBoughtWh: b.p2pBoughtWh,
      p2pSoldWh: b.p2pSoldWh,
    });
  }
  const byDay = new Map<number, BillTotals>();
  for (const b of bills) {
    const first = Math.floor((b.interval - dayStartSlot) / INTERVALS_PER_DAY) * INTERVALS_PER_DAY + dayStartSlot;
    const d = byDay.get(first) ?? { firstInterval: first, bills: 0, lemNet: 0, bauNet: 0 };
    d.bills++;
    d.lemNet += b.lem.net;
    d.bauNet += b.bauNet;
    byDay.set(first, d);
  }
  const loading = participant.loading || (tariffs.isPending && epochs.length > 0);
  return {
    data: {
      bills: bills.slice(0, limit),
      days: [...byDay.values()].sort((a, b) => b.firstInterval - a.firstInterval).slice(0, dayCount),
      total: { bills: bills.length, lemNet: bills.reduce((n, b) => n + b.lem.net, 0), bauNet: bills.reduce((n, b) => n + b.bauNet, 0) },
    },
    loading,
    error: participant.error ?? (tariffs.error ? tariffs.error.message : null),
  };
}
