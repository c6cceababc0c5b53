/**
 * The market's event log in the browser, decoded with the generated ABI: from the deployment block (the Audit
 * page's replay) or only the latest `recentBlocks` (the pages of a community without an indexer), then only new
 * blocks on each poll. Ranges start at 2,000 blocks and halve when the node refuses a range or a response's size,
 * so a public provider's limits slow the read down instead of stopping it.
 */
import { useSyncExternalStore } from "react";
import type { PublicClient } from "viem";

import { kiezMarketAbi } from "../contracts/generated";
import { FIRST_LOG_RANGE, readInRanges } from "@kiezstrom/engine/log-ranges";
import type { MarketEvent } from "@kiezstrom/engine/audit";

export interface LoggedEvent extends MarketEvent {
  blockNumber: bigint;
  transactionHash: string;
}

export class MarketEventStore {
  events: LoggedEvent[] = [];
  /** Changes whenever events arrive or an error is set, so views recompute. */
  version = 0;
  error: unknown = null;
  /** The first block read: older events are not in this store. */
  firstBlock: bigint | null = null;
  /** The first read reached the head: the store holds every event from `firstBlock` on. */
  caughtUp = false;
  /** Blocks read so far and to read, for a progress bar. */
  progress = { read: 0n, total: 0n };
  private nextBlock: bigint | null = null;
  /** The widest log range the node has not refused, kept from read to read. */
  private limits = { ceiling: FIRST_LOG_RANGE };
  private listeners = new Set<() => void>();
  private syncing: Promise<void> | null = null;
  private cancelled = false;

  constructor(
    private readonly client: PublicClient,
    private readonly market: `0x${string}`,
    private readonly fromBlock: number,
    private readonly options: { recentBlocks?: number; toBlock?: bigint } = {},
  ) {}

  /** Stops a read under way at its next range. */
  cancel() {
    this.cancelled = true;
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = () => this.version;

  private changed() {
    this.version++;
    for (const l of this.listeners) l();
  }

  /** Reads the blocks not yet read; concurrent calls share one read. */
  sync(): Promise<void> {
    this.syncing ??= this.read().finally(() => (this.syncing = null));
    return this.syncing;
  }

  /** Reads until every block through `block` is in; throws when the node cannot be read. */
  async syncThrough(through: bigint): Promise<void> {
    const block = this.options.toBlock !== undefined && this.options.toBlock < through ? this.options.toBlock : through;
    while (this.nextBlock === null || this.nextBlock <= block) {
      if (this.cancelled) throw new Error("The read was cancelled.");
      await this.sync();
      if (this.error) throw this.error;
    }
  }

  private async read() {
    try {
      const latest = await this.client.getBlockNumber();
      const head = this.options.toBlock !== undefined && this.options.toBlock < latest ? this.options.toBlock : latest;
      if (this.nextBlock === null) {
        const recent = this.options.recentBlocks;
        const start = recent !== undefined && head - BigInt(recent) > BigInt(this.fromBlock) ? head - BigInt(recent) : BigInt(this.fromBlock);
        this.firstBlock = start;
        this.nextBlock = start;
      }
      const first = this.firstBlock ?? 0n;
      let next = this.nextBlock;
      this.progress = { read: next - first, total: head + 1n - first };
      const fresh: LoggedEvent[] = [];
      const reached = await readInRanges(
        Number(next),
        Number(head),
        this.limits,
        async (from, to) => {
          const logs = await this.client.getContractEvents({ address: this.market, abi: kiezMarketAbi, fromBlock: BigInt(from), toBlock: BigInt(to) });
          for (const l of logs) fresh.push({ name: l.eventName, args: l.args, blockNumber: l.blockNumber, transactionHash: l.transactionHash });
          this.nextBlock = BigInt(to) + 1n;
          this.progress = { read: this.nextBlock - first, total: head + 1n - first };
          this.changed();
        },
        () => this.cancelled,
      );
      next = BigInt(reached);
      if (next > head) this.caughtUp = true;
      const hadError = this.error !== null;
      this.error = null;
      if (fresh.length > 0 || hadError) {
        this.events = this.events.concat(fresh);
        this.changed();
      }
    } catch (e) {
      this.error = e;
      this.changed();
    }
  }
}

const NO_STORE = { subscribe: () => () => {}, snapshot: () => 0 };

export function useEventVersion(store: MarketEventStore | null): number {
  const s = store ?? NO_STORE;
  return useSyncExternalStore(s.subscribe, s.snapshot);
}
