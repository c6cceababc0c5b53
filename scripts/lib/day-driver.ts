/**
 * Drives a day-mode community's days (contracts/MarketDays.sol) with the engine's reference clearing
 * (@kiezstrom/engine/market/day): the meter posts a day's readings in pages, and anyone settles the day with the
 * clearing the engine computed from the pages as the chain committed them. Shared by the demo, the gas runs and the
 * tests.
 */
import type { ContractTransactionReceipt, Signer } from "ethers";

import { simulate } from "@kiezstrom/engine/engine";
import type { Household } from "@kiezstrom/engine/community";
import { clearDay, type DayNets, type DayResult, decodeDayReadings, encodeDayReadings, MAX_DAY_READING_WH } from "@kiezstrom/engine/market/day";
import { type SupplierTariff, tariffFromChain } from "@kiezstrom/engine/market/tariff";
import { type DayParty, dayClearingWord, dayPartyWord } from "@kiezstrom/engine/market/words";
import type { Scenario } from "@kiezstrom/engine/scenario/scenario";
import type { KiezMarket } from "../../types/ethers-contracts/index.js";
import { wait } from "./market-driver.js";

/** The most members one meter page carries (KiezMarket's MarketDays.MAX_DAY_PAGE). */
export const MAX_DAY_PAGE = 200;
/** The most members of a day verified and settled in one transaction (MarketDays.MAX_ONE_TRANSACTION_MEMBERS); larger
 *  days settle in steps (settleInSteps). */
export const MAX_ONE_TRANSACTION_MEMBERS = 200;

/** A day's meter page as the chain committed it: its members with their supplier and order that day, and their
 *  readings (hex, 192 bytes a member). */
export interface DayMeterPage {
  parties: DayParty[];
  readings: string;
}

export interface DayRoles {
  operator: Signer;
  meter: Signer;
  /** Whoever settles days: anyone may. */
  anyone: Signer;
}

export class DayDriver {
  constructor(
    readonly market: KiezMarket,
    private readonly roles: DayRoles,
    private readonly pageSize = MAX_DAY_PAGE,
  ) {}

  /** Each supplier's tariff in `day`: the epoch the day opened with. */
  async tariffsOf(day: number): Promise<SupplierTariff[]> {
    const epoch = (await this.market.dayOf(day)).tariffEpoch;
    const count = Number(await this.market.supplierCount());
    return Promise.all(Array.from({ length: count }, async (_, s) => tariffFromChain(await this.market.tariffOf(s, epoch))));
  }

  /** The unix time at which `day` starts (its first interval is day × 96 + the community's day start slot). */
  async startOf(day: number): Promise<number> {
    const slot = Number((await this.market.config()).dayStartSlot);
    return (day * 96 + slot) * 900;
  }

  /** The first day that starts after `timestamp`. */
  async dayAfter(timestamp: number): Promise<number> {
    const slot = Number((await this.market.config()).dayStartSlot);
    return Math.floor((Math.floor(timestamp / 900) - slot) / 96) + 1;
  }

  async openDays(first: number, count = 1): Promise<ContractTransactionReceipt> {
    return wait(this.market.connect(this.roles.operator).openDays(first, count));
  }

  /** Posts every member's readings of an ended day, in pages; returns the pages as committed (from their events). */
  async postReadings(day: number, nets: readonly DayNets[]): Promise<{ pages: DayMeterPage[]; receipts: ContractTransactionReceipt[] }> {
    const pages: DayMeterPage[] = [];
    const receipts: ContractTransactionReceipt[] = [];
    for (let first = 0; first < nets.length; first += this.pageSize) {
      const receipt = await wait(this.market.connect(this.roles.meter).postDayReadings(day, encodeDayReadings(nets.slice(first, first + this.pageSize))));
      receipts.push(receipt);
      pages.push(this.committedPage(receipt));
    }
    return { pages, receipts };
  }

  /** Clears the day with the engine and settles it with that clearing, every page in one transaction. */
  async settle(day: number, pages: readonly DayMeterPage[]): Promise<{ result: DayResult; receipt: ContractTransactionReceipt }> {
    const result = await this.clear(day, pages);
    const receipt = await wait(this.market.connect(this.roles.anyone).settleDay(day, 0, settleDayPages(pages), result.clearing.map(dayClearingWord.pack)));
    return { result, receipt };
  }

  /**
   * Clears the day with the engine and settles it in steps, as a day of more than MAX_ONE_TRANSACTION_MEMBERS members
   * must: `verifyPerTx` pages at a time verified against the clearing, then `settlePerTx` pages at a time settled. (A
   * first step that hands in every page of a smaller day settles it whole, in that one transaction.)
   */
  async settleInSteps(
    day: number,
    pages: readonly DayMeterPage[],
    { verifyPerTx = 1, settlePerTx = 1 }: { verifyPerTx?: number; settlePerTx?: number } = {},
  ): Promise<{ result: DayResult; verify: ContractTransactionReceipt[]; settle: ContractTransactionReceipt[] }> {
    const result = await this.clear(day, pages);
    const clearing = result.clearing.map(dayClearingWord.pack);
    const settledWhole = (r: ContractTransactionReceipt) => r.logs.some((l) => this.market.interface.parseLog(l)?.name === "DaySettled");
    const steps = async (perTx: number) => {
      const receipts: ContractTransactionReceipt[] = [];
      for (let first = 0; first < pages.length; first += perTx) {
        const batch = settleDayPages(pages.slice(first, first + perTx));
        receipts.push(await wait(this.market.connect(this.roles.anyone).settleDay(day, first, batch, clearing)));
        if (settledWhole(receipts[receipts.length - 1])) break;
      }
      return receipts;
    };
    const verify = await steps(verifyPerTx);
    const settle = settledWhole(verify[verify.length - 1]) ? [] : await steps(settlePerTx);
    return { result, verify, settle };
  }

  /** Posts an ended day's readings and settles it in one transaction (the meter's one-page path). */
  async postAndSettle(day: number, nets: readonly DayNets[]): Promise<{ result: DayResult; receipt: ContractTransactionReceipt }> {
    const readings = encodeDayReadings(nets);
    const result = await this.clear(day, [{ parties: await this.parties(day, nets.length), readings }]);
    const receipt = await wait(this.market.connect(this.roles.meter).postAndSettleDay(day, readings, result.clearing.map(dayClearingWord.pack)));
    return { result, receipt };
  }

  /** The first `count` members as a page of `day` commits them (KiezMarket.dayPartyOf). */
  async parties(day: number, count: number): Promise<DayParty[]> {
    const words = await Promise.all(Array.from({ length: count }, (_, m) => this.market.dayPartyOf(day, m)));
    return words.map((w) => dayPartyWord.unpack(BigInt(w)));
  }

  /** The engine's clearing and bills of the committed pages of `day`, at the day's tariffs. */
  async clear(day: number, pages: readonly DayMeterPage[]): Promise<DayResult> {
    return clearDay(
      pages.flatMap((p) => p.parties),
      pages.flatMap((p) => decodeDayReadings(p.readings)),
      await this.tariffsOf(day),
    );
  }

  private committedPage(receipt: ContractTransactionReceipt): DayMeterPage {
    for (const log of receipt.logs) {
      const parsed = this.market.interface.parseLog(log);
      if (parsed?.name === "DayReadingsPosted") {
        return { parties: (parsed.args.parties as bigint[]).map((w) => dayPartyWord.unpack(BigInt(w))), readings: parsed.args.readings as string };
      }
    }
    throw new Error(`transaction ${receipt.hash} posted no day readings`);
  }
}

/** A household's registered limits in a day-mode community: its own, within what a 15-bit reading carries; a consumer
 *  exports nothing. */
export function dayModeLimits(h: Household): { importLimitWh: number; exportLimitWh: number } {
  return {
    importLimitWh: Math.min(h.importLimitWh, MAX_DAY_READING_WH),
    exportLimitWh: h.class === "consumer" ? 0 : Math.min(h.exportLimitWh, MAX_DAY_READING_WH),
  };
}

/** The pages as `settleDay` takes them back. */
export function settleDayPages(pages: readonly DayMeterPage[]) {
  return pages.map((p) => ({ parties: p.parties.map(dayPartyWord.pack), readings: p.readings }));
}

/** The engine's run of `scenario`, and every household's metered net position (import − export, Wh) in each interval
 *  of each day: the readings a day-mode meter posts. */
export async function engineDayNets(scenario: Scenario) {
  const nets: number[][][] = [];
  const result = await simulate(scenario, {
    onInterval: (d) => {
      if (d.slot === 0 || d.step === 0) nets[d.dayIndex] = d.readings.map(() => []);
      for (const [i, r] of d.readings.entries()) nets[d.dayIndex][i].push(r.importWh - r.exportWh);
    },
  });
  return { nets, result };
}
