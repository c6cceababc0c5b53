/**
 * The market clock of a local community (`npm run dev`): runs the engine's community interval by interval
 * and moves the dev chain with it, in accelerated time. Each tick the seeded households bid on the next
 * interval (signed and relayed), the chain's clock jumps to the gate of the interval before it, which is
 * cleared, and the interval that has ended is metered, billed and settled. Households that registered
 * themselves (from the dApp) are metered with the simulated home that stands in for them.
 */
import type { Wallet } from "ethers";

import { DAY_MS, parseDate } from "@kiezstrom/engine/calendar";
import { standInHousehold, type Household } from "@kiezstrom/engine/community";
import { simulateHome, type HomeDay, type HomeSpec } from "@kiezstrom/engine/home";
import { simulate, type IntervalDetail } from "@kiezstrom/engine/engine";
import { CLASS_NAMES } from "@kiezstrom/engine/market/onchain";
import type { Scenario } from "@kiezstrom/engine/scenario/scenario";
import type { ClockStatus } from "@kiezstrom/engine/runtime-config";
import type { Community } from "./chain.js";

export type { ClockStatus };
import { bidDomain, INTERVAL_SECONDS, signBid, wait, type Reading, type SignedBidInput } from "./market-driver.js";

export interface ClockOptions {
  scenario: Scenario;
  /** The scenario's households, and the wallet of each (same order). */
  homes: readonly Household[];
  wallets: readonly Wallet[];
  /** Real milliseconds per 15-minute interval; ignored when `manual`. */
  realMsPerInterval: number;
  /** Ticks happen only when `tick()` is called (tests, step-by-step demos). */
  manual: boolean;
  /** First slot of the day (0–95) to run on chain; earlier ones are simulated only. */
  startSlot: number;
  gasLimit: bigint;
  log: (line: string) => void;
}

interface Pending {
  detail: IntervalDetail;
  interval: number;
  cleared?: Awaited<ReturnType<Community["driver"]["clear"]>>;
}

/** Serializes the chain work of the clock, the relay and the faucet: one account sends at a time. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class MarketClock {
  readonly status: ClockStatus;
  private offset: number | null = null;
  private openedThrough = -1;
  private readonly pending: Pending[] = [];
  private trigger: (() => void) | null = null;
  private stopped = false;
  private lastRegistrationBlock = 0;
  private readonly nonces = new Map<string, bigint>();
  private finished: Promise<void> | null = null;
  /** Homes that self-registered households described in the dApp: their meter follows them. */
  private readonly homes = new Map<string, HomeSpec>();
  private readonly homeDays = new Map<string, HomeDay>();

  constructor(
    private readonly c: Community,
    private readonly options: ClockOptions,
    readonly serial: Serial,
  ) {
    this.status = {
      biddingInterval: null,
      gateClosesAt: null,
      lastCleared: null,
      lastSettled: null,
      ticks: 0,
      nextTickAt: null,
      realMsPerInterval: options.realMsPerInterval,
      manual: options.manual,
      lastError: null,
      simulatedDate: null,
      simulatedSlot: null,
    };
  }

  /**
   * The local meter operator's side of a self-registration: every second, households that registered themselves
   * get their (stand-in) metering point confirmed, so that they may sell, as a meter operator would after installing
   * the meter.
   */
  private async confirmMeteringPoints(): Promise<void> {
    const { market, roles } = this.c;
    let from = 0;
    while (!this.stopped) {
      try {
        const latest = await this.c.provider.getBlockNumber();
        if (latest >= from) {
          const registered = await market.queryFilter(market.filters.ParticipantRegistered(), from, latest);
          from = latest + 1;
          for (const e of registered) {
            const who = e.args.participant;
            if ((await market.participantOf(who)).meteringPoint !== 0n) continue;
            await this.serial.run(() => wait(market.connect(roles.meter).confirmMeteringPoint(who, meteringPointOf(who))));
          }
        }
      } catch (e) {
        this.options.log(`metering point confirmation: ${(e as Error).message}`);
      }
      await sleep(1000);
    }
  }

  /** Starts the engine run (a year, or until stopped); the first tick happens at once. */
  start(): void {
    void this.confirmMeteringPoints();
    const scenario = { ...this.options.scenario, days: Math.max(this.options.scenario.days, 365) };
    this.finished = simulate(scenario, { onInterval: (d) => this.onInterval(d) }).then(
      () => undefined,
      (e: Error) => {
        if (!this.stopped) this.options.log(`market clock stopped: ${e.message}`);
      },
    );
  }

  /** Runs the next tick now and resolves when it is done. */
  async tick(): Promise<ClockStatus> {
    const done = this.status.ticks + 1;
    this.trigger?.();
    while (this.status.ticks < done && !this.stopped) await sleep(50);
    return this.status;
  }

  /** From the next metered interval on, the meter of `address` reads this home (a self-registered household's). */
  setHome(address: string, home: HomeSpec): void {
    const key = address.toLowerCase();
    if (this.options.wallets.some((w) => w.address.toLowerCase() === key)) throw new Error("the seeded households' homes are the scenario's");
    this.homes.set(key, home);
    for (const k of this.homeDays.keys()) if (k.startsWith(`${key}:`)) this.homeDays.delete(k);
  }

  /** The reading of a described home in the engine's day and slot of `d`. */
  private async homeReading(address: string, home: HomeSpec, d: IntervalDetail) {
    const date = addDays(this.options.scenario.start, d.dayIndex);
    const cacheKey = `${address}:${date}`;
    let day = this.homeDays.get(cacheKey);
    if (!day) {
      day = await simulateHome(home, date, this.options.scenario.seed);
      this.homeDays.set(cacheKey, day);
    }
    return { importWh: day.importWh[d.slot], exportWh: day.exportWh[d.slot] };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.trigger?.();
    await this.finished;
  }

  private async waitForTick(): Promise<void> {
    if (this.status.ticks === 0) return;
    await new Promise<void>((resolve) => {
      this.trigger = resolve;
      if (!this.options.manual) {
        const delay = Math.max(0, (this.status.nextTickAt ?? Date.now()) - Date.now());
        setTimeout(resolve, delay);
      }
    });
    this.trigger = null;
  }

  private async onInterval(d: IntervalDetail): Promise<void> {
    if (this.stopped) throw new Error("stopped");
    if (d.step < this.options.startSlot) return;
    await this.waitForTick();
    if (this.stopped) throw new Error("stopped");
    const started = Date.now();
    try {
      await this.serial.run(() => this.step(d));
      this.status.lastError = null;
    } catch (e) {
      // the clock keeps going: a failed step is reported, and the next tick tries the next interval
      this.status.lastError = (e as Error).message.split("\n")[0];
      this.options.log(`tick ${this.status.ticks + 1} failed: ${this.status.lastError}`);
    }
    this.status.ticks++;
    this.status.nextTickAt = this.options.manual ? null : started + this.options.realMsPerInterval;
  }

  /** One tick: bids for interval j, clearing of j − 1, metering, billing and settlement of j − 3. */
  private async step(d: IntervalDetail): Promise<void> {
    const { c } = this;
    const { log } = this.options;
    if (this.offset === null) {
      const chainNext = Math.floor((await c.now()) / INTERVAL_SECONDS) + 2;
      // whole days, so an interval's time of day on chain is the engine's
      this.offset = Math.ceil((chainNext - d.interval) / 96) * 96;
    }
    const j = d.interval + this.offset;
    if (this.openedThrough < j + 4) {
      const first = Math.max(j, this.openedThrough + 1);
      await wait(c.market.connect(c.roles.operator).openIntervals(first, 96, { gasLimit: this.options.gasLimit }));
      this.openedThrough = first + 95;
    }
    await this.placeSeededBids(j, d);
    this.pending.push({ detail: d, interval: j });

    // the gate of j − 1 closes now
    const toClear = this.pending.find((p) => p.interval === j - 1);
    if (toClear) {
      await c.closeGate(toClear.interval);
      toClear.cleared = await c.driver.clear(toClear.interval);
      this.status.lastCleared = toClear.interval;
      const r = toClear.cleared.result;
      log(
        `interval ${toClear.interval} cleared: ${r.sells.length + r.buys.length} bids, ${(r.matchedWh / 1000).toFixed(1)} kWh at ${(r.price / 1e6).toFixed(4)} EUR/kWh`,
      );
    }
    // j − 3 has ended: meter, bill and settle it
    const toSettle = this.pending.find((p) => p.interval === j - 3);
    if (toSettle?.cleared) {
      const readings = await this.readings(toSettle.detail);
      const metered = await c.driver.meter(toSettle.interval, readings, toSettle.cleared.result);
      await c.driver.billAndSettle(toSettle.interval, metered.pages, toSettle.cleared);
      this.status.lastSettled = toSettle.interval;
      log(`interval ${toSettle.interval} metered, billed and settled for ${readings.length} participants`);
    }
    while (this.pending.length > 0 && this.pending[0].interval <= j - 3) this.pending.shift();
    this.status.biddingInterval = j;
    this.status.simulatedDate = addDays(this.options.scenario.start, d.dayIndex);
    this.status.simulatedSlot = d.slot;
    this.status.gateClosesAt = Number((await c.market.intervalOf(j)).gateClosesAt);
  }

  /** The engine's bids of the seeded households for chain interval `j`, signed by each and relayed in batches. */
  private async placeSeededBids(j: number, d: IntervalDetail): Promise<void> {
    if (d.bids.length === 0) return;
    const { c } = this;
    const domain = await bidDomain(c.market);
    const deadline = BigInt((await c.now()) + 86_400);
    const signed: SignedBidInput[] = [];
    for (const b of d.bids) {
      const w = this.options.wallets[b.household];
      const nonce = this.nonces.get(w.address) ?? (await c.market.accountOf(w.address)).bidNonce;
      this.nonces.set(w.address, nonce + 1n);
      signed.push(await signBid(w, domain, { interval: j, side: b.side, wh: b.wh, price: b.price, nonce, deadline }));
    }
    for (let i = 0; i < signed.length; i += 100) {
      await wait(c.market.connect(c.roles.admin).submitSignedBids(j, signed.slice(i, i + 100), { gasLimit: this.options.gasLimit }));
    }
  }

  /** One reading per registered participant: the engine's for seeded homes, a stand-in's for the others. */
  private async readings(d: IntervalDetail): Promise<Reading[]> {
    const { market, participants } = this.c;
    const registered = await market.queryFilter(market.filters.ParticipantRegistered(), this.lastRegistrationBlock);
    for (const e of registered) {
      this.lastRegistrationBlock = Math.max(this.lastRegistrationBlock, e.blockNumber + 1);
      const key = e.args.participant.toLowerCase();
      if (participants.has(key)) continue;
      participants.set(key, { supplier: Number(e.args.supplier), participantClass: Number(e.args.participantClass) });
    }
    const seeded = new Map(this.options.wallets.map((w, i) => [w.address.toLowerCase(), i]));
    const readings: Reading[] = [];
    for (const [address, info] of participants) {
      const described = this.homes.get(address);
      if (described && !seeded.has(address)) {
        readings.push({ participant: address, ...(await this.homeReading(address, described, d)) });
        continue;
      }
      let home = seeded.get(address);
      if (home === undefined) {
        const cls = CLASS_NAMES[info.participantClass as keyof typeof CLASS_NAMES];
        home = cls ? standInHousehold(address, cls, this.options.homes)?.index : undefined;
      }
      if (home === undefined) continue;
      readings.push({ participant: address, ...d.readings[home] });
    }
    return readings;
  }
}

/** A stand-in metering point for a dev household: a number from its address (no two dev households share one). */
function meteringPointOf(address: string): bigint {
  return (BigInt(address) % 9_000_000_000n) + 1_000_000_000n;
}

function addDays(date: string, days: number): string {
  return new Date(parseDate(date)! + days * DAY_MS).toISOString().slice(0, 10);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
