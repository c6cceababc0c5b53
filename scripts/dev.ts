/**
 * npm run dev -- [--port N] [--api-port N] [--frontend-port N] [--interval-seconds S] [--households N] ...
 *
 * One command to a running local community: a Hardhat node on 127.0.0.1, the contracts deployed through the
 * Ignition modules, the engine's households registered and funded, a market clock that opens, clears,
 * meters, bills and settles intervals in accelerated time, the indexer (Ponder) reading it, the dApp's services
 * (runtime config, relay, faucet), and the dApp itself served by Vite. Ctrl-C stops everything it started, by process id.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { dayStartSlot as dayStartSlotOf } from "@kiezstrom/engine/calendar";
import { buildCommunity } from "@kiezstrom/engine/community";
import { createCommunity, EUR } from "./lib/chain.js";
import { fail, flags, loadScenario, requireUniformClearing, wholeNumber } from "./lib/cli.js";
import { startDevApi, type RuntimeConfig } from "./lib/dev-api.js";
import { describeCommunity, startIndexer } from "./lib/indexer.js";
import { startNode } from "./lib/local-node.js";
import { MarketClock, Serial } from "./lib/market-clock.js";

const USAGE = `Usage: npm run dev -- [options]
  --port N               the Hardhat node's port on 127.0.0.1 (default: a free port)
  --api-port N           the dApp services' port (default: a free port)
  --frontend-port N      the dApp's port (default 5173)
  --interval-seconds S   real seconds per 15-minute market interval (default 20)
  --manual               intervals advance only on POST /api/clock/tick
  --households N         scale the seeded community to N households (default: the scenario's 200)
  --seed N               seed of the community, weather and bids
  --scenario FILE        a scenario JSON (default: the Berlin case study)
  --start DATE           the simulated day, YYYY-MM-DD (default: the scenario's)
  --start-time HH:MM     the time of day the market starts at (default 10:00)
  --no-frontend          do not start Vite (the services and the chain only)
  --no-indexer           do not start the indexer (the dApp then reads recent blocks from the node)
  --indexer-url URL      the dApp reads this indexer (one you run with npm run indexer) instead of starting one
  --serve DIR            serve a built dApp (frontend/dist) from the services' port`;

const values = flags(
  {
    port: { type: "string" },
    "api-port": { type: "string" },
    "frontend-port": { type: "string" },
    "interval-seconds": { type: "string" },
    manual: { type: "boolean" },
    households: { type: "string" },
    seed: { type: "string" },
    scenario: { type: "string" },
    start: { type: "string" },
    "start-time": { type: "string" },
    "no-frontend": { type: "boolean" },
    "no-indexer": { type: "boolean" },
    "indexer-url": { type: "string" },
    serve: { type: "string" },
  },
  USAGE,
);
const nodePort = wholeNumber("port", values.port, 1, 65_535);
const apiPort = wholeNumber("api-port", values["api-port"], 0, 65_535) ?? 0;
const frontendPort = wholeNumber("frontend-port", values["frontend-port"], 1, 65_535) ?? 5173;
const intervalSeconds = wholeNumber("interval-seconds", values["interval-seconds"], 2, 3600) ?? 20;
const startTime = values["start-time"] ?? "10:00";
const time = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(startTime);
if (!time) fail(`--start-time must be HH:MM, got "${startTime}"`);
const startSlot = Math.floor((Number(time[1]) * 60 + Number(time[2])) / 15);
if (values["indexer-url"] !== undefined && !/^https?:\/\/\S+$/.test(values["indexer-url"]))
  fail(`--indexer-url must be an http(s) URL, got "${values["indexer-url"]}"`);
const scenario = loadScenario({ scenario: values.scenario, seed: values.seed, start: values.start, participants: values.households });
requireUniformClearing(scenario, "npm run dev");
if (scenario.suppliers.length !== 2) fail(`the community module has two suppliers; the scenario has ${scenario.suppliers.length}`);

const log = (line: string) => process.stderr.write(`${line}\n`);
const stops: (() => Promise<void> | void)[] = [];
let stopping = false;
async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch {
      // keep stopping the rest
    }
  }
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

try {
  log("starting a Hardhat node on 127.0.0.1");
  const node = await startNode({ port: nodePort });
  stops.push(node.stop);
  log(`deploying the contracts through the Ignition modules to ${node.url}`);
  const tariffs = scenario.suppliers.map((s) => s.tariff);
  const gasLimit = 16_000_000n;
  const c = await createCommunity({
    rpc: node.url,
    tariffs,
    gateLeadSeconds: scenario.market.gateLeadSeconds,
    dayStartSlot: dayStartSlotOf(scenario.location.utcOffsetHours),
    driver: { gasLimit },
  });
  stops.push(() => c.close());

  const homes = buildCommunity(scenario);
  log(`registering and funding ${homes.length} households`);
  const wallets = await c.households(homes.length, `dev:${scenario.seed}`);
  await c.onboard(
    homes.map((h, i) => ({ address: wallets[i].address, cls: h.class, supplier: h.supplier, importLimitWh: h.importLimitWh, exportLimitWh: h.exportLimitWh })),
  );
  await c.fund(wallets, EUR * 50n);
  await c.fund(c.roles.suppliers, EUR * 100_000n);

  const serial = new Serial();
  const clock = new MarketClock(
    c,
    { scenario, homes, wallets, realMsPerInterval: intervalSeconds * 1000, manual: values.manual ?? false, startSlot, gasLimit, log },
    serial,
  );
  stops.push(() => clock.stop());

  let indexerUrl: string | undefined = values["indexer-url"];
  if (!values["no-indexer"] && !indexerUrl) {
    // a fresh store for a fresh chain: the node starts over on every run
    const pgliteDir = mkdtempSync(join(tmpdir(), "kiezstrom-indexer-"));
    stops.push(() => rmSync(pgliteDir, { recursive: true, force: true }));
    const community = await describeCommunity(node.url, await c.market.getAddress(), 0);
    log("starting the indexer (Ponder, embedded PGlite)");
    const indexer = await startIndexer({ rpc: node.url, community, pgliteDir, pollingMs: 500, log: (line) => log(`[indexer] ${line}`) });
    stops.push(indexer.stop);
    await indexer.ready();
    indexerUrl = indexer.url;
  }

  const accounts: string[] = await c.provider.send("eth_accounts", []);
  const config: RuntimeConfig = {
    name: `${scenario.name} (local)`,
    chainId: Number((await c.provider.getNetwork()).chainId),
    rpcUrl: node.url,
    market: (await c.market.getAddress()) as `0x${string}`,
    token: (await c.token.getAddress()) as `0x${string}`,
    factory: (await c.factory.getAddress()) as `0x${string}`,
    fromBlock: 0,
    indexerUrl,
    relayUrl: "/api/relay",
    clockUrl: "/api/clock",
    faucetUrl: "/api/faucet",
    homeUrl: "/api/home",
    // the first eight run the community (admin, operator, meter, fee recipients, suppliers)
    devAccounts: accounts.slice(8) as `0x${string}`[],
    community: { seed: scenario.seed, households: homes.length },
  };
  const api = await startDevApi({ community: c, clock, serial, config, port: apiPort, staticDir: values.serve, log });
  stops.push(api.close);
  clock.start();
  await clock.tick();

  let dappUrl = values.serve ? api.url : null;
  if (!values["no-frontend"]) {
    const { createServer } = await import("vite");
    const vite = await createServer({
      root: new URL("../frontend", import.meta.url).pathname,
      server: { host: "127.0.0.1", port: frontendPort, strictPort: true, proxy: { "/api": api.url, "/kiezstrom.json": api.url } },
    }).catch((e: Error) => fail(`could not start Vite: ${e.message}`));
    await vite.listen().catch((e: Error) => fail(`could not start Vite on port ${frontendPort}: ${e.message} (choose another with --frontend-port)`));
    stops.push(() => vite.close());
    dappUrl = `http://127.0.0.1:${frontendPort}`;
  }
  console.log(`Kiezstrom is running (Ctrl-C stops it)
  dApp       ${dappUrl ?? "(not started: --no-frontend)"}
  chain      ${node.url} (chain id ${config.chainId}; import a dev account into a wallet, or pick one in the dApp)
  services   ${api.url} (/kiezstrom.json, /api/clock, /api/relay, /api/faucet, /api/home)
  indexer    ${indexerUrl ? `${indexerUrl}/graphql (GraphQL), ${indexerUrl}/sql (SQL over HTTP)${values["indexer-url"] ? ", yours" : ""}` : "(not started: --no-indexer)"}
  market     ${config.market}
  token      ${config.token}
  clock      ${values.manual ? "manual: POST /api/clock/tick" : `one 15-minute interval every ${intervalSeconds} s`}`);
  // one machine-readable line for tools that start this command (the end-to-end test)
  console.log(
    `ready ${JSON.stringify({ dapp: dappUrl, api: api.url, rpc: node.url, market: config.market, token: config.token, indexer: indexerUrl ?? null })}`,
  );
} catch (e) {
  log(`error: ${(e as Error).message.split("\n")[0]}`);
  await stopAll(2);
}
