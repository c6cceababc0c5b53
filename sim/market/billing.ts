/**
 * Bills per participant and interval (case study eqs. 7–12), identical to the contract's billing and
 * settlement (contracts/MarketMath.sol, MarketSettlement.sol). All money in integer nano-euro.
 */
import { INTERVALS_PER_DAY } from "../calendar.js";
import { timeOfUse, type SupplierTariff } from "./tariff.js";

/** Nano-euro per µEUR. */
export const NANO_PER_MICRO = 1000;

export interface IntervalQuantities {
  /** Metered net import and export of the interval, Wh. */
  importWh: number;
  exportWh: number;
  /** P2P energy bought and sold (filled Wh). */
  p2pBoughtWh: number;
  p2pSoldWh: number;
}

export interface BillLines {
  gridImportWh: number;
  gridExportWh: number;
  p2pCost: number;
  platformFee: number;
  levies: number;
  supplierFee: number;
  networkFee: number;
  p2pProceeds: number;
  gridImportCost: number;
  gridExportCredit: number;
  dailyCharge: number;
  /** What the participant pays minus what they receive (positive: a cost). */
  net: number;
}

/** Grid residual after P2P: net import minus net P2P purchase (contract: MarketMath.gridResidual). */
export function gridResidual(q: IntervalQuantities): { gridImportWh: number; gridExportWh: number } {
  const residual = q.importWh - q.exportWh - q.p2pBoughtWh + q.p2pSoldWh;
  return residual > 0 ? { gridImportWh: residual, gridExportWh: 0 } : { gridImportWh: 0, gridExportWh: -residual };
}

/**
 * A participant's LEM bill for one interval. `p2pCost` and `p2pProceeds` are the traded Wh times their prices
 * (units); with a uniform price they are Wh × price, as on chain.
 */
export function lemBillFromAmounts(q: IntervalQuantities, p2pCost: number, p2pProceeds: number, tariff: SupplierTariff, dayStart: boolean): BillLines {
  const residual = q.importWh - q.exportWh - q.p2pBoughtWh + q.p2pSoldWh;
  const grid = { gridImportWh: Math.max(residual, 0), gridExportWh: residual > 0 ? 0 : -residual };
  return billLines({ p2pBoughtWh: q.p2pBoughtWh, p2pSoldWh: q.p2pSoldWh, ...grid }, p2pCost, p2pProceeds, tariff, dayStart);
}

/** What a bill's lines are made of: the P2P Wh and the grid's, after P2P. */
export interface BilledQuantities {
  p2pBoughtWh: number;
  p2pSoldWh: number;
  gridImportWh: number;
  gridExportWh: number;
}

/**
 * The bill lines of billed quantities: every charge is per Wh of one tariff, so the lines of a day's totals are the
 * sum of its intervals' lines (what day mode settles); `dailyCharge` when the bill holds the day's first interval.
 */
export function billLines(q: BilledQuantities, p2pCost: number, p2pProceeds: number, tariff: SupplierTariff, dailyCharge: boolean): BillLines {
  const t = tariff.prices;
  const { gridImportWh, gridExportWh } = q;
  const platformFee = q.p2pBoughtWh * t.platformFee;
  const levies = q.p2pBoughtWh * t.levies;
  const supplierFee = q.p2pBoughtWh * t.lemSupplierMargin;
  const networkFee = q.p2pBoughtWh * t.lemNetworkFee;
  const gridImportCost = gridImportWh * timeOfUse(t);
  const gridExportCredit = gridExportWh * t.feedInTariff;
  const daily = dailyCharge ? tariff.dailyChargeMicroEur * NANO_PER_MICRO : 0;
  const net = p2pCost + platformFee + levies + supplierFee + networkFee + gridImportCost + daily - p2pProceeds - gridExportCredit;
  return {
    gridImportWh,
    gridExportWh,
    p2pCost,
    platformFee,
    levies,
    supplierFee,
    networkFee,
    p2pProceeds,
    gridImportCost,
    gridExportCredit,
    dailyCharge: daily,
    net,
  };
}

/** A participant's LEM bill for one interval at the uniform P2P price `price` (µEUR/kWh). */
export function lemBill(q: IntervalQuantities, price: number, tariff: SupplierTariff, dayStart: boolean): BillLines {
  return lemBillFromAmounts(q, q.p2pBoughtWh * price, q.p2pSoldWh * price, tariff, dayStart);
}

/** The BAU bill: every excess kWh sold at FiT, every unmet kWh bought at ToU (eqs. 11–12). */
export function bauBill(importWh: number, exportWh: number, tariff: SupplierTariff, dayStart: boolean): BillLines {
  return lemBill({ importWh, exportWh, p2pBoughtWh: 0, p2pSoldWh: 0 }, 0, tariff, dayStart);
}

export function isDayStart(interval: number, dayStartSlot: number): boolean {
  return interval % INTERVALS_PER_DAY === dayStartSlot;
}
