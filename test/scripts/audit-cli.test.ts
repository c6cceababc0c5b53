import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AbiCoder, id, JsonRpcProvider, keccak256, toBeHex, zeroPadValue } from "ethers";

import { freePort, startNode } from "../../scripts/lib/local-node.js";
import { replayMarket } from "@kiezstrom/engine/audit";
import { accountWord } from "@kiezstrom/engine/market/words";
import { KiezMarket__factory } from "../../types/ethers-contracts/index.js";

const tsx = (script: string, args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8", env: { ...process.env, CI: "true" } });

describe("npm run audit against a demo run on a Hardhat node", () => {
  let node: Awaited<ReturnType<typeof startNode>>;
  let deployment: { market: string; token: string };
  let provider: JsonRpcProvider;
  const dir = mkdtempSync(join(tmpdir(), "kiez-audit-"));

  before(async () => {
    node = await startNode();
    provider = new JsonRpcProvider(node.url);
    const demo = tsx("scripts/demo.ts", ["--rpc", node.url, "--participants", "12", "--out", join(dir, "demo")]);
    assert.equal(demo.status, 0, demo.stderr);
    deployment = JSON.parse(readFileSync(join(dir, "demo", "deployment.json"), "utf8"));
    // the demo itself: every interval settled, every participant's on-chain amount equal to the engine's bill
    const summary = JSON.parse(readFileSync(join(dir, "demo", "summary.json"), "utf8"));
    assert.equal(summary.crossCheck.mismatches, 0);
    assert.equal(summary.crossCheck.participants, 12);
    assert.equal(summary.intervalsSettled, 96);
    assert.ok(summary.bids.direct > 0 && summary.bids.relayed > 0, "both bid paths used");
    for (const action of ["register", "deposit", "bid", "relayedBid", "clear", "meter", "billAndSettle"]) assert.ok(summary.gas[action]?.gas > 0, action);
  });

  after(() => {
    provider?.destroy();
    node?.stop();
  });

  it("passes on an honest run: every interval replays and every balance matches", () => {
    const r = tsx("scripts/audit.ts", ["--rpc", node.url, "--market", deployment.market, "--out", join(dir, "honest")]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(join(dir, "honest", "audit.json"), "utf8"));
    assert.equal(report.verdict, "pass");
    assert.equal(report.intervals.filter((i: { settled: boolean }) => i.settled).length, 96);
  });

  it("fails when a ledger balance is changed behind the events' back", async () => {
    // find the storage slot of the market's account mapping by a known account: a participant's ledger slot
    const report = JSON.parse(readFileSync(join(dir, "honest", "audit.json"), "utf8"));
    const coder = AbiCoder.defaultAbiCoder();
    const market = deployment.market;
    const trader = (await provider.getLogs({ address: market, fromBlock: 0, topics: [id("Deposited(address,uint256)")] }))[0];
    const account = `0x${trader.topics[1].slice(26)}`;
    const { free } = await KiezMarket__factory.connect(market, provider).accountOf(account);
    let slot: string | undefined;
    for (let i = 0; i < 30 && !slot; i++) {
      const candidate = keccak256(coder.encode(["address", "uint256"], [account, i]));
      const value = BigInt(await provider.getStorage(market, candidate));
      if (value !== 0n && accountWord.unpack(value).free === free) slot = candidate;
    }
    assert.ok(slot, "found the account's ledger slot");
    const value = BigInt(await provider.getStorage(market, slot));
    await provider.send("hardhat_setStorageAt", [market, slot, zeroPadValue(toBeHex(value + 10n ** 18n), 32)]);
    const r = tsx("scripts/audit.ts", ["--rpc", node.url, "--market", market, "--out", join(dir, "ledger")]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /ledger, 0x[0-9a-f]{40}: chain free/);
    await provider.send("hardhat_setStorageAt", [market, slot, zeroPadValue(toBeHex(value), 32)]);
    assert.ok(report);
  });

  it("fails when the market's token balance is lowered", async () => {
    const coder = AbiCoder.defaultAbiCoder();
    // OpenZeppelin ERC20 keeps balances in the mapping at slot 0
    const slot = keccak256(coder.encode(["address", "uint256"], [deployment.market, 0]));
    const balance = BigInt(await provider.getStorage(deployment.token, slot));
    assert.ok(balance > 0n);
    await provider.send("hardhat_setStorageAt", [deployment.token, slot, zeroPadValue(toBeHex(balance / 2n), 32)]);
    const r = tsx("scripts/audit.ts", ["--rpc", node.url, "--market", deployment.market, "--out", join(dir, "token")]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /solvency: the market holds/);
  });

  it("refuses bad input with exit code 2: an unreachable RPC, no contract, a contract that is not a market", async () => {
    const unreachable = tsx("scripts/audit.ts", ["--rpc", `http://127.0.0.1:${await freePort()}`, "--market", deployment.market, "--out", join(dir, "x")]);
    assert.equal(unreachable.status, 2, unreachable.stderr);
    assert.match(unreachable.stderr, /cannot reach the RPC/);
    const empty = tsx("scripts/audit.ts", ["--rpc", node.url, "--market", "0x000000000000000000000000000000000000dEaD", "--out", join(dir, "x")]);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /no contract at/);
    const notMarket = tsx("scripts/audit.ts", ["--rpc", node.url, "--market", deployment.token, "--out", join(dir, "x")]);
    assert.equal(notMarket.status, 2);
    assert.match(notMarket.stderr, /not a Kiezstrom market/);
    const badAddress = tsx("scripts/audit.ts", ["--rpc", node.url, "--market", "0x12"]);
    assert.equal(badAddress.status, 2);
  });
});

describe("npm run audit against a day-mode demo run on a Hardhat node", () => {
  let node: Awaited<ReturnType<typeof startNode>>;
  let market: string;
  const dir = mkdtempSync(join(tmpdir(), "kiez-audit-day-"));

  before(async () => {
    node = await startNode();
    const demo = tsx("scripts/demo.ts", ["--settlement", "day", "--rpc", node.url, "--participants", "12", "--days", "2", "--out", join(dir, "demo")]);
    assert.equal(demo.status, 0, demo.stderr);
    const summary = JSON.parse(readFileSync(join(dir, "demo", "summary.json"), "utf8"));
    assert.equal(summary.crossCheck.mismatches, 0);
    market = summary.market;
  });

  after(() => node?.stop());

  it("passes on an honest run: every day replays from its posted readings and every balance matches", () => {
    const r = tsx("scripts/audit.ts", ["--rpc", node.url, "--market", market, "--out", join(dir, "honest")]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(join(dir, "honest", "audit.json"), "utf8"));
    assert.equal(report.verdict, "pass");
    assert.equal(report.days.length, 2);
    assert.ok(report.days.every((d: { settled: boolean; phase: string }) => d.settled && d.phase === "Settled"));
    assert.match(r.stdout, /\| day \| phase \| members/);
  });

  it("finds a posted reading that does not match what was settled, and a standing order that is not the one set", async () => {
    const provider = new JsonRpcProvider(node.url);
    try {
      const contract = KiezMarket__factory.connect(market, provider);
      const logs = await provider.getLogs({ address: market, fromBlock: 0 });
      const events = logs.flatMap((l) => {
        const ev = contract.interface.parseLog(l);
        return ev ? [{ name: ev.name, args: ev.args.toObject(true) as Record<string, unknown> }] : [];
      });
      const reader = {
        phaseOf: async () => 0,
        accountOf: async (a: string) => {
          const acc = await contract.accountOf(a);
          return { free: acc.free, locked: acc.locked };
        },
        owed: (a: string) => contract.owed(a),
        tokenBalance: async () => 0n,
        dayPhaseOf: async (day: number) => Number((await contract.dayOf(day)).phase),
      };
      const { dayStartSlot } = await contract.config();
      const honest = await replayMarket(events, reader, Number(dayStartSlot));
      assert.deepEqual(
        honest.findings.filter((f) => f.check !== "solvency"),
        [],
      );
      const posted = events.findIndex((e) => e.name === "DayReadingsPosted");
      const readings = (events[posted].args as { readings: string }).readings;
      // one member's first reading one Wh higher
      const altered = `${readings.slice(0, 6)}${((Number.parseInt(readings.slice(6, 10), 16) + 1) & 0xffff).toString(16).padStart(4, "0")}${readings.slice(10)}`;
      const tampered = events.map((e, i) => (i === posted ? { ...e, args: { ...(e.args as object), readings: altered } } : e));
      const found = await replayMarket(tampered, reader, Number(dayStartSlot));
      assert.ok(
        found.findings.some((f) => f.check === "day bills" || f.check === "day clearing" || f.check === "ledger"),
        JSON.stringify(found.findings.slice(0, 3)),
      );
      const order = events.findIndex((e) => e.name === "StandingOrderSet");
      const moved = events.map((e, i) => (i === order ? { ...e, args: { ...(e.args as object), cap: Number((e.args as { cap: bigint }).cap) - 1 } } : e));
      const orders = await replayMarket(moved, reader, Number(dayStartSlot));
      assert.ok(orders.findings.some((f) => f.check === "standing orders"));
    } finally {
      provider.destroy();
    }
  });
});
