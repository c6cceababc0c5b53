/**
 * npm run audit -- --rpc URL --market ADDRESS [--out DIR]
 *
 * Replays every interval (or, in a day-mode community, every day) of a market from public chain data (events, and
 * view calls where needed) with the engine's reference clearing and billing, and checks settlement. Needs no private key and no file from the
 * operator. Exit code 0 when every check holds, 1 when any fails, 2 on bad input.
 */
import hre from "hardhat";
import { isAddress } from "ethers";

import { AuditInputError, auditMarket, type AuditReport } from "./lib/audit.js";
import { fail, flags, writeOutputs } from "./lib/cli.js";

const USAGE = `Usage: npm run audit -- --rpc URL --market ADDRESS [--out DIR]
  --rpc URL         any EVM JSON-RPC endpoint
  --market ADDRESS  the community market to audit
  --out DIR         output folder (default out/audit)`;

const values = flags({ rpc: { type: "string" }, market: { type: "string" }, out: { type: "string" } }, USAGE);
if (!values.rpc) fail(`--rpc is required\n${USAGE}`);
if (!/^https?:\/\/\S+$/.test(values.rpc)) fail(`--rpc must be an http(s) URL, got "${values.rpc}"`);
if (!values.market || !isAddress(values.market)) fail(`--market must be a contract address (0x followed by 40 hex digits), got "${values.market ?? ""}"`);

// The market's ABI comes from the project's own build of the contracts, not from the operator.
await hre.tasks.getTask("build").run({ quiet: true });
const { abi } = await hre.artifacts.readArtifact("KiezMarket");

let report: AuditReport;
try {
  report = await auditMarket(values.rpc, values.market, abi, (line) => process.stderr.write(`${line}\n`));
} catch (e) {
  if (e instanceof AuditInputError) fail(e.message);
  throw e;
}

const rows = report.intervals.map(
  (i) =>
    `| ${i.interval} | ${i.phase} | ${i.bids} | ${i.price ?? "–"} | ${i.matchedWh ?? "–"} | ${i.trades} | ${i.bills} | ${i.settled ? "yes" : "no"} | ${i.ok ? "ok" : "FAIL"} |`,
);
const dayRows = report.days.map(
  (d) => `| ${d.day} | ${d.phase} | ${d.members} | ${d.tradedIntervals} | ${d.bills} | ${d.settled ? "yes" : "no"} | ${d.ok ? "ok" : "FAIL"} |`,
);
const md = [
  `# Audit of ${report.market} on chain ${report.chainId}`,
  "",
  `Blocks 0–${report.toBlock}; ${report.intervals.length} intervals; ${report.days.length} days (day mode); ${report.accounts} ledger accounts rebuilt from events.`,
  `Token balance of the market ${report.tokenBalance} wei; balances it owes ${report.owedByMarket} wei.`,
  "",
  ...(rows.length > 0 || dayRows.length === 0
    ? [
        "| interval | phase | bids | price µEUR/kWh | matched Wh | trades | bills | settled | checks |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ...rows,
        "",
      ]
    : []),
  ...(dayRows.length > 0
    ? ["| day | phase | members | intervals with P2P trades | bills | settled | checks |", "| ---: | --- | ---: | ---: | ---: | --- | --- |", ...dayRows, ""]
    : []),
  `## Verdict: ${report.verdict.toUpperCase()}`,
  "",
  ...(report.findings.length === 0
    ? [
        report.days.length > 0
          ? "Every check holds: every day's committed members are its roster with the standing orders in force; every claimed clearing equals the replay of the posted readings; every bill equals the replay; buyer payments = seller proceeds; every settled day settled once; every ledger balance and debt equals the replay and the market's token balance covers them."
          : "Every check holds: clearing prices and trades equal the replay; bids respected their limits and the tariff bounds; P2P sold = bought; every bill equals the replay; buyer payments = seller proceeds + fee buckets; every settled interval settled once; every ledger balance equals the replay and the market's token balance covers them.",
      ]
    : report.findings.map(
        (f) =>
          `- ${f.check}${f.interval !== undefined ? `, interval ${f.interval}` : ""}${f.day !== undefined ? `, day ${f.day}` : ""}${f.participant ? `, ${f.participant}` : ""}: ${f.detail}`,
      )),
  "",
].join("\n");
const dir = writeOutputs(values.out ?? "out/audit", { "audit.json": `${JSON.stringify(report, null, 2)}\n`, "audit.md": md });
console.log(md);
console.log(`outputs in ${dir}`);
process.exit(report.verdict === "pass" ? 0 : 1);
