/**
 * wagmi configuration for the configured community: its chain, an HTTP transport, injected wallets
 * (EIP-6963 discovery and window.ethereum) and, on a local dev chain, the node's unlocked dev accounts.
 */
import { createConfig, createConnector, http, injected, type Config } from "wagmi";
import { defineChain, numberToHex, type Address, type Chain, type EIP1193RequestFn } from "viem";
import { hardhat, polygon, polygonAmoy, sepolia } from "viem/chains";

import type { RuntimeConfig } from "./config";

const KNOWN: readonly Chain[] = [sepolia, polygonAmoy, polygon];

export function chainOf(rc: RuntimeConfig): Chain {
  const known = KNOWN.find((c) => c.id === rc.chainId);
  const base = known ?? (rc.chainId === hardhat.id ? hardhat : undefined);
  return defineChain({
    ...(base ?? { id: rc.chainId, name: `Chain ${rc.chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 } }),
    id: rc.chainId,
    name: base?.name ?? `Chain ${rc.chainId}`,
    rpcUrls: { default: { http: [rc.rpcUrl] } },
  } as Chain);
}

/**
 * A dev node's unlocked account as a wallet: requests go to the node, which signs transactions and typed
 * data for its own accounts. Only offered when the configuration lists dev accounts (a local chain).
 */
export function devAccount(address: Address, rpcUrl: string, chainId: number) {
  let connected = false;
  const request = (async ({ method, params }: { method: string; params?: unknown }) => {
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return [address];
      case "eth_chainId":
        return numberToHex(chainId);
      case "wallet_switchEthereumChain":
        return null;
    }
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }),
    });
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw Object.assign(new Error(body.error.message), body.error);
    return body.result;
  }) as unknown as EIP1193RequestFn;
  return createConnector((config) => ({
    id: `dev-${address.toLowerCase()}`,
    name: `Dev account ${address.slice(0, 6)}…${address.slice(-4)}`,
    type: "devAccount",
    async setup() {},
    async connect<withCapabilities extends boolean = false>() {
      connected = true;
      return { accounts: [address], chainId } as never as {
        accounts: withCapabilities extends true ? readonly { address: Address; capabilities: Record<string, unknown> }[] : readonly Address[];
        chainId: number;
      };
    },
    async disconnect() {
      connected = false;
    },
    async getAccounts() {
      return connected ? [address] : [];
    },
    async getChainId() {
      return chainId;
    },
    async getProvider() {
      return { request };
    },
    async isAuthorized() {
      return connected;
    },
    onAccountsChanged() {},
    onChainChanged() {},
    onDisconnect() {
      config.emitter.emit("disconnect");
    },
  }));
}

export function makeWagmiConfig(rc: RuntimeConfig): Config {
  const chain = chainOf(rc);
  return createConfig({
    chains: [chain],
    connectors: [injected(), ...(rc.devAccounts ?? []).map((a) => devAccount(a, rc.rpcUrl, rc.chainId))],
    transports: { [chain.id]: http(rc.rpcUrl, { batch: true }) },
    multiInjectedProviderDiscovery: true,
    pollingInterval: 1_000,
  });
}
