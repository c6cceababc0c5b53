/**
 * The indexer against a running local community (`npm run dev -- --no-frontend --manual`, which starts it on
 * PGlite): every table checked against the engine's rebuild of the chain's own events and the market's view
 * calls, while the community runs on; then `npm run indexer` on PostgreSQL (Debian's server, started here on a
 * free port and stopped by pid), stopped and resumed; then the command's refusals.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";

import { Contract, Interface, JsonRpcProvider } from "ethers";

import { rebuildMarket, type MarketRebuild } from "@kiezstrom/engine/audit";
import { bauBill, isDayStart, lemBill } from "@kiezstrom/engine/market/billing";
import { startPostgres } from "../../scripts/lib/postgres.js";

const HOUSEHOLDS = 12;
let dev: ChildProcess;
let ready: { api: string; rpc: string; market: string; indexer: string };
let provider: JsonRpcProvider;
let market: Contract;
const iface = new Interface(JSON.parse(readFileSync("artifacts/contracts/KiezMarket.sol/KiezMarket.json", "utf8")).abi);

/** Starts a command and resolves with the JSON of its first stdout line starting with `prefix`. */
function startCommand(args: string[], prefix: string, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; info: Record<string, string> }> {
  const child = spawn("tsx", args, { stdio: ["ignore", "pipe", "pipe"], env });
  let out = "";
  let err = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} not ready in 240 s:\n${err.slice(-3000)}`)), 240_000);
    child.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith(prefix));
      if (line) {
        clearTimeout(timer);
        resolve({ child, info: JSON.parse(line.slice(prefix.length)) });
      }
    });
    child.stderr!.on("data", (d) => (err += d));
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}:\n${err.slice(-3000)}`)));
  });
}

/** Runs a command to its end: exit code and what it printed. */
function runCommand(args: string[]): Promise<{ code: number; stderr: string }> {
  const child = spawn("tsx", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code: code ?? 1, stderr })));
}

function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  process.kill(child.pid, "SIGINT");
  return exited;
}

async function tick(times: number) {
  for (let i = 0; i < times; i++) assert.equal((await fetch(`${ready.api}/api/clock/tick`, { method: "POST" })).status, 200);
}

async function graphql<T>(url: string, query: string): Promise<T> {
  const res = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data as T;
}

interface Page<T> {
  items: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

/** Every row of a table, read in pages of `limit` by following the cursor: what a paging view does. */
async function allRows<T>(url: string, table: string, fields: string, where = "", limit = 50): Promise<T[]> {
  const rows: T[] = [];
  let after: string | null = null;
  for (;;) {
    const args: string = [`limit: ${limit}`, where && `where: ${where}`, after && `after: "${after}"`].filter(Boolean).join(", ");
    const data: Record<string, Page<T>> = await graphql(url, `{ ${table}(${args}) { items { ${fields} } pageInfo { hasNextPage endCursor } totalCount } }`);
    const page: Page<T> = data[table];
    assert.ok(page.items.length <= limit, "a page holds at most `limit` rows");
    rows.push(...page.items);
    if (!page.pageInfo.hasNextPage) {
      assert.equal(rows.length, page.totalCount, "the pages add up to the table's count");
      return rows;
    }
    after = page.pageInfo.endCursor;
  }
}

async function chainRebuild(): Promise<{ rebuild: MarketRebuild; head: number }> {
  const head = await provider.getBlockNumber();
  const logs = await provider.getLogs({ address: ready.market, fromBlock: 0, toBlock: head });
  const events = logs.flatMap((l) => {
    const ev = iface.parseLog(l);
    return ev ? [{ name: ev.name, args: ev.args }] : [];
  });
  const config = await market.config();
  return { rebuild: rebuildMarket(events, Number(config.dayStartSlot)), head };
}

async function waitIndexed(url: string, block: number) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/status`).catch(() => null);
    const status = res?.ok ? ((await res.json()) as { community?: { block?: { number: number } } }) : null;
    if ((status?.community?.block?.number ?? -1) >= block) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the indexer at ${url} did not reach block ${block} within 60 s`);
}

type Row = Record<string, string | number | boolean | null>;

/** Checks every table of the indexer at `url` against the chain through `head`. */
async function checkAgainstChain(url: string) {
  const { rebuild, head } = await chainRebuild();
  await waitIndexed(url, head);

  const participants = await allRows<Row>(url, "participants", "address participantClass supplier metered");
  assert.equal(participants.length, rebuild.participants.size);
  for (const p of participants) assert.equal(p.supplier, rebuild.participants.get(String(p.address))?.supplier);

  const intervals = await allRows<Row>(url, "intervals", "id phase price matchedWh bidCount tradeCount");
  assert.equal(intervals.length, rebuild.intervals.size);
  for (const row of intervals) {
    const s = rebuild.intervals.get(Number(row.id))!;
    assert.equal(row.bidCount, s.bids.length, `interval ${row.id}: bids`);
    assert.equal(row.tradeCount, s.trades.length, `interval ${row.id}: trades`);
    if (s.cleared) {
      assert.equal(row.price, s.cleared.price, `interval ${row.id}: price`);
      assert.equal(Number(row.matchedWh), s.cleared.matchedWh);
    }
    const phase = Number((await market.intervalOf(Number(row.id))).phase);
    const expected = ["none", "open", "clearing", "cleared", "metering", "metered", "billing", "billed", "settling", "settled", "refunding", "refunded"][phase];
    assert.equal(row.phase, expected, `interval ${row.id}: phase`);
  }
  assert.ok(
    intervals.some((r) => r.phase === "settled"),
    "some intervals settled",
  );

  const trades = await allRows<Row>(url, "trades", "interval seller buyer wh price");
  const chainTrades = [...rebuild.intervals].flatMap(([id, s]) => s.trades.map((t) => `${id}:${t.seller}:${t.buyer}:${t.wh}:${t.price}`));
  assert.deepEqual(trades.map((t) => `${t.interval}:${t.seller}:${t.buyer}:${t.wh}:${t.price}`).sort(), chainTrades.sort());
  assert.ok(trades.length > 0, "the community traded");

  // every cleared bid's fill: the sides' fills each add up to the matched Wh, and each household's to its trades
  const bids = await allRows<Row>(url, "bids", "interval bidIndex participant side wh filledWh cancelled relayed");
  assert.equal(
    bids.length,
    [...rebuild.intervals.values()].reduce((n, s) => n + s.bids.length, 0),
  );
  for (const b of bids) {
    const s = rebuild.intervals.get(Number(b.interval))!;
    const index = Number(b.bidIndex);
    const relayed = s.batches.some((x) => index >= x.firstBidIndex && index < x.firstBidIndex + x.bids.length);
    assert.equal(b.relayed, relayed, `interval ${b.interval}: bid ${index} relayed or not`);
  }
  for (const [id, s] of rebuild.intervals) {
    if (!s.cleared) continue;
    for (const side of ["sell", "buy"]) {
      const filled = bids.filter((b) => b.interval === id && b.side === side).reduce((n, b) => n + Number(b.filledWh), 0);
      assert.equal(filled, s.cleared.matchedWh, `interval ${id}: ${side} fills`);
    }
    for (const b of bids.filter((x) => x.interval === id && x.side === "sell")) assert.ok(Number(b.filledWh) <= Number(b.wh));
  }

  // bills: the chain's quantities, priced by the engine
  const bills = await allRows<Row>(
    url,
    "bills",
    "interval participant p2pBoughtWh p2pSoldWh gridImportWh gridExportWh amount bauAmount meteredImportWh settled",
  );
  const config = await market.config();
  let billed = 0;
  for (const [id, s] of rebuild.intervals) {
    for (const [who, q] of s.bills) {
      billed++;
      const row = bills.find((b) => b.interval === id && b.participant === who);
      assert.ok(row, `interval ${id}: the bill of ${who}`);
      assert.equal(row.p2pBoughtWh, q.p2pBoughtWh);
      assert.equal(row.gridExportWh, q.gridExportWh);
      const p = rebuild.participants.get(who)!;
      const metered = s.readings.find((r) => r.participant === who)!;
      const tariff = rebuild.tariffOf(p.supplier, s.epoch);
      const dayStart = isDayStart(id, Number(config.dayStartSlot));
      const lines = lemBill({ ...metered, p2pBoughtWh: q.p2pBoughtWh, p2pSoldWh: q.p2pSoldWh }, s.cleared?.price ?? 0, tariff, dayStart);
      assert.equal(row.meteredImportWh, metered.importWh);
      assert.equal(Number(row.bauAmount), -bauBill(metered.importWh, metered.exportWh, tariff, dayStart).net, `interval ${id}: ${who}'s BAU bill`);
      assert.equal(Number(row.amount), -lines.net, `interval ${id}: ${who}'s bill`);
    }
  }
  assert.equal(bills.length, billed);

  // each household's money movements add up to what the market holds for it (free and locked)
  const movements = await allRows<Row>(url, "ledgerMovements", "account kind amount", "", 200);
  for (const p of participants) {
    const account = await market.accountOf(p.address);
    const sum = movements.filter((m) => m.account === p.address && m.kind !== "faucet").reduce((n, m) => n + BigInt(String(m.amount)), 0n);
    assert.equal(sum, BigInt(account.free) + BigInt(account.locked), `${p.address}: movements vs balance`);
  }
  assert.ok(movements.some((m) => m.kind === "deposit") && movements.some((m) => m.kind === "settlement"));
  return { settled: intervals.filter((r) => r.phase === "settled").length, head };
}

describe("the indexer (Ponder)", { timeout: 900_000 }, () => {
  before(async () => {
    const started = await startCommand(["scripts/dev.ts", "--no-frontend", "--manual", "--households", String(HOUSEHOLDS)], "ready ");
    dev = started.child;
    ready = started.info as typeof ready;
    provider = new JsonRpcProvider(ready.rpc, undefined, { staticNetwork: true });
    market = new Contract(ready.market, iface, provider);
    await tick(8);
  });
  after(async () => {
    provider?.destroy();
    await stopProcess(dev);
  });

  it("indexes a running community on PGlite: every table equals the chain, in pages, and keeps up as it runs on", async () => {
    assert.ok(ready.indexer, "npm run dev started the indexer");
    const first = await checkAgainstChain(ready.indexer);
    await tick(3);
    const later = await checkAgainstChain(ready.indexer);
    assert.ok(later.settled > first.settled && later.head > first.head, "intervals settled since are indexed live");
  });

  it("pages a household's own rows (its bills, newest first, never more than asked) and sums them", async () => {
    const { items } = await graphql<{ participants: { items: { address: string }[] } }>(ready.indexer, "{ participants(limit: 1) { items { address } } }").then(
      (d) => d.participants,
    );
    const who = items[0].address;
    const mine = await allRows<Row>(ready.indexer, "bills", "interval participant", `{ participant: "${who}" }`, 3);
    assert.ok(mine.length > 3, "more than one page");
    assert.ok(mine.every((b) => b.participant === who));
    const newest = await graphql<{ bills: { items: Row[] } }>(
      ready.indexer,
      `{ bills(where: { participant: "${who}" }, orderBy: "interval", orderDirection: "desc", limit: 2) { items { interval } } }`,
    );
    assert.deepEqual(
      newest.bills.items.map((b) => b.interval),
      mine
        .map((b) => Number(b.interval))
        .sort((a, b) => b - a)
        .slice(0, 2),
    );
    // the totals and the trading neighbours, aggregated by the indexer, equal the rows they sum
    const rows = await allRows<Row>(ready.indexer, "bills", "amount bauAmount p2pBoughtWh", `{ participant: "${who}" }`);
    const summary = (await (await fetch(`${ready.indexer}/households/${who}/summary`)).json()) as Record<string, string | number>;
    assert.equal(summary.bills, rows.length);
    assert.equal(
      BigInt(summary.amount),
      rows.reduce((n, b) => n + BigInt(String(b.amount)), 0n),
    );
    assert.equal(
      BigInt(summary.bauAmount),
      rows.reduce((n, b) => n + BigInt(String(b.bauAmount)), 0n),
    );
    const everyTrade = await allRows<Row>(ready.indexer, "trades", "seller buyer wh price");
    for (const p of (await allRows<Row>(ready.indexer, "participants", "address")).map((x) => String(x.address))) {
      const { traders } = (await (await fetch(`${ready.indexer}/households/${p}/traders`)).json()) as {
        traders: { address: string; boughtWh: number; soldWh: number; value: string }[];
      };
      const mine = everyTrade.filter((t) => t.seller === p || t.buyer === p);
      assert.equal(
        traders.reduce((n, t) => n + t.boughtWh + t.soldWh, 0),
        mine.reduce((n, t) => n + Number(t.wh), 0),
      );
      assert.equal(
        traders.reduce((n, t) => n + BigInt(t.value), 0n),
        mine.reduce((n, t) => n + BigInt(Number(t.wh) * Number(t.price)), 0n),
      );
    }
    const { days } = (await (await fetch(`${ready.indexer}/households/${who}/days?limit=400`)).json()) as { days: { bills: number; amount: string }[] };
    assert.equal(
      days.reduce((n, d) => n + d.bills, 0),
      rows.length,
    );
    assert.equal(
      days.reduce((n, d) => n + BigInt(d.amount), 0n),
      BigInt(summary.amount),
    );
    const bad = await fetch(`${ready.indexer}/households/0x12/summary`);
    assert.equal(bad.status, 400);
  });

  it("runs with npm run indexer on PostgreSQL, stops, and resumes where it stopped", async () => {
    const pg = await startPostgres();
    try {
      const args = ["scripts/indexer.ts", "--rpc", ready.rpc, "--market", ready.market, "--database-url", pg.url, "--port", "0"];
      let ix = await startCommand(args, "indexer ready ");
      await checkAgainstChain(ix.info.url);
      await stopProcess(ix.child);
      await tick(2);
      ix = await startCommand(args, "indexer ready ");
      try {
        await checkAgainstChain(ix.info.url);
      } finally {
        await stopProcess(ix.child);
      }
    } finally {
      await pg.stop();
    }
  });

  it("refuses what it cannot index, saying what to fix, with exit code 2", async () => {
    const cases: [string[], RegExp][] = [
      [[], /--rpc is required/],
      [["--rpc", "ftp://x", "--market", ready.market], /--rpc must be an http\(s\) URL/],
      [["--rpc", ready.rpc, "--market", "0x12"], /--market must be a contract address/],
      [
        ["--rpc", ready.rpc, "--market", "0x000000000000000000000000000000000000dEaD"],
        /no contract at 0x000000000000000000000000000000000000dEaD on chain 31337/,
      ],
      [["--rpc", "http://127.0.0.1:1", "--market", ready.market], /cannot reach the RPC endpoint/],
      [["--rpc", ready.rpc, "--market", ready.market, "--from-block", "99999999"], /past the chain's head/],
      [["--rpc", ready.rpc, "--market", ready.market, "--database-url", "mysql://x"], /--database-url must be a postgres:\/\/ URL/],
      [["--rpc", ready.rpc, "--market", ready.market, "--colour"], /Unknown option '--colour'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCommand(["scripts/indexer.ts", ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
