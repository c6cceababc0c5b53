/**
 * The indexer's one community: the chain and the market it reads, from the environment that `npm run indexer`
 * and `npm run dev` set (scripts/lib/indexer.ts), so the same app indexes a local node or any network.
 *   KIEZ_RPC_URL, KIEZ_CHAIN_ID, KIEZ_MARKET, KIEZ_TOKEN, KIEZ_FROM_BLOCK, and DATABASE_URL for PostgreSQL
 *   (else the embedded PGlite in KIEZ_PGLITE_DIR).
 */
import { createConfig } from "ponder";
import { zeroAddress } from "viem";

import { euroTokenAbi, kiezMarketAbi } from "@kiezstrom/engine/abis";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: start the indexer with npm run indexer -- --rpc URL --market ADDRESS`);
  return value;
}

const chainId = Number(required("KIEZ_CHAIN_ID"));
const startBlock = Number(process.env.KIEZ_FROM_BLOCK ?? 0);
// a local development chain starts over on every run: nothing of it is worth caching
const local = chainId === 31337 || chainId === 1337;

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.KIEZ_PGLITE_DIR ?? ".ponder/pglite" },
  chains: {
    community: {
      id: chainId,
      rpc: required("KIEZ_RPC_URL"),
      pollingInterval: Number(process.env.KIEZ_POLLING_MS ?? 1000),
      disableCache: local,
      // public providers refuse wide eth_getLogs ranges; Ponder splits further when a provider says so
      ethGetLogsBlockRange: Number(process.env.KIEZ_LOGS_RANGE ?? 2000),
    },
  },
  contracts: {
    KiezMarket: { chain: "community", abi: kiezMarketAbi, address: required("KIEZ_MARKET") as `0x${string}`, startBlock },
    // only the test token's mints (the faucet): deposits and withdrawals are the market's own events
    EuroToken: {
      chain: "community",
      abi: euroTokenAbi,
      address: required("KIEZ_TOKEN") as `0x${string}`,
      startBlock,
      filter: { event: "Transfer", args: { from: zeroAddress } },
    },
  },
});
