/**
 * Starts the project's Ponder indexer (indexer/) against a chain and a market, on 127.0.0.1, and stops it by its
 * process id. `npm run indexer` and `npm run dev` use it; so do the tests, on PGlite and on PostgreSQL.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { freePort } from "./local-node.js";

export const INDEXER_ROOT = fileURLToPath(new URL("../../indexer", import.meta.url));

export class IndexerInputError extends Error {}

/** One JSON-RPC call; a transport failure or an RPC error is an IndexerInputError that says what failed. */
export async function rpcCall<T>(rpc: string, method: string, params: unknown[] = []): Promise<T> {
  let res: Response;
  try {
    res = await fetch(rpc, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
  } catch (e) {
    throw new IndexerInputError(`cannot reach the RPC endpoint ${rpc}: ${(e as Error).cause ?? (e as Error).message}`);
  }
  if (!res.ok) throw new IndexerInputError(`the RPC endpoint ${rpc} answered ${method} with HTTP ${res.status}`);
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new IndexerInputError(`the RPC endpoint ${rpc} refused ${method}: ${body.error.message}`);
  return body.result as T;
}

export interface Community {
  chainId: number;
  market: `0x${string}`;
  token: `0x${string}`;
  /** The block the indexer starts from: the market's deployment block when the node can tell, else 0. */
  fromBlock: number;
  head: number;
}

const TOKEN_SELECTOR = "0xfc0c546a"; // token()

/**
 * What the indexer needs to know of a community, read from the chain: its chain id, that a market is deployed at
 * `market`, its settlement token, and (unless given) the block it was deployed in, found by bisecting eth_getCode.
 */
export async function describeCommunity(rpc: string, market: string, fromBlock?: number, log: (line: string) => void = () => {}): Promise<Community> {
  const chainId = Number(await rpcCall<string>(rpc, "eth_chainId"));
  const head = Number(await rpcCall<string>(rpc, "eth_blockNumber"));
  const code = await rpcCall<string>(rpc, "eth_getCode", [market, "latest"]);
  if (code === "0x") throw new IndexerInputError(`no contract at ${market} on chain ${chainId}: check --market and that --rpc is the community's network`);
  let tokenWord: string;
  try {
    tokenWord = await rpcCall<string>(rpc, "eth_call", [{ to: market, data: TOKEN_SELECTOR }, "latest"]);
  } catch {
    throw new IndexerInputError(`${market} on chain ${chainId} is not a Kiezstrom market (it has no token()): check --market`);
  }
  if (!/^0x[0-9a-f]{64}$/i.test(tokenWord)) throw new IndexerInputError(`${market} on chain ${chainId} is not a Kiezstrom market: check --market`);
  const token = `0x${tokenWord.slice(26)}` as `0x${string}`;
  if (fromBlock !== undefined) {
    if (fromBlock > head) throw new IndexerInputError(`--from-block ${fromBlock} is past the chain's head, block ${head}`);
    return { chainId, market: market as `0x${string}`, token, fromBlock, head };
  }
  return { chainId, market: market as `0x${string}`, token, fromBlock: await deploymentBlock(rpc, market, head, log), head };
}

/** The first block with code at `address`; 0 when the node keeps no old state (then every block is scanned). */
async function deploymentBlock(rpc: string, address: string, head: number, log: (line: string) => void): Promise<number> {
  let low = 0;
  let high = head;
  try {
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      const code = await rpcCall<string>(rpc, "eth_getCode", [address, `0x${mid.toString(16)}`]);
      if (code === "0x") low = mid + 1;
      else high = mid;
    }
    return low;
  } catch {
    log("the node keeps no old state, so the market's deployment block is unknown: indexing from block 0 (give --from-block to skip ahead)");
    return 0;
  }
}

export interface IndexerOptions {
  rpc: string;
  community: Community;
  /** PostgreSQL connection string; else the embedded PGlite in `pgliteDir`. */
  databaseUrl?: string;
  pgliteDir?: string;
  /** The database schema the indexer writes (PostgreSQL: one per community). */
  schema?: string;
  port?: number;
  pollingMs?: number;
  /** Ponder's own log lines (warnings and errors by default). */
  log?: (line: string) => void;
  logLevel?: "error" | "warn" | "info" | "debug";
}

export interface Indexer {
  url: string;
  pid: number;
  /** Indexed through which block, from Ponder's /status (null before the first checkpoint). */
  indexedBlock(): Promise<number | null>;
  /** Resolves once every block through `block` is indexed (after `ready`, the last blocks before finality follow live). */
  reached(block: number, timeoutMs?: number): Promise<void>;
  /** Resolves when the historical sync is done (Ponder's /ready answers 200). */
  ready(timeoutMs?: number, onProgress?: (block: number | null) => void): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A digest of the indexer's code: its config, tables and handlers, and the engine they call. Ponder refuses a schema
 * an earlier build of the app wrote ("previously used by a different Ponder app"), so an upgraded indexer writes a
 * schema of its own and indexes afresh, while the earlier one's data stays where it was.
 */
export function indexerBuild(): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === "node_modules" || entry.name.startsWith(".") || entry.name === "generated") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|json)$/.test(entry.name)) hash.update(`${path}\0`).update(readFileSync(path));
    }
  };
  walk(INDEXER_ROOT);
  walk(join(INDEXER_ROOT, "..", "sim"));
  return hash.digest("hex").slice(0, 8);
}

/** The schema name of a community and indexer build: a PostgreSQL identifier of at most 45 characters. */
export function schemaOf(c: Community, build = indexerBuild()): string {
  return `kiez_${c.chainId}_${c.market.slice(2, 14).toLowerCase()}_${build}`;
}

export async function startIndexer(o: IndexerOptions): Promise<Indexer> {
  const port = o.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    KIEZ_RPC_URL: o.rpc,
    KIEZ_CHAIN_ID: String(o.community.chainId),
    KIEZ_MARKET: o.community.market,
    KIEZ_TOKEN: o.community.token,
    KIEZ_FROM_BLOCK: String(o.community.fromBlock),
    KIEZ_POLLING_MS: String(o.pollingMs ?? 1000),
    PONDER_TELEMETRY_DISABLED: "true",
    ...(o.pgliteDir ? { KIEZ_PGLITE_DIR: o.pgliteDir } : {}),
  } as NodeJS.ProcessEnv;
  if (o.databaseUrl) env.DATABASE_URL = o.databaseUrl;
  else delete env.DATABASE_URL;
  const args = ["start", "--root", INDEXER_ROOT, "--hostname", "127.0.0.1", "--port", String(port), "--schema", o.schema ?? schemaOf(o.community)];
  args.push("--log-level", o.logLevel ?? "warn", "--log-format", "pretty");
  const child = spawn("ponder", args, { cwd: INDEXER_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let exited: number | null = null;
  let tail = "";
  const onData = (d: Buffer) => {
    tail = (tail + d).slice(-4000);
    for (const line of String(d).split("\n")) if (line.trim()) o.log?.(line);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exit = new Promise<number>((resolve) =>
    child.on("exit", (code) => {
      exited = code ?? 1;
      resolve(exited);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.on("error", (e) => reject(new Error(`could not start the indexer (ponder): ${e.message}`)));
    child.on("spawn", () => resolve());
  });

  async function get(path: string): Promise<Response | null> {
    try {
      return await fetch(url + path);
    } catch {
      return null;
    }
  }

  async function indexedBlock(): Promise<number | null> {
    const res = await get("/status");
    if (!res?.ok) return null;
    const status = (await res.json()) as Record<string, { block?: { number: number } }>;
    return status.community?.block?.number ?? null;
  }

  return {
    url,
    pid: child.pid!,
    indexedBlock,
    async reached(block, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exited !== null) throw new Error(`the indexer exited with code ${exited}:\n${tail}`);
        if (((await indexedBlock()) ?? -1) >= block) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`the indexer did not reach block ${block} within ${Math.round(timeoutMs / 1000)} s:\n${tail}`);
    },
    async ready(timeoutMs = 300_000, onProgress) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exited !== null) throw new Error(`the indexer exited with code ${exited}:\n${tail}`);
        const res = await get("/ready");
        if (res?.status === 200) return;
        onProgress?.(await indexedBlock());
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`the indexer was not ready within ${Math.round(timeoutMs / 1000)} s:\n${tail}`);
    },
    async stop() {
      if (exited !== null || !child.pid) return;
      process.kill(child.pid, "SIGTERM");
      const killed = setTimeout(() => child.pid && exited === null && process.kill(child.pid, "SIGKILL"), 10_000);
      await exit;
      clearTimeout(killed);
    },
  };
}
