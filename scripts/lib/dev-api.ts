/**
 * The local community's HTTP service for the dApp (`npm run dev`), on 127.0.0.1:
 *   GET  /kiezstrom.json     the dApp's runtime config (chain, RPC, contract addresses, services)
 *   GET  /api/clock          the market clock's status;  POST /api/clock/tick  runs a tick now
 *   POST /api/relay          relays EIP-712 signed bids (gasless for the household)
 *   POST /api/faucet         mints test euros to an address (the token's minter role)
 *   PUT  /api/home           the home a self-registered household described: its dev meter follows it
 *   GET  /*                  a built dApp, when a folder is given
 * Every refusal is JSON `{ "error": "..." }` with a 4xx status, in words the dApp shows as they are.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { extname, join, normalize, resolve } from "node:path";

import { isAddress, Signature, verifyTypedData, type Interface } from "ethers";

import type { RuntimeConfig } from "@kiezstrom/engine/runtime-config";
import { parseHome } from "@kiezstrom/engine/home";
import type { Community } from "./chain.js";

export type { RuntimeConfig };
import type { MarketClock, Serial } from "./market-clock.js";
import { EIP712_BID_TYPES } from "@kiezstrom/engine/market/onchain";
import { bidDomain, signedBidInput, wait, type SignedBidInput } from "./market-driver.js";

const FAUCET_EUR = 100n;
const MAX_BODY_BYTES = 1_000_000;
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startDevApi(options: {
  community: Community;
  clock: MarketClock;
  serial: Serial;
  config: RuntimeConfig;
  port: number;
  /** A built dApp to serve (frontend/dist). */
  staticDir?: string;
  log: (line: string) => void;
}): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const { community: c, clock, serial, config } = options;
  const marketInterface = c.market.interface;

  async function relay(body: unknown) {
    const bids = (body as { bids?: unknown })?.bids;
    if (!Array.isArray(bids) || bids.length === 0 || bids.length > 100) throw new HttpError(400, "send { bids: [...] } with 1 to 100 signed bids");
    const messages = bids.map((b, i) => parseSignedBid(b, i));
    const interval = messages[0].interval;
    const other = messages.findIndex((m) => m.interval !== interval);
    if (other >= 0) throw new HttpError(400, `bid ${other}: every bid of one request must be for the same interval (bid 0 is for ${interval})`);
    // the signer is recovered on chain, not sent: check here that each is the participant it claims to be
    const domain = await bidDomain(c.market);
    messages.forEach((m, i) => {
      let signer: string;
      try {
        signer = verifyTypedData(domain, { Bid: [...EIP712_BID_TYPES.Bid] }, m, m.signature);
      } catch {
        throw new HttpError(422, `bid ${i}: no signer can be recovered from its signature`);
      }
      if (signer.toLowerCase() !== m.participant.toLowerCase()) {
        throw new HttpError(422, `bid ${i}: signed by ${signer}, not by ${m.participant} (sign with the bidding account, for this market and chain)`);
      }
    });
    const parsed: SignedBidInput[] = messages.map((m) => signedBidInput(m, m.signature));
    return serial.run(async () => {
      const market = c.market.connect(c.roles.admin);
      try {
        await market.submitSignedBids.staticCall(interval, parsed);
      } catch (e) {
        throw new HttpError(422, revertReason(e, marketInterface));
      }
      const receipt = await wait(market.submitSignedBids(interval, parsed, { gasLimit: 16_000_000n }));
      return { transactionHash: receipt.hash, gasUsed: Number(receipt.gasUsed) };
    });
  }

  async function faucet(body: unknown) {
    const to = (body as { address?: unknown })?.address;
    if (typeof to !== "string" || !isAddress(to)) throw new HttpError(400, 'send { address: "0x…" } with the address to fund');
    return serial.run(async () => {
      const receipt = await wait(c.token.connect(c.roles.admin).mint(to, FAUCET_EUR * 10n ** 18n));
      return { transactionHash: receipt.hash, amount: `${FAUCET_EUR}` };
    });
  }

  function setHome(body: unknown) {
    const { address, home } = (body ?? {}) as { address?: unknown; home?: unknown };
    if (typeof address !== "string" || !isAddress(address)) throw new HttpError(400, "send { address, home } with the household's address");
    let parsed: ReturnType<typeof parseHome>;
    try {
      parsed = parseHome(home);
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
    try {
      clock.setHome(address, parsed);
    } catch (e) {
      throw new HttpError(409, (e as Error).message);
    }
    return { address, meteredFrom: "the next interval to be metered" };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      const status = e instanceof HttpError ? e.status : 500;
      if (status === 500) options.log(`dev api: ${req.method} ${req.url}: ${e.message}`);
      send(res, status, { error: e.message.split("\n")[0] });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "GET /kiezstrom.json":
        return send(res, 200, config);
      case "GET /api/clock":
        return send(res, 200, clock.status);
      case "POST /api/clock/tick":
        return send(res, 200, await clock.tick());
      case "POST /api/relay":
        return send(res, 200, await relay(await readJson(req)));
      case "POST /api/faucet":
        return send(res, 200, await faucet(await readJson(req)));
      case "PUT /api/home":
        return send(res, 200, setHome(await readJson(req)));
      default:
        // the dApp's own paths fall back to index.html; an unknown service path is an error, not a page
        if (req.method === "GET" && options.staticDir && !url.pathname.startsWith("/api/")) return serveStatic(options.staticDir, url.pathname, res);
        throw new HttpError(404, `no such endpoint: ${route}`);
    }
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new Error(`port ${options.port} is taken; choose another with --api-port`) : e),
    );
    server.listen(options.port, "127.0.0.1", () => resolvePromise());
  });
  const port = (server.address() as { port: number }).port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A signed bid as a household's wallet signed it (the EIP-712 message) with its signature's v, r and s. */
function parseSignedBid(b: unknown, i: number) {
  const o = b as Record<string, unknown>;
  const int = (k: string) => {
    const v = o?.[k];
    if (typeof v !== "number" && typeof v !== "string") throw new HttpError(400, `bid ${i}: ${k} is missing`);
    if (!/^\d+$/.test(String(v))) throw new HttpError(400, `bid ${i}: ${k} must be a whole number, got ${String(v)}`);
    return String(v);
  };
  const hex = (k: string) => {
    const v = o?.[k];
    if (typeof v !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(v)) throw new HttpError(400, `bid ${i}: ${k} must be 32 bytes of hex`);
    return v;
  };
  if (typeof o?.participant !== "string" || !isAddress(o.participant)) throw new HttpError(400, `bid ${i}: participant must be an address`);
  return {
    participant: o.participant,
    interval: Number(int("interval")),
    side: Number(int("side")),
    wh: Number(int("wh")),
    price: Number(int("price")),
    nonce: BigInt(int("nonce")),
    deadline: BigInt(int("deadline")),
    signature: parseSignature(i, Number(int("v")), hex("r"), hex("s")),
  };
}

function parseSignature(i: number, v: number, r: string, s: string): Signature {
  try {
    return Signature.from({ v, r, s });
  } catch (e) {
    throw new HttpError(400, `bid ${i}: not a signature (${(e as Error).message.split(" (")[0]})`);
  }
}

/** The market's custom error of a failed call, by name with its values. */
function revertReason(e: unknown, iface: Interface): string {
  const data = (e as { data?: string })?.data;
  if (typeof data === "string" && data.length >= 10) {
    const parsed = iface.parseError(data);
    if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
  }
  return (e as Error).message.split("\n")[0];
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
  } catch {
    throw new HttpError(400, "the request body is not JSON");
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(text);
}

function serveStatic(dir: string, pathname: string, res: ServerResponse) {
  const root = resolve(dir);
  let file = normalize(join(root, decodeURIComponent(pathname)));
  if (!file.startsWith(root)) throw new HttpError(403, "outside the served folder");
  // a single-page app: unknown paths get index.html
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, "index.html");
  if (!existsSync(file)) throw new HttpError(404, `no built dApp in ${dir}; run npm run build in frontend/`);
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
  createReadStream(file).pipe(res);
}
