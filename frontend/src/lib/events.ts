/**
 * The market's event log in the browser: fetched once from the deployment block, then only new blocks on
 * each poll, decoded with the generated ABI. Views derive everything else from it with the engine.
 */
import { useSyncExternalStore } from "react";
import type { PublicClient } from "viem";

import { kiezMarketAbi } from "../contracts/generated";
import type { MarketEvent } from "@kiezstrom/engine/audit";

export interface LoggedEvent extends MarketEvent {
  blockNumber: bigint;
  transactionHash: string;
}

const RANGE = 10_000n;

export class MarketEventStore {
  events: LoggedEvent[] = [];
  /** Changes whenever events arrive or an error is set, so views recompute. */
  version = 0;
  error: unknown = null;
  private nextBlock: bigint;
  private listeners = new Set<() => void>();
  private syncing: Promise<void> | null = null;

  constructor(
    private readonly client: PublicClient,
    private readonly market: `0x${string}`,
    fromBlock: number,
  ) {
    this.nextBlock = BigInt(fromBlock);
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
  async syncThrough(block: bigint): Promise<void> {
    while (this.nextBlock <= block) {
      await this.sync();
      if (this.error) throw this.error;
    }
  }

  private async read() {
    try {
      const head = await this.client.getBlockNumber();
      const fresh: LoggedEvent[] = [];
      for (let from = this.nextBlock; from <= head; from += RANGE) {
        const to = from + RANGE - 1n < head ? from + RANGE - 1n : head;
        const logs = await this.client.getContractEvents({ address: this.market, abi: kiezMarketAbi, fromBlock: from, toBlock: to });
        for (const l of logs) fresh.push({ name: l.eventName, args: l.args, blockNumber: l.blockNumber, transactionHash: l.transactionHash });
        this.nextBlock = to + 1n;
      }
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

export function useEventVersion(store: MarketEventStore): number {
  return useSyncExternalStore(store.subscribe, store.snapshot);
}
