import { afterEach, describe, expect, it, vi } from "vitest";

import { ConfigError, loadConfig, parseConfig } from "../src/config";

const good = {
  name: "Kiez",
  chainId: 31337,
  rpcUrl: "http://127.0.0.1:8545",
  market: "0x856e4424f806D16E8CBC702B3c0F2ede5468eae5",
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  fromBlock: 0,
};

describe("the runtime configuration", () => {
  it("accepts a complete one", () => {
    expect(parseConfig(good)).toMatchObject({ chainId: 31337, market: good.market });
    expect(parseConfig({ ...good, name: undefined }).name).toBe("Kiezstrom");
  });

  it("names the wrong field", () => {
    expect(() => parseConfig(null)).toThrow(ConfigError);
    expect(() => parseConfig({ ...good, chainId: -1 })).toThrow(/chainId/);
    expect(() => parseConfig({ ...good, rpcUrl: "ws://x" })).toThrow(/rpcUrl/);
    expect(() => parseConfig({ ...good, market: "0x1234" })).toThrow(/market/);
    expect(() => parseConfig({ ...good, devAccounts: ["nope"] })).toThrow(/devAccounts/);
    expect(() => parseConfig({ ...good, fromBlock: 1.5 })).toThrow(/fromBlock/);
  });
});

describe("loading the configuration a build is served with", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("reads kiezstrom.json beside the page", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response(JSON.stringify(good), { headers: { "content-type": "application/json" } })),
    );
    expect((await loadConfig()).rpcUrl).toBe(good.rpcUrl);
  });

  it("says what to provide when there is none", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response("<html>", { status: 404, headers: { "content-type": "text/html" } })),
    );
    await expect(loadConfig()).rejects.toThrow(/no community is configured: put a kiezstrom.json/);
  });

  it("names the wrong field of a served file", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response(JSON.stringify({ ...good, token: "nope" }), { headers: { "content-type": "application/json" } })),
    );
    await expect(loadConfig()).rejects.toThrow(/`token` must be a 0x address/);
  });
});
