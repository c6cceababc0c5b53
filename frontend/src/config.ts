/**
 * The dApp's runtime configuration: which chain, RPC and market it talks to. A production build reads
 * `kiezstrom.json` beside index.html (so one build serves any community), or the JSON in the build-time
 * variable VITE_KIEZSTROM_CONFIG; `npm run dev` serves it for the local community.
 */
import { isAddress, type Address } from "viem";

import type { RuntimeConfig } from "@kiezstrom/engine/runtime-config";

export type { RuntimeConfig };

export class ConfigError extends Error {}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Checks every field and says which one is wrong. */
export function parseConfig(value: unknown): RuntimeConfig {
  if (typeof value !== "object" || value === null) throw new ConfigError("the configuration is not a JSON object");
  const o = value as Record<string, unknown>;
  const str = (k: string, optional = false): string | undefined => {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== "string" || v.length === 0) throw new ConfigError(`\`${k}\` must be a non-empty string`);
    return v;
  };
  const address = (k: string, optional = false): Address | undefined => {
    const v = str(k, optional);
    if (v === undefined) return undefined;
    if (!isAddress(v)) throw new ConfigError(`\`${k}\` must be a 0x address, got "${v}"`);
    return v;
  };
  const chainId = o.chainId;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) throw new ConfigError("`chainId` must be a positive whole number");
  const rpcUrl = str("rpcUrl")!;
  if (!/^https?:\/\//.test(rpcUrl)) throw new ConfigError(`\`rpcUrl\` must be an http(s) URL, got "${rpcUrl}"`);
  const fromBlock = o.fromBlock ?? 0;
  if (typeof fromBlock !== "number" || !Number.isSafeInteger(fromBlock) || fromBlock < 0) throw new ConfigError("`fromBlock` must be a block number ≥ 0");
  const timeZone = str("timeZone", true);
  if (timeZone !== undefined && !isTimeZone(timeZone)) throw new ConfigError(`\`timeZone\` must be an IANA time zone such as Europe/Berlin, got "${timeZone}"`);
  const indexerUrl = str("indexerUrl", true);
  if (indexerUrl !== undefined && !/^(https?:\/\/|\/)/.test(indexerUrl))
    throw new ConfigError(`\`indexerUrl\` must be an http(s) URL or a path, got "${indexerUrl}"`);
  const devAccounts = o.devAccounts;
  if (devAccounts !== undefined && (!Array.isArray(devAccounts) || !devAccounts.every((a) => typeof a === "string" && isAddress(a)))) {
    throw new ConfigError("`devAccounts` must be a list of 0x addresses");
  }
  const community = o.community as RuntimeConfig["community"];
  if (community !== undefined && (typeof community?.seed !== "number" || typeof community?.households !== "number")) {
    throw new ConfigError("`community` must be { seed, households }");
  }
  return {
    name: str("name", true) ?? "Kiezstrom",
    chainId,
    rpcUrl,
    market: address("market")!,
    token: address("token")!,
    factory: address("factory", true),
    fromBlock,
    timeZone,
    indexerUrl,
    relayUrl: str("relayUrl", true),
    clockUrl: str("clockUrl", true),
    faucetUrl: str("faucetUrl", true),
    homeUrl: str("homeUrl", true),
    devAccounts: devAccounts as Address[] | undefined,
    community,
  };
}

/** The configuration this page was served with; throws a ConfigError that says what to provide. */
export async function loadConfig(): Promise<RuntimeConfig> {
  let response: Response | undefined;
  try {
    response = await fetch("./kiezstrom.json", { cache: "no-store" });
  } catch {
    response = undefined;
  }
  if (response?.ok && (response.headers.get("content-type") ?? "").includes("json")) {
    return parseConfig(await response.json().catch(() => null));
  }
  const built = import.meta.env.VITE_KIEZSTROM_CONFIG as string | undefined;
  if (built) {
    let json: unknown;
    try {
      json = JSON.parse(built);
    } catch {
      throw new ConfigError("VITE_KIEZSTROM_CONFIG is not valid JSON");
    }
    return parseConfig(json);
  }
  throw new ConfigError(
    "no community is configured: put a kiezstrom.json (chainId, rpcUrl, market, token) beside index.html, build with VITE_KIEZSTROM_CONFIG, or start the local community with npm run dev",
  );
}
