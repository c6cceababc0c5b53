/**
 * The dApp end to end in headless Chromium (Debian's chromium, driven by playwright-core): the production
 * build, served by the local community's services (`npm run dev -- --manual --serve frontend/dist`) against
 * a Hardhat node on a free port. A household connects, registers, deposits, bids (direct and relayed), sees
 * the interval cleared, billed and settled, and withdraws; then the refusals: a rejected signature, the
 * wrong chain, an amount above the balance, a late bid. Screenshots of every page go to out/e2e/.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";

import { Interface } from "ethers";
import { chromium, type Browser, type Page } from "playwright-core";

import { CHROMIUM, CHROMIUM_FLAGS } from "../../scripts/lib/chromium.js";

const SHOTS = "out/e2e";
const FLAGS = CHROMIUM_FLAGS;

let dev: ChildProcess;
let ready: { api: string; rpc: string; market: string };
let browser: Browser;

async function tick(times = 1) {
  for (let i = 0; i < times; i++) {
    const res = await fetch(`${ready.api}/api/clock/tick`, { method: "POST" });
    assert.equal(res.status, 200);
  }
}

async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(ready.rpc, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await res.json()) as { result: T }).result;
}

const marketAbi = () => new Interface(JSON.parse(readFileSync("artifacts/contracts/KiezMarket.sol/KiezMarket.json", "utf8")).abi);

/** The household's free balance in the market, in wei, from the chain. */
async function freeBalanceOf(address: string): Promise<bigint> {
  const market = marketAbi();
  const data = await rpc<string>("eth_call", [{ to: ready.market, data: market.encodeFunctionData("accountOf", [address]) }, "latest"]);
  return market.decodeFunctionResult("accountOf", data)[0].free as bigint;
}

/** The household's reading in the last ReadingsPosted event that has one, from the chain's logs. */
async function lastReadingOf(address: string) {
  const market = marketAbi();
  const topic = market.getEvent("ReadingsPosted")!.topicHash;
  const logs = await rpc<{ topics: string[]; data: string }[]>("eth_getLogs", [
    { address: ready.market, topics: [topic], fromBlock: "0x0", toBlock: "latest" },
  ]);
  for (const log of logs.reverse()) {
    const readings = market.parseLog(log)!.args.readings as { participant: string; importWh: bigint; exportWh: bigint }[];
    const mine = readings.find((r) => r.participant.toLowerCase() === address.toLowerCase());
    if (mine) return { importWh: Number(mine.importWh), exportWh: Number(mine.exportWh) };
  }
  return null;
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

async function goTo(page: Page, name: string) {
  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name, exact: true }).click();
}

/** An injected EIP-1193 wallet for the refusal paths: forwards to the node, and can reject or sit on another chain. */
function injectedWallet(rpc: string, account: string) {
  return `(() => {
    const listeners = {};
    let chainId = "0x1";
    let connected = false;
    window.__wallet = { reject: false, setChain: (id) => { chainId = id; (listeners.chainChanged || []).forEach((l) => l(id)); } };
    window.ethereum = {
      isMetaMask: false,
      on: (e, l) => { (listeners[e] ||= []).push(l); },
      removeListener: (e, l) => { listeners[e] = (listeners[e] || []).filter((x) => x !== l); },
      request: async ({ method, params }) => {
        // like a real wallet, it shows accounts only to a site the household has connected
        if (method === "eth_requestAccounts") { connected = true; return [${JSON.stringify(account)}]; }
        if (method === "eth_accounts") return connected ? [${JSON.stringify(account)}] : [];
        if (method === "eth_chainId") return chainId;
        if (method === "wallet_switchEthereumChain") { window.__wallet.setChain(params[0].chainId); return null; }
        if (method === "wallet_requestPermissions" || method === "wallet_getPermissions") return [{ parentCapability: "eth_accounts" }];
        if (window.__wallet.reject && (method === "eth_sendTransaction" || method.startsWith("eth_signTypedData"))) {
          throw Object.assign(new Error("User rejected the request."), { code: 4001 });
        }
        const res = await fetch(${JSON.stringify(rpc)}, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params || [] }) });
        const body = await res.json();
        if (body.error) throw Object.assign(new Error(body.error.message), body.error);
        return body.result;
      },
    };
    // EIP-6963: announce the wallet to dApps that ask
    const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({
      info: { uuid: "5b0f7e0e-0000-4000-8000-000000000001", name: "Kiez Test Wallet", icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E", rdns: "org.kiezstrom.testwallet" },
      provider: window.ethereum,
    }) }));
    window.addEventListener("eip6963:requestProvider", announce);
    announce();
  })();`;
}

describe("the dApp in a real browser", { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (npm test installs it when run as root)`);
    mkdirSync(SHOTS, { recursive: true });
    const build = spawnSync("npm", ["run", "check:bundle", "--silent"], { cwd: "frontend", encoding: "utf8" });
    process.stdout.write(
      `${build.stdout
        .split("\n")
        .filter((l) => /dApp JavaScript/.test(l))
        .join("\n")}\n`,
    );
    assert.equal(build.status, 0, `production build or bundle budget failed:\n${build.stdout}\n${build.stderr}`);
    dev = spawn("tsx", ["scripts/dev.ts", "--manual", "--no-frontend", "--serve", "frontend/dist", "--households", "12"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm run dev did not get ready in 180 s:\n${output}`)), 180_000);
      const onData = (d: Buffer) => {
        output += d;
        const m = /^ready (\{.*\})$/m.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(JSON.parse(m[1]));
        }
      };
      dev.stdout!.on("data", onData);
      dev.stderr!.on("data", onData);
      dev.on("exit", (code) => reject(new Error(`npm run dev exited with ${code}:\n${output}`)));
    });
    dev.stdout!.resume();
    dev.stderr!.resume();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  });

  after(async () => {
    await browser?.close();
    if (dev?.pid && dev.exitCode === null) {
      dev.kill("SIGTERM");
      await new Promise((r) => dev.once("exit", r));
    }
  });

  it("a household connects, registers, deposits, bids, is cleared, billed and settled, and withdraws", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${ready.api}/#home`);
    await page.getByLabel("Dev account").selectOption({ index: 1 });
    await page.getByRole("button", { name: "Register" }).click();
    await page
      .getByTestId("registration")
      .getByText(/Registered as a PV prosumer/)
      .waitFor({ timeout: 30_000 });
    await page.getByText(/My home on/).waitFor();
    await page.getByText("Load now").waitFor({ timeout: 30_000 });
    await shot(page, "home");

    await goTo(page, "Wallet");
    await page.getByRole("button", { name: "Get 100 test euros" }).click();
    await page.getByText("100 test euros are in your wallet.").waitFor({ timeout: 30_000 });
    // refused in the form: over-precise, zero, and more than the wallet holds
    await page.getByLabel("Deposit amount").fill("1.0000000001");
    await page.getByText("at most 9 decimal places").waitFor();
    await page.getByLabel("Deposit amount").fill("0");
    await page.getByText("must be more than zero").waitFor();
    await page.getByLabel("Deposit amount").fill("5000");
    await page.getByText(/Your wallet holds 100.00 EUR/).waitFor();
    assert.equal(await page.getByRole("button", { name: "Deposit", exact: true }).isDisabled(), true);
    await page.getByLabel("Deposit amount").fill("20");
    await page.getByRole("button", { name: "Deposit", exact: true }).click();
    await page.getByText("Deposit: done").waitFor({ timeout: 30_000 });
    await page.getByTestId("free-balance").getByText("20.0000 EUR").waitFor({ timeout: 10_000 });
    // the deposit took one transaction (an EIP-2612 permit signature, no separate approval): two in all with registration
    const household = (await rpc<string[]>("eth_accounts"))[8];
    assert.equal(Number(await rpc<string>("eth_getTransactionCount", [household, "latest"])), 2);

    await goTo(page, "Market");
    const interval = await page.getByTestId("bidding-interval").textContent();
    // a direct buy bid at the highest allowed price
    await page.getByLabel("Buy").check();
    await page.getByLabel("Send a transaction").check();
    await page.getByLabel("Energy").fill("0.2");
    await page.getByLabel("Price").fill((await page.getByLabel("Price").getAttribute("placeholder")) ?? "");
    await page.getByRole("button", { name: "Place bid" }).click();
    await page.getByText(/Bid for .*: done/).waitFor({ timeout: 30_000 });
    // a relayed (signed) ask at the lowest allowed price
    await page.getByLabel("Sell").check();
    await page.getByLabel("Sign and relay (no gas)").check();
    await page.getByLabel("Energy").fill("0.1");
    await page.getByLabel("Price").fill((await page.getByLabel("Price").getAttribute("placeholder")) ?? "");
    await page.getByRole("button", { name: "Place ask" }).click();
    await page.getByText(/was relayed \(no gas for you\)/).waitFor({ timeout: 30_000 });
    await page.getByTestId("my-bids").getByText("open").first().waitFor({ timeout: 10_000 });
    await shot(page, "market");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "market-phone");
    await page.setViewportSize({ width: 1200, height: 900 });

    // the clock: the gate closes and the interval clears; three ticks later it is metered, billed, settled
    await tick(4);
    await goTo(page, "Results");
    await page.getByTestId("cleared").getByText(interval!.trim()).first().waitFor({ timeout: 20_000 });
    await shot(page, "results");
    await goTo(page, "Wallet");
    await page.getByTestId("bill-table").getByText("settled").first().waitFor({ timeout: 20_000 });
    await page.getByTestId("saving").waitFor();
    await page.getByLabel("Withdraw amount").fill("5");
    await page.getByRole("button", { name: "Withdraw", exact: true }).click();
    await page.getByText("Withdrawal: done").waitFor({ timeout: 30_000 });
    await page.getByLabel("Withdraw amount").fill("1000");
    await page.getByText(/at most your free balance/).waitFor();
    await shot(page, "wallet");

    await goTo(page, "Audit");
    await page.getByRole("button", { name: "Run the audit" }).click();
    await page.getByTestId("audit-verdict").waitFor({ timeout: 60_000 });
    const verdict = await page.getByTestId("audit-verdict").textContent();
    assert.match(verdict ?? "", /^Pass/, `${verdict}\n${await page.getByTestId("audit-interval").textContent()}`);
    await shot(page, "audit");
    await goTo(page, "Research");
    await page.getByText("Gas per action and its cost").waitFor();
    await shot(page, "research");

    // a late bid: the page still shows the old interval (its clock status is held back) while the gate has closed
    await goTo(page, "Market");
    const status = await (await fetch(`${ready.api}/api/clock`)).json();
    await page.route("**/api/clock", (route) => route.fulfill({ json: status }));
    await tick(1);
    await page.getByLabel("Buy").check();
    await page.getByLabel("Send a transaction").check();
    await page.getByLabel("Energy").fill("0.1");
    await page.getByLabel("Price").fill((await page.getByLabel("Price").getAttribute("placeholder")) ?? "");
    await page.getByRole("button", { name: "Place bid" }).click();
    await page.getByText(/interval is closed for bids|interval closed at/).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByLabel("Energy").inputValue(), "0.1", "the form keeps what was typed");
    await shot(page, "late-bid");

    // auto-trading from preferences: on, saved, and the next interval gets the home's bid (or is told there is none)
    await page.unroute("**/api/clock");
    // My Home edited: no PV, one 2 kW appliance all day; the local meter reads it from the next interval
    await goTo(page, "Home");
    await page.getByLabel("Auto-trading").check();
    await page.getByLabel("PV power").fill("0");
    await page.getByRole("button", { name: "Add an appliance" }).click();
    await page.getByLabel("Appliance 1 start").fill("00:00");
    await page.getByLabel("Appliance 1 minutes").fill("1440");
    await page.getByRole("button", { name: "Save my home" }).click();
    await page
      .getByTestId("home-saved")
      .getByText(/your meter reads this home/)
      .waitFor({ timeout: 10_000 });
    await shot(page, "home-edited");
    await tick(1);
    await page
      .getByTestId("auto-trading")
      .getByText(/Auto-trading placed|nothing to trade/)
      .waitFor({ timeout: 30_000 });
    const reading = await lastReadingOf(household);
    assert.deepEqual(reading, { importWh: 500, exportWh: 0 }, "2 kW for 15 minutes, no PV");

    // too little euro in the market for a bid's lock: the market's refusal, decoded
    await goTo(page, "Wallet");
    // all that is free, exactly (the chain's figure: auto-trading may have just locked some)
    const free = await freeBalanceOf(household);
    await page.getByLabel("Withdraw amount").fill(`${free / 10n ** 18n}.${String((free % 10n ** 18n) / 10n ** 9n).padStart(9, "0")}`);
    await page.getByRole("button", { name: "Withdraw", exact: true }).click();
    await page.getByText("Withdrawal: done").waitFor({ timeout: 30_000 });
    await goTo(page, "Market");
    await page.getByLabel("Buy").check();
    await page.getByLabel("Send a transaction").check();
    await page.getByLabel("Energy").fill("2");
    await page.getByLabel("Price").fill((await page.getByLabel("Price").getAttribute("placeholder")) ?? "");
    await page.getByRole("button", { name: "Place bid" }).click();
    // the form's refusal (auto-trading, on since the home was edited, may meet the same refusal beside it)
    await page
      .getByRole("alert")
      .filter({ hasText: /Your free balance in the market is .* EUR; this needs .* EUR/ })
      .first()
      .waitFor({ timeout: 30_000 });
    await shot(page, "insufficient-balance");

    // the node goes away: the page says so instead of showing stale figures silently
    await page.route(`${ready.rpc}/**`, (route) => route.abort());
    await page.route(ready.rpc, (route) => route.abort());
    await page
      .getByText(/node cannot be reached/)
      .first()
      .waitFor({ timeout: 30_000 });
    await shot(page, "rpc-unreachable");
    await page.close();
  });

  it("the local community's services refuse bad requests with a reason, and npm run dev refuses bad flags", async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${ready.api}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, error: ((await res.json()) as { error?: string }).error };
    };
    assert.deepEqual(await call("POST", "/api/relay", { bids: [{ participant: "0x0000000000000000000000000000000000000001" }] }), {
      status: 400,
      error: "bid 0: interval is missing",
    });
    const forged = {
      participant: "0x0000000000000000000000000000000000000001",
      interval: 1,
      side: 1,
      wh: 100,
      price: 100_000,
      nonce: 0,
      deadline: 9_999_999_999,
      v: 27,
      r: `0x${"11".repeat(32)}`,
      s: `0x${"22".repeat(32)}`,
    };
    const relayed = await call("POST", "/api/relay", { bids: [forged] });
    assert.equal(relayed.status, 422);
    assert.match(relayed.error!, /^bid 0: (signed by 0x[0-9a-fA-F]{40}, not by 0x0{39}1 |no signer can be recovered)/);
    const notSignature = await call("POST", "/api/relay", { bids: [{ ...forged, v: 5 }] });
    assert.equal(notSignature.status, 400);
    assert.match(notSignature.error!, /^bid 0: not a signature \(/);
    const otherInterval = await call("POST", "/api/relay", { bids: [forged, { ...forged, interval: 2 }] });
    assert.deepEqual(otherInterval, { status: 400, error: "bid 1: every bid of one request must be for the same interval (bid 0 is for 1)" });
    assert.deepEqual(await call("POST", "/api/faucet", { address: "me" }), { status: 400, error: 'send { address: "0x…" } with the address to fund' });
    const home = await call("PUT", "/api/home", { address: "0x0000000000000000000000000000000000000001", home: { class: "factory" } });
    assert.deepEqual(home, { status: 400, error: "home.class must be consumer, pv or pvBattery" });
    assert.deepEqual(await call("GET", "/api/nope"), { status: 404, error: "no such endpoint: GET /api/nope" });
    const flag = spawnSync("tsx", ["scripts/dev.ts", "--interval-seconds", "0"], { encoding: "utf8" });
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /--interval-seconds must be from 2 to 3600, got 0/);
    const indexerFlag = spawnSync("tsx", ["scripts/dev.ts", "--indexer-url", "ftp://x"], { encoding: "utf8" });
    assert.equal(indexerFlag.status, 2);
    assert.match(indexerFlag.stderr, /--indexer-url must be an http\(s\) URL, got "ftp:\/\/x"/);
  });

  it("an EIP-6963 wallet on the wrong chain is told so and switched; a rejected request leaves the form intact", async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const accounts = await rpc<string[]>("eth_accounts");
    await context.addInitScript(injectedWallet(ready.rpc, accounts[15]));
    const page = await context.newPage();
    await page.goto(`${ready.api}/#home`);
    // discovered through EIP-6963 by its name, beside the generic injected one
    await page.getByRole("button", { name: "Browser wallet" }).waitFor();
    await page.getByRole("button", { name: "Kiez Test Wallet" }).click();
    await page.getByTestId("wrong-network").waitFor({ timeout: 20_000 });
    await shot(page, "wrong-network");
    await page.getByRole("button", { name: /Switch to/ }).click();
    await page.getByTestId("wrong-network").waitFor({ state: "detached", timeout: 20_000 });

    await page.evaluate(() => ((window as unknown as { __wallet: { reject: boolean } }).__wallet.reject = true));
    await page.getByLabel("Import limit").fill("2.5");
    await page.getByRole("button", { name: "Register" }).click();
    await page.getByText("You declined the request in your wallet. Nothing was sent.").waitFor({ timeout: 20_000 });
    assert.equal(await page.getByLabel("Import limit").inputValue(), "2.5", "the form keeps what was typed");
    await shot(page, "rejected");
    await context.close();
  });

  it("past two simulated days a registered household's pages still show its data, with no error banner", async () => {
    // the household of the first test (registered, with bids, bills and settlements) after 200 more intervals
    await tick(200);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${ready.api}/#home`);
    await page.getByLabel("Dev account").selectOption({ index: 1 });
    const pages: [string, string][] = [
      ["Home", '[data-testid="registration"]'],
      ["Market", '[data-testid="my-bids"] table'],
      ["Results", '[data-testid="cleared"] table'],
      ["Wallet", '[data-testid="bill-table"]'],
    ];
    for (const [name, content] of pages) {
      await goTo(page, name);
      await page.locator(content).first().waitFor({ timeout: 30_000 });
      assert.equal(await page.locator(".banner.error, [role=alert].banner").count(), 0, `${name}: no error banner`);
      assert.equal(await page.getByText("Register your household").count(), 0, `${name}: never asked to register again`);
    }
    // the latest results carry their day, and the household's money movements page back through the history
    await goTo(page, "Wallet");
    await page.getByTestId("movement-table").waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Older" }).click();
    await page.getByText("page 2").waitFor({ timeout: 30_000 });
    await shot(page, "wallet-two-days");
    await page.close();
  });
});
