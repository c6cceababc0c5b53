/**
 * The auditor's replay of a KiezMarket from public chain data alone: events, and view calls where needed.
 * Every interval is replayed with the engine's reference clearing and billing, and every balance the market
 * owes is rebuilt from events and compared with the chain.
 */
import { Contract, Interface, JsonRpcProvider, type Log } from "ethers";

import { replayMarket, type ReplayResult } from "@kiezstrom/engine/audit";
import { FIRST_LOG_RANGE, readInRanges } from "@kiezstrom/engine/log-ranges";

export type { DayAudit, Finding, IntervalAudit } from "@kiezstrom/engine/audit";

export interface AuditReport extends Omit<ReplayResult, "details"> {
  market: string;
  chainId: number;
  fromBlock: number;
  toBlock: number;
  verdict: "pass" | "fail";
}

/** Bad input: the RPC or the address is not usable. */
export class AuditInputError extends Error {}

/** Audits the market at `marketAddress` through `rpc`, with the market's ABI (from the project's build). */
export async function auditMarket(rpc: string, marketAddress: string, abi: readonly unknown[], log: (line: string) => void = () => {}): Promise<AuditReport> {
  const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true, batchMaxCount: 1 });
  let chainId: number;
  try {
    chainId = Number((await provider.getNetwork()).chainId);
  } catch (e) {
    provider.destroy();
    throw new AuditInputError(`cannot reach the RPC at ${rpc}: ${(e as Error).message.split("\n")[0]}`);
  }
  try {
    const code = await provider.getCode(marketAddress);
    if (code === "0x") throw new AuditInputError(`no contract at ${marketAddress} on chain ${chainId}`);
    const iface = new Interface(abi as never);
    const market = new Contract(marketAddress, iface, provider);
    let config: { token: string; supplierCount: bigint; dayStartSlot: bigint };
    try {
      config = await market.config({ blockTag: "latest" });
    } catch {
      throw new AuditInputError(`the contract at ${marketAddress} is not a Kiezstrom market (it has no config())`);
    }
    const token = new Contract(config.token, ["function balanceOf(address) view returns (uint256)"], provider);
    const toBlock = await provider.getBlockNumber();
    log(`reading events of ${marketAddress} up to block ${toBlock}`);
    const logs = await readLogs(provider, marketAddress, 0, toBlock, log);
    const events = logs.flatMap((l) => {
      const ev = iface.parseLog(l);
      return ev ? [{ name: ev.name, args: ev.args }] : [];
    });
    const { details: _details, ...result } = await replayMarket(
      events,
      {
        phaseOf: async (id) => Number((await market.intervalOf(id, { blockTag: toBlock })).phase),
        accountOf: async (a) => {
          const acc = await market.accountOf(a, { blockTag: toBlock });
          return { free: acc.free as bigint, locked: acc.locked as bigint };
        },
        owed: async (a) => (await market.owed(a, { blockTag: toBlock })) as bigint,
        tokenBalance: async () => (await token.balanceOf(marketAddress, { blockTag: toBlock })) as bigint,
        dayPhaseOf: async (day) => Number((await market.dayOf(day, { blockTag: toBlock })).phase),
      },
      Number(config.dayStartSlot),
    );
    return { market: marketAddress, chainId, fromBlock: 0, toBlock, ...result, verdict: result.findings.length === 0 ? "pass" : "fail" };
  } finally {
    provider.destroy();
  }
}

/**
 * The market's logs from `fromBlock` through `toBlock`, in ranges that halve while the provider refuses one (public
 * providers cap eth_getLogs); progress with an estimate of the time left goes to `log` every few seconds.
 */
export async function readLogs(provider: JsonRpcProvider, address: string, fromBlock: number, toBlock: number, log: (line: string) => void): Promise<Log[]> {
  const logs: Log[] = [];
  const started = Date.now();
  let shown = started;
  await readInRanges(fromBlock, toBlock, { ceiling: FIRST_LOG_RANGE }, async (from, to) => {
    logs.push(...(await provider.getLogs({ address, fromBlock: from, toBlock: to })));
    if (Date.now() - shown <= 3_000) return;
    shown = Date.now();
    const done = (to + 1 - fromBlock) / Math.max(1, toBlock + 1 - fromBlock);
    const left = ((Date.now() - started) / 1000 / done) * (1 - done);
    log(`read blocks through ${to} of ${toBlock} (${(done * 100).toFixed(1)}%, ${logs.length} events, about ${Math.round(left)} s left)`);
  });
  return logs;
}
