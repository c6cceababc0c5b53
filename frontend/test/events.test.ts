import { describe, expect, it } from "vitest";
import type { PublicClient } from "viem";

import { MarketEventStore } from "../src/lib/events";

/** A public client that serves a fixed log and can fail on demand. */
function fakeClient(head: bigint) {
  const calls: [bigint, bigint][] = [];
  const state = { head, failing: false, maxRange: 1_000_000n };
  const client = {
    getBlockNumber: async () => {
      if (state.failing) throw new Error("connection refused");
      return state.head;
    },
    getContractEvents: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => {
      calls.push([fromBlock, toBlock]);
      // as public providers refuse: a range or a response over their limit
      if (toBlock - fromBlock + 1n > state.maxRange) throw new Error("HTTP response body exceeded the size limit.");
      const out = [];
      for (let b = fromBlock; b <= toBlock; b += 5_000n) out.push({ eventName: "Deposited", args: { amount: b }, blockNumber: b, transactionHash: "0x" });
      return out;
    },
  };
  return { client: client as unknown as PublicClient, calls, state };
}

describe("the market's event store", () => {
  it("reads from the deployment block in ranges, then only new blocks", async () => {
    const { client, calls, state } = fakeClient(5_000n);
    const store = new MarketEventStore(client, "0x0000000000000000000000000000000000000001", 100);
    await store.sync();
    expect(calls).toEqual([
      [100n, 2_099n],
      [2_100n, 4_099n],
      [4_100n, 5_000n],
    ]);
    expect(store.caughtUp).toBe(true);
    const count = store.events.length;
    state.head = 5_010n;
    await store.sync();
    expect(calls.at(-1)).toEqual([5_001n, 5_010n]);
    expect(store.events.length).toBeGreaterThanOrEqual(count);
  });

  it("reads only the latest blocks when asked to, and halves its range while the provider refuses one", async () => {
    const { client, calls, state } = fakeClient(1_000_000n);
    state.maxRange = 300n;
    const store = new MarketEventStore(client, "0x0000000000000000000000000000000000000001", 0, { recentBlocks: 1_000 });
    await store.sync();
    expect(store.firstBlock).toBe(999_000n);
    expect(calls[0]).toEqual([999_000n, 1_000_000n]);
    // 2,000 → 1,000 → 500 → 250 blocks, then ranges of 250 to the head
    const read = calls.filter(([a, b]) => b - a + 1n <= 300n);
    expect(read[0]).toEqual([999_000n, 999_249n]);
    expect(read.at(-1)![1]).toBe(1_000_000n);
    expect(store.error).toBeNull();
    expect(store.caughtUp).toBe(true);
    expect(store.events.every((e) => e.blockNumber >= 999_000n)).toBe(true);
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
