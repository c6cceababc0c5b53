/**
 * Berlin tariffs from February 2023, from the public figures in docs/data-sources.md. All µEUR/kWh.
 *
 * Supplier-1 follows Vattenfall Berlin basic supply: 41.41 ct/kWh gross = 34.80 net + 19% VAT.
 *  - SOM (network): Stromnetz Berlin 2023 energy charge, 8.93 ct.
 *  - RT (levies, taxes and VAT): KWKG 0.357 + §19 StromNEV 0.417 + offshore 0.591 + electricity tax 2.05
 *    + concession fee 2.39 = 5.805 ct, plus VAT 19% of 34.80 = 6.612 ct → 12.417 ct. VAT is carried in RT
 *    so that ToU is the gross price households pay (41.407 ct).
 *  - EP + ESM: the remaining 20.06 ct. ASSUMPTION (the split is not public): EP 17.00, ESM 3.06 ct.
 *  - FiT: EEG 2023 surplus feed-in for PV ≤ 10 kWp, 8.2 ct.
 *  - Daily charge: 9.50 EUR/month gross × 12 / 365 = 0.312329 EUR.
 * LEM figures are ASSUMPTIONS of the scenario (the case study's Table 1 is not available): platform fee
 * 1.0 ct; ESM_LEM = ESM + 0.44 ct; SOM_LEM = SOM + 0.5 ct.
 *
 * Supplier-2: no public Berlin tariff of the case study's second supplier was found. ASSUMPTION: the same
 * levies, network fee and FiT, a lower energy price (16.50 ct) and a higher margin (3.50 ct).
 */
import type { SupplierTariff } from "../market/tariff.js";

export const BERLIN_2023_SUPPLIERS: { name: string; tariff: SupplierTariff }[] = [
  {
    name: "Supplier-1",
    tariff: {
      prices: {
        energyPrice: 170_000,
        levies: 124_170,
        supplierMargin: 30_600,
        networkFee: 89_300,
        feedInTariff: 82_000,
        platformFee: 10_000,
        lemSupplierMargin: 35_000,
        lemNetworkFee: 94_300,
      },
      dailyChargeMicroEur: 312_329,
    },
  },
  {
    name: "Supplier-2",
    tariff: {
      prices: {
        energyPrice: 165_000,
        levies: 124_170,
        supplierMargin: 35_000,
        networkFee: 89_300,
        feedInTariff: 82_000,
        platformFee: 10_000,
        lemSupplierMargin: 38_000,
        lemNetworkFee: 94_300,
      },
      dailyChargeMicroEur: 300_000,
    },
  },
];
