import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { JsonRpcProvider, Log } from "ethers";

import { readLogs } from "../../scripts/lib/audit.js";

/** A provider that holds one log per 10 blocks and refuses ranges wider than `maxRange`, as public providers do. */
function provider(maxRange: number, fail?: string) {
  const calls: [number, number][] = [];
  const p = {
    getLogs: async ({ fromBlock, toBlock }: { fromBlock: number; toBlock: number }) => {
      calls.push([fromBlock, toBlock]);
      if (fail) throw new Error(fail);
      if (toBlock - fromBlock + 1 > maxRange) throw new Error("query returned more than 10000 results; block range too large");
      const out = [];
      for (let b = Math.ceil(fromBlock / 10) * 10; b <= toBlock; b += 10) out.push({ blockNumber: b } as unknown as Log);
      return out;
    },
  };
  return { p: p as unknown as JsonRpcProvider, calls };
}

describe("the auditor's log reader", () => {
  it("splits a range the provider refuses and still reads every block once", async () => {
    const { p, calls } = provider(300);
    const logs = await readLogs(p, "0x0000000000000000000000000000000000000001", 0, 9_999, () => {});
    assert.equal(logs.length, 1_000);
    assert.deepEqual(
      logs.map((l) => l.blockNumber),
      Array.from({ length: 1_000 }, (_, i) => i * 10),
    );
    assert.ok(calls.every(([a, b]) => b - a + 1 <= 2_000));
  });

  it("passes on an error a smaller range cannot help", async () => {
    const { p } = provider(300, "connection refused");
    await assert.rejects(
      readLogs(p, "0x0000000000000000000000000000000000000001", 0, 100, () => {}),
      /connection refused/,
    );
  });
});
