/**
 * Bills per participant and interval (case study eqs. 7–12), identical to the contract's billing and
 * settlement (contracts/MarketMath.sol, MarketSettlement.sol). All money in integer nano-euro.
 */
import { lemCharges, timeOfUse, type SupplierTariff, type Tariff } from "./tariff.js";

export const INTERVALS_PER_DAY = 96;
export const INTERVAL_SECONDS = 900;
/** Nano-euro per µEUR. */
export const NANO_PER_MICRO = 1000;

export interface IntervalQuantities {
  /** Metered net import and export of the interval, Wh. */
  importWh: number;
  exportWh: number;
  /** P2P energy bought and sold (filled Wh), and the price paid or received per kWh (µEUR). */
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

/** A participant's LEM bill for one interval at P2P price `price` (µEUR/kWh). */
export function lemBill(q: IntervalQuantities, price: number, tariff: SupplierTariff, dayStart: boolean): BillLines {
  const t = tariff.prices;
  const { gridImportWh, gridExportWh } = gridResidual(q);
  const lines = {
    gridImportWh,
    gridExportWh,
    p2pCost: q.p2pBoughtWh * price,
    platformFee: q.p2pBoughtWh * t.platformFee,
    levies: q.p2pBoughtWh * t.levies,
    supplierFee: q.p2pBoughtWh * t.lemSupplierMargin,
    networkFee: q.p2pBoughtWh * t.lemNetworkFee,
    p2pProceeds: q.p2pSoldWh * price,
    gridImportCost: gridImportWh * timeOfUse(t),
    gridExportCredit: gridExportWh * t.feedInTariff,
    dailyCharge: dayStart ? tariff.dailyChargeMicroEur * NANO_PER_MICRO : 0,
  };
  return { ...lines, net: netOf(lines) };
}

/** The BAU bill: every excess kWh sold at FiT, every unmet kWh bought at ToU (eqs. 11–12). */
export function bauBill(importWh: number, exportWh: number, tariff: SupplierTariff, dayStart: boolean): BillLines {
  return lemBill({ importWh, exportWh, p2pBoughtWh: 0, p2pSoldWh: 0 }, 0, tariff, dayStart);
}

function netOf(l: Omit<BillLines, "net">): number {
  return (
    l.p2pCost + l.platformFee + l.levies + l.supplierFee + l.networkFee + l.gridImportCost + l.dailyCharge -
    l.p2pProceeds -
    l.gridExportCredit
  );
}

/** Per-kWh buyer cost in the LEM at price p (µEUR/kWh). */
export function lemBuyCostPerKWh(t: Tariff, price: number): number {
  return price + lemCharges(t);
}

export function isDayStart(interval: number, dayStartSlot: number): boolean {
  return interval % INTERVALS_PER_DAY === dayStartSlot;
}
