import { describe, expect, it } from "vitest";
import type { PublicClient } from "viem";

import { MarketEventStore } from "../src/lib/events";

/** A public client that serves a fixed log and can fail on demand. */
function fakeClient(head: bigint) {
  const calls: [bigint, bigint][] = [];
  const state = { head, failing: false };
  const client = {
    getBlockNumber: async () => {
      if (state.failing) throw new Error("connection refused");
      return state.head;
    },
    getContractEvents: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => {
      calls.push([fromBlock, toBlock]);
      const out = [];
      for (let b = fromBlock; b <= toBlock; b += 5_000n) out.push({ eventName: "Deposited", args: { amount: b }, blockNumber: b, transactionHash: "0x" });
      return out;
    },
  };
  return { client: client as unknown as PublicClient, calls, state };
}

describe("the market's event store", () => {
  it("reads from the deployment block in ranges, then only new blocks", async () => {
    const { client, calls, state } = fakeClient(25_000n);
    const store = new MarketEventStore(client, "0x0000000000000000000000000000000000000001", 100);
    await store.sync();
    expect(calls).toEqual([
      [100n, 10_099n],
      [10_100n, 20_099n],
      [20_100n, 25_000n],
    ]);
    const count = store.events.length;
    state.head = 25_010n;
    await store.sync();
    expect(calls.at(-1)).toEqual([25_001n, 25_010n]);
    expect(store.events.length).toBeGreaterThanOrEqual(count);
  });

  it("reports an unreachable node, keeps what it has, and recovers", async () => {
    const { client, state } = fakeClient(10n);
    const store = new MarketEventStore(client, "0x0000000000000000000000000000000000000001", 0);
    await store.sync();
    const events = store.events.length;
    const seen: number[] = [];
    store.subscribe(() => seen.push(store.version));
    state.failing = true;
    await store.sync();
    expect(String(store.error)).toMatch(/connection refused/);
    expect(store.events.length).toBe(events);
    await expect(store.syncThrough(20n)).rejects.toThrow(/connection refused/);
    state.failing = false;
    state.head = 20n;
    await store.syncThrough(20n);
    expect(store.error).toBeNull();
    expect(seen.length).toBeGreaterThan(0);
  });
});
