/**
 * Berlin tariffs from February 2023: the suppliers of the default scenario (sim/scenario/berlin-case-study.json),
 * where each figure's source and every assumption is written next to it.
 */
import type { SupplierTariff } from "../market/tariff.js";
import caseStudy from "./berlin-case-study.json" with { type: "json" };

export const BERLIN_2023_SUPPLIERS: { name: string; tariff: SupplierTariff; notes: string[] }[] = caseStudy.suppliers;
