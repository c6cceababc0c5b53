/**
 * npm run bench:dapp -- [--days 1,7,365] [--households N] [--store pglite|postgres] [--out DIR]
 *
 * How fast the dApp's pages show a household its data, and how much memory the tab holds, as history grows. For each
 * length of history: a local community (`npm run dev` on a Hardhat node, the production build served) with a
 * registered household and a few real intervals, indexed by the project's indexer (Ponder, PGlite); then the
 * history before them loaded straight into the indexer's store (synthetic, as the engine's community would make it:
 * every household's bids, bills and settlements each interval, and trades), the indexer started again on it and
 * synced; then headless Chromium (Debian's) opens Home, Market, Results and Wallet as that household, each on a
 * fresh load, and times the first content of each page and reads the tab's JS heap.
 * Writes out/bench/dapp.json: { runs: [{ intervals, firstContentMs: { home, market, results, wallet }, heapMB }] }.
 * Targets at a year: ≤ 2 s to first content and ≤ 100 MB of heap.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { PGlite } from "@electric-sql/pglite";
import { Interface } from "ethers";
import { chromium, type Browser } from "playwright-core";

import { fail, flags, wholeNumber } from "./lib/cli.js";
import { CHROMIUM, CHROMIUM_FLAGS } from "./lib/chromium.js";
import { describeCommunity, rpcCall, schemaOf, startIndexer } from "./lib/indexer.js";
import { freePort } from "./lib/local-node.js";
import { startPostgres } from "./lib/postgres.js";

const USAGE = `Usage: npm run bench:dapp -- [options]
  --days LIST        lengths of history in days, comma-separated (default 1,7,365)
  --households N     households in the community (default 200)
  --store KIND       the indexer's store: pglite (embedded, the default) or postgres (Debian's, started here)
  --out DIR          output folder (default out/bench)`;

const values = flags({ days: { type: "string" }, households: { type: "string" }, store: { type: "string" }, out: { type: "string" } }, USAGE);
const store = values.store ?? "pglite";
if (store !== "pglite" && store !== "postgres") fail(`--store must be pglite or postgres, got "${store}"`);
const dayList = (values.days ?? "1,7,365").split(",").map((d) => {
  if (!/^\d+$/.test(d.trim()) || Number(d) < 1 || Number(d) > 366) fail(`--days must list whole numbers of days from 1 to 366, got "${values.days}"`);
  return Number(d);
});
const households = wholeNumber("households", values.households, 2, 2000) ?? 200;
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: install Debian's chromium (node scripts/ensure-chromium.mjs)`);

const log = (line: string) => process.stderr.write(`${line}\n`);
const PAGES = [
  // what each page shows a registered household once its data is in
  { name: "home", hash: "home", content: '[data-testid="registration"]', account: true },
  { name: "market", hash: "market", content: '[data-testid="my-bids"] table', account: true },
  { name: "results", hash: "results", content: '[data-testid="cleared"] table', account: false },
  { name: "wallet", hash: "wallet", content: '[data-testid="bill-table"]', account: true },
] as const;

function startDev(indexerUrl: string): Promise<{ child: ChildProcess; ready: { api: string; rpc: string; market: string } }> {
  const args = ["scripts/dev.ts", "--manual", "--no-frontend", "--serve", "frontend/dist", "--households", String(households), "--indexer-url", indexerUrl];
  const child = spawn("tsx", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      const m = /^ready (\{.*\})$/m.exec(output);
      if (m) resolve({ child, ready: JSON.parse(m[1]) });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`npm run dev exited with ${code}:\n${output.slice(-3000)}`)));
  });
}

async function stopChild(child: ChildProcess) {
  if (!child.pid || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(child.pid, "SIGINT");
  await exited;
}

/**
 * The history before the community's first real interval, written into the indexer's tables: every household bids
 * once and is billed and settled every interval, eight trades an interval. Block numbers of the synthetic movements
 * are negative: they come before the chain's first block.
 */
interface Store {
  query<T>(sql: string): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

/** The indexer's store, opened while the indexer is stopped (PGlite allows one process) or beside it (PostgreSQL). */
async function openStore(dir: string, databaseUrl: string | undefined): Promise<Store> {
  if (!databaseUrl) {
    const db = new PGlite(dir);
    return { query: (q) => db.query(q), exec: (q) => db.exec(q), close: () => db.close() };
  }
  // node-postgres, as Ponder itself connects (its dependency; typed here for the three calls made)
  type PgClient = { connect(): Promise<void>; query(q: string): Promise<{ rows: never[] }>; end(): Promise<void> };
  const pgModule = "pg";
  const { default: pg } = (await import(pgModule)) as { default: { Client: new (o: { connectionString: string }) => PgClient } };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return { query: async (q) => ({ rows: (await client.query(q)).rows }), exec: (q) => client.query(q), close: () => client.end() };
}

async function loadHistory(db: Store, schema: string, days: number, me: string) {
  const t = (table: string) => `"${schema}"."${table}"`;
  const first = Number((await db.query<{ m: number }>(`select min(id) as m from ${t("interval")}`)).rows[0].m);
  const parts = (await db.query<{ address: string }>(`select address from ${t("participant")} order by address`)).rows.map((r) => r.address);
  if (!parts.includes(me)) throw new Error(`the bench household ${me} is not in the indexer's participants`);
  const from = first - days * 96;
  const to = first - 1;
  const people = `(select address, (row_number() over (order by address))::int - 1 as k from ${t("participant")})`;
  const n = parts.length;
  const started = Date.now();
  // Ponder's triggers (live queries, reorg journal) serve its own session: history written before its checkpoint
  // needs neither, so they stay off for this one
  await db.exec(`
    set session_replication_role = replica;
    insert into ${t("interval")} (id, tariff_epoch, gate_closes_at, phase, price, matched_wh, bid_count, trade_count, p2p_volume, opened_at, cleared_at, settled_at)
      select i, 0, i * 900 - 300, 'settled', 90000 + (i % 97) * 100, 500 + (i % 13) * 50, ${n}, 8, 50000000000000000, i * 900 - 86400, i * 900, i * 900 + 2700
      from generate_series(${from}, ${to}) as i;
    insert into ${t("bid")} (id, interval, bid_index, participant, side, wh, price, relayed, cancelled, filled_wh, placed_at, transaction_hash)
      select i || ':' || p.k, i, p.k, p.address, case when (i + p.k) % 2 = 0 then 'sell' else 'buy' end, 100 + (i * 7 + p.k) % 400, 80000 + (i * 13 + p.k) % 60000,
        true, false, (i * 11 + p.k) % 300, i * 900 - 600, '0x${"00".repeat(32)}'
      from generate_series(${from}, ${to}) as i cross join ${people} as p;
    insert into ${t("bill")} (id, interval, day, participant, p2p_bought_wh, p2p_sold_wh, grid_import_wh, grid_export_wh, p2p_cost, p2p_proceeds, platform_fee,
        levies, supplier_fee, network_fee, grid_import_cost, grid_export_credit, daily_charge, amount, bau_amount, metered_import_wh, metered_export_wh, settled, timestamp)
      select i || ':' || p.address, i, null, p.address, q.bought, q.sold, q.imp, q.exp, q.bought * 95000, q.sold * 95000, q.bought * 1000, q.bought * 66120,
        q.bought * 10000, q.bought * 50000, q.imp * 400000, q.exp * 82000, 0,
        q.sold * 95000 + q.exp * 82000 - q.bought * 222120 - q.imp * 400000, q.exp * 82000 - (q.imp + q.bought) * 400000, q.imp + q.bought, q.exp + q.sold, true, i * 900 + 2700
      from generate_series(${from}, ${to}) as i cross join ${people} as p
      cross join lateral (select (i + p.k) % 3 * 40 as bought, (i + p.k + 1) % 3 * 40 as sold, (i * 3 + p.k) % 200 as imp, (i * 5 + p.k) % 90 as exp) as q;
    insert into ${t("ledger_movement")} (id, account, kind, amount, interval, block_number, timestamp, transaction_hash)
      select 'history:' || b.id, b.participant, 'settlement', b.amount * 1000000000, b.interval, b.interval - ${first}, b.timestamp, '0x${"00".repeat(32)}'
      from ${t("bill")} as b where b.interval between ${from} and ${to};
    insert into ${t("trade")} (id, interval, seller, buyer, wh, price, timestamp, transaction_hash)
      select 'history:' || i || ':' || j, i, s.address, b.address, 40 + j * 10, 90000 + (i % 97) * 100, i * 900 + 60, '0x${"00".repeat(32)}'
      from generate_series(${from}, ${to}) as i cross join generate_series(0, 7) as j
      join ${people} as s on s.k = (i + j) % ${n} join ${people} as b on b.k = (i + j + 1) % ${n};
  `);
  const rows = Number((await db.query<{ c: number }>(`select count(*) as c from ${t("bill")}`)).rows[0].c);
  log(
    `  loaded ${days * 96} intervals of history (${rows.toLocaleString("en-US")} bills) into the indexer's store in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

async function measure(browser: Browser, api: string): Promise<{ firstContentMs: Record<string, number>; heapMB: number }> {
  const firstContentMs: Record<string, number> = {};
  let heap = 0;
  for (const p of PAGES) {
    // each page on a fresh load in a fresh profile: nothing cached, the household connects its account
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const started = Date.now();
    await page.goto(`${api}/#${p.hash}`);
    try {
      if (p.account) await page.getByLabel("Dev account").selectOption({ index: 1 }, { timeout: 60_000 });
      await page.locator(p.content).first().waitFor({ timeout: 60_000 });
    } catch (e) {
      await page.screenshot({ path: `/tmp/bench-dapp-${p.name}.png` });
      throw new Error(`the ${p.name} page showed no content in 60 s (screenshot /tmp/bench-dapp-${p.name}.png): ${(e as Error).message.split("\n")[0]}`);
    }
    firstContentMs[p.name] = Date.now() - started;
    // the page's polls settle, then the heap as the tab holds it
    await page.waitForTimeout(3000);
    const { metrics } = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
    heap = Math.max(heap, metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0);
    await context.close();
  }
  return { firstContentMs, heapMB: Math.round((heap / 2 ** 20) * 10) / 10 };
}

const build = spawnSync("npm", ["--prefix", "frontend", "run", "build", "--silent"], { stdio: ["ignore", "ignore", "inherit"] });
if (build.status !== 0) fail("the dApp's production build failed");
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: CHROMIUM_FLAGS,
});
const runs: { intervals: number; days: number; households: number; store: string; firstContentMs: Record<string, number>; heapMB: number }[] = [];
try {
  for (const days of dayList) {
    log(`history of ${days} day${days === 1 ? "" : "s"}, ${households} households`);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "kiezstrom-bench-dapp-"));
    const pg = store === "postgres" ? await startPostgres() : null;
    const dev = await startDev(`http://127.0.0.1:${port}`);
    let indexer: Awaited<ReturnType<typeof startIndexer>> | undefined;
    try {
      const { rpc, market, api } = dev.ready;
      const me = (await rpcCall<string[]>(rpc, "eth_accounts"))[8].toLowerCase();
      const iface = new Interface(["function register(uint8,uint8,uint24,uint24)"]);
      const hash = await rpcCall<string>(rpc, "eth_sendTransaction", [
        { from: me, to: market, data: iface.encodeFunctionData("register", [2, 0, 5000, 5000]) },
      ]);
      const receipt = await rpcCall<{ status: string } | null>(rpc, "eth_getTransactionReceipt", [hash]);
      if (receipt?.status !== "0x1") throw new Error(`the bench household's registration failed: ${JSON.stringify(receipt)}`);
      for (let i = 0; i < 3; i++) await fetch(`${api}/api/clock/tick`, { method: "POST" });
      const community = await describeCommunity(rpc, market, 0);
      const head = Number(await rpcCall<string>(rpc, "eth_blockNumber"));
      // one schema for both runs of the indexer: the history is loaded into it in between (edits to the indexer's
      // code meanwhile would make Ponder refuse it)
      const schema = schemaOf(community);
      const where = { pgliteDir: dir, databaseUrl: pg?.url, schema };
      indexer = await startIndexer({ rpc, community, ...where, port });
      await indexer.ready();
      await indexer.reached(head);
      await indexer.stop();
      const db = await openStore(dir, pg?.url);
      try {
        await loadHistory(db, schema, days, me);
      } finally {
        await db.close();
      }
      indexer = await startIndexer({ rpc, community, ...where, port });
      await indexer.ready();
      await indexer.reached(head);
      const result = await measure(browser, api);
      const intervals = days * 96;
      runs.push({ intervals, days, households, store, ...result });
      log(`  first content ${PAGES.map((p) => `${p.name} ${result.firstContentMs[p.name]} ms`).join(", ")}; heap ${result.heapMB} MB`);
    } finally {
      await indexer?.stop();
      await stopChild(dev.child);
      await pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await browser.close();
}
const out = values.out ?? "out/bench";
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "dapp.json"), `${JSON.stringify({ runs }, null, 2)}\n`);
console.log(`| history | intervals | home | market | results | wallet | heap |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${runs.map((r) => `| ${r.days} d | ${r.intervals} | ${r.firstContentMs.home} ms | ${r.firstContentMs.market} ms | ${r.firstContentMs.results} ms | ${r.firstContentMs.wallet} ms | ${r.heapMB} MB |`).join("\n")}
written to ${out}/dapp.json`);
