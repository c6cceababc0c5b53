/**
 * npm run indexer -- --rpc URL --market ADDRESS [--from-block N] [--port N] [--database-url URL] [--data DIR]
 *
 * Runs the community's indexer (Ponder, indexer/) against any network: every market event into tables served over
 * GraphQL (/graphql) and SQL (/sql), printing sync progress until the history is in, then following new blocks
 * until Ctrl-C. The embedded PGlite keeps its data in indexer/.ponder/<chain>-<market>/ (resumed on the next run);
 * with --database-url (or DATABASE_URL) it writes to PostgreSQL, one schema per community.
 */
import { join } from "node:path";

import { fail, flags, wholeNumber } from "./lib/cli.js";
import { describeCommunity, INDEXER_ROOT, IndexerInputError, schemaOf, startIndexer } from "./lib/indexer.js";

const USAGE = `Usage: npm run indexer -- --rpc URL --market ADDRESS [options]
  --rpc URL            the community's JSON-RPC endpoint (http or https)
  --market ADDRESS     the community's market contract
  --from-block N       the first block to read (default: the market's deployment block, found on the chain)
  --port N             the indexer's HTTP port on 127.0.0.1 (default 42069; 0: any free port)
  --database-url URL   PostgreSQL (postgres://user@host:port/db); default DATABASE_URL, else the embedded PGlite
  --data DIR           PGlite's folder (default indexer/.ponder/<chain id>-<market>)
  --verbose            print Ponder's own progress lines too`;

const values = flags(
  {
    rpc: { type: "string" },
    market: { type: "string" },
    "from-block": { type: "string" },
    port: { type: "string" },
    "database-url": { type: "string" },
    data: { type: "string" },
    verbose: { type: "boolean" },
  },
  USAGE,
);
if (!values.rpc) fail(`--rpc is required\n${USAGE}`);
if (!/^https?:\/\/\S+$/.test(values.rpc)) fail(`--rpc must be an http(s) URL, got "${values.rpc}"`);
if (!values.market || !/^0x[0-9a-fA-F]{40}$/.test(values.market))
  fail(`--market must be a contract address (0x followed by 40 hex digits), got "${values.market ?? ""}"`);
const fromBlock = wholeNumber("from-block", values["from-block"], 0, Number.MAX_SAFE_INTEGER);
const portFlag = wholeNumber("port", values.port, 0, 65_535) ?? 42069;
const databaseUrl = values["database-url"] ?? process.env.DATABASE_URL;
if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(databaseUrl)) fail(`--database-url must be a postgres:// URL, got "${databaseUrl}"`);

const log = (line: string) => process.stderr.write(`${line}\n`);
const bar = (fraction: number) => {
  const width = 30;
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(fraction * 100).toFixed(1)}%`;
};

let indexer: Awaited<ReturnType<typeof startIndexer>> | undefined;
try {
  const community = await describeCommunity(values.rpc, values.market, fromBlock, log);
  const pgliteDir = values.data ?? join(INDEXER_ROOT, ".ponder", `${community.chainId}-${community.market.toLowerCase()}`);
  log(
    `indexing market ${community.market} on chain ${community.chainId} from block ${community.fromBlock} (head ${community.head}) into ${
      databaseUrl ? `PostgreSQL, schema ${schemaOf(community)}` : `PGlite at ${pgliteDir}`
    }`,
  );
  indexer = await startIndexer({
    rpc: values.rpc,
    community,
    databaseUrl,
    pgliteDir,
    port: portFlag === 0 ? undefined : portFlag,
    logLevel: values.verbose ? "info" : "warn",
    log: (line) => log(`[ponder] ${line}`),
  });
  const stop = async () => {
    await indexer?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  const started = Date.now();
  let shown = 0;
  await indexer.ready(24 * 3600_000, (block) => {
    if (Date.now() - shown < 2000) return;
    shown = Date.now();
    const span = Math.max(1, community.head - community.fromBlock);
    const done = block === null ? 0 : (block - community.fromBlock) / span;
    const elapsed = (Date.now() - started) / 1000;
    const eta = done > 0.01 ? ` about ${Math.round((elapsed / done) * (1 - done))} s left` : "";
    log(`sync ${bar(done)} block ${block ?? community.fromBlock} of ${community.head}${eta}`);
  });
  log(`synced in ${((Date.now() - started) / 1000).toFixed(1)} s; following new blocks (Ctrl-C stops)`);
  console.log(`indexer ready ${JSON.stringify({ url: indexer.url, graphql: `${indexer.url}/graphql`, sql: `${indexer.url}/sql`, pid: indexer.pid })}`);
} catch (e) {
  await indexer?.stop();
  fail(e instanceof IndexerInputError ? e.message : (e as Error).message);
}
