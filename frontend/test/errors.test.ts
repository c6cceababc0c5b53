import { describe, expect, it } from "vitest";
import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  HttpRequestError,
  InsufficientFundsError,
  UserRejectedRequestError,
} from "viem";
import { euroTokenAbi } from "../src/contracts/generated";

import { kiezMarketAbi } from "../src/contracts/generated";
import { explainError, explainRevert } from "../src/lib/errors";

function reverted(errorName: string, args: readonly unknown[]) {
  const data = encodeErrorResult({ abi: kiezMarketAbi, errorName, args } as never);
  const cause = new ContractFunctionRevertedError({ abi: kiezMarketAbi, data, functionName: "placeBid" });
  return new ContractFunctionExecutionError(cause, { abi: kiezMarketAbi, functionName: "placeBid", args: [] });
}

describe("errors in a household's words", () => {
  it("decodes the market's custom errors with their values", () => {
    expect(explainError(reverted("LedgerInsufficientFree", ["0x0000000000000000000000000000000000000001", 5n * 10n ** 18n, 10n ** 18n]))).toBe(
      "Your free balance in the market is 1.00 EUR; this needs 5.00 EUR. Deposit more euros, or cancel an open buy bid.",
    );
    expect(explainError(reverted("BidEnergyAboveLimit", [6000, 5000]))).toMatch(
      /at most 5.000 kWh a side per interval; with this bid your bids would add up to 6.000 kWh/,
    );
    expect(explainError(reverted("BidBelowMinimum", [5, 10]))).toMatch(/at least 0.010 kWh; this one has 0.005 kWh/);
    expect(explainError(reverted("BidAskOutOfRange", [80_000, 82_000, 170_000]))).toMatch(/above the feed-in tariff \(8.20 ct\/kWh\)/);
    expect(explainError(reverted("IntervalWrongPhase", [1994724, 3]))).toMatch(/closed for bids: it is already cleared/);
    expect(explainError(reverted("EnforcedPause", []))).toMatch(/paused/);
  });

  it("says a refusal in the wallet sent nothing", () => {
    expect(explainError(new UserRejectedRequestError(new Error("no")))).toBe("You declined the request in your wallet. Nothing was sent.");
    expect(explainError({ code: 4001, message: "User rejected" })).toMatch(/declined/);
  });

  it("says when the node cannot be reached", () => {
    const e = new HttpRequestError({ url: "http://127.0.0.1:1", body: {}, details: "fetch failed" });
    expect(explainError(e, { rpcUrl: "http://127.0.0.1:1" })).toMatch(/cannot be reached at http:\/\/127.0.0.1:1/);
  });

  it("says when the wallet lacks euros, allowance or gas money", () => {
    const data = encodeErrorResult({
      abi: euroTokenAbi,
      errorName: "ERC20InsufficientBalance",
      args: ["0x0000000000000000000000000000000000000001", 10n ** 18n, 5n * 10n ** 18n],
    });
    const e = new ContractFunctionExecutionError(new ContractFunctionRevertedError({ abi: euroTokenAbi, data, functionName: "transfer" }), {
      abi: euroTokenAbi,
      functionName: "transfer",
      args: [],
    });
    expect(explainError(e)).toBe("Your wallet holds 1.00 EUR of the euro token; this needs 5.00 EUR.");
    expect(explainRevert("ERC20InsufficientAllowance", ["0x0000000000000000000000000000000000000002", 0n, 10n ** 18n])).toMatch(/Approve the amount first/);
    expect(explainError(new InsufficientFundsError())).toMatch(/too little ETH to pay the network fee/);
  });

  it("names an unknown error rather than hiding it", () => {
    expect(explainRevert("SomethingNew", [1n])).toBe("The market refused: SomethingNew(1).");
  });
});
