/**
 * Writes as a household expects them: simulated against the chain before the wallet is asked (a refusal is
 * explained and nothing is signed), then sent, then waited for. Each step's state is shown by the form.
 */
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useConfig, useConnection } from "wagmi";
import { estimateContractGas, estimateFeesPerGas } from "viem/actions";
import { getPublicClient, simulateContract, waitForTransactionReceipt, writeContract } from "wagmi/actions";
import { formatEther, type Abi, type ContractFunctionArgs, type ContractFunctionName, type TransactionReceipt } from "viem";

import { explainError } from "./errors";

export type TxState =
  | { status: "idle" }
  | { status: "checking" | "pending"; label: string }
  /** `fee`: the network fee estimated before the wallet was asked, in the chain's coin (null: no estimate). */
  | { status: "signing"; label: string; fee: { amount: string; symbol: string } | null }
  | { status: "done"; label: string; receipt: TransactionReceipt }
  | { status: "error"; label: string; message: string };

export interface WriteRequest<abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">> {
  address: `0x${string}`;
  abi: abi;
  functionName: name;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
}

export function useTransactor(context: { rpcUrl?: string; chainName?: string } = {}) {
  const config = useConfig();
  const { address, chainId } = useConnection();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TxState>({ status: "idle" });

  async function send<const abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    label: string,
    request: WriteRequest<abi, name>,
  ): Promise<TransactionReceipt | null> {
    if (!address) {
      setState({ status: "error", label, message: "Connect a wallet first." });
      return null;
    }
    try {
      setState({ status: "checking", label });
      const chain = config.chains[0];
      if (chainId !== chain.id)
        throw Object.assign(new Error(`chain mismatch: wallet on ${chainId}, community on ${chain.id}`), { name: "ChainMismatchError" });
      const { request: prepared } = await simulateContract(config, { ...(request as object), account: address, chainId: chain.id } as never);
      setState({ status: "signing", label, fee: await estimateFee(config, { ...(request as object), account: address }, chain.nativeCurrency.symbol) });
      const hash = await writeContract(config, prepared as never);
      setState({ status: "pending", label });
      const receipt = await waitForTransactionReceipt(config, { hash, chainId: chain.id });
      if (receipt.status !== "success") throw new Error("the transaction was reverted on chain");
      setState({ status: "done", label, receipt });
      // balances and views read the new block at once rather than at their next poll
      void queryClient.invalidateQueries();
      return receipt;
    } catch (e) {
      setState({ status: "error", label, message: explainError(e, context) });
      return null;
    }
  }

  return { state, send, reset: () => setState({ status: "idle" }), fail: (label: string, message: string) => setState({ status: "error", label, message }) };
}

/** What the write will cost in network fees (gas × the current fee per gas), or null when the node cannot say. */
async function estimateFee(config: ReturnType<typeof useConfig>, request: object, symbol: string): Promise<{ amount: string; symbol: string } | null> {
  try {
    const client = getPublicClient(config);
    if (!client) return null;
    const [gas, fees] = await Promise.all([estimateContractGas(client, request as never), estimateFeesPerGas(client)]);
    const perGas = fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
    const wei = gas * perGas;
    // a few significant figures: the fee moves with every block
    return { amount: Number(formatEther(wei)).toPrecision(3), symbol };
  } catch {
    return null;
  }
}

/** A one-line account of a write's state, for a form to show. */
export function txMessage(s: TxState): string | null {
  switch (s.status) {
    case "idle":
      return null;
    case "checking":
      return `${s.label}: checking with the market…`;
    case "signing":
      return `${s.label}: confirm in your wallet…${s.fee ? ` (network fee about ${s.fee.amount} ${s.fee.symbol})` : ""}`;
    case "pending":
      return `${s.label}: waiting for the block…`;
    case "done":
      return `${s.label}: done (gas ${s.receipt.gasUsed.toLocaleString("en-US")}).`;
    case "error":
      return `${s.label} failed: ${s.message}`;
  }
}
