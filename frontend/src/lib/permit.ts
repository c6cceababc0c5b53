/**
 * EIP-2612 permits: a deposit in one transaction (the market pulls the euros with the household's signed
 * permit) instead of an approval and then a deposit. Tokens without permit fall back to the approval.
 */
import type { Config } from "wagmi";
import { readContract, signTypedData } from "wagmi/actions";
import { hexToSignature } from "viem";

import { EIP2612_PERMIT_TYPES } from "@kiezstrom/engine/market/onchain";

import { euroTokenAbi } from "../contracts/generated";

export interface Permit {
  deadline: bigint;
  v: number;
  r: `0x${string}`;
  s: `0x${string}`;
}

/** The token's EIP-712 domain and the owner's permit nonce, or null when the token has no permit. */
async function permitContext(config: Config, token: `0x${string}`, owner: `0x${string}`) {
  try {
    const [, name, version, chainId, verifyingContract] = await readContract(config, { address: token, abi: euroTokenAbi, functionName: "eip712Domain" });
    const nonce = await readContract(config, { address: token, abi: euroTokenAbi, functionName: "nonces", args: [owner] });
    return { domain: { name, version, chainId: Number(chainId), verifyingContract }, nonce };
  } catch {
    return null;
  }
}

/** Asks the wallet to sign a permit for `spender` to take `value`; null when the token cannot take permits. */
export async function signPermit(
  config: Config,
  token: `0x${string}`,
  owner: `0x${string}`,
  spender: `0x${string}`,
  value: bigint,
  deadline: bigint,
): Promise<Permit | null> {
  const ctx = await permitContext(config, token, owner);
  if (!ctx) return null;
  const signature = await signTypedData(config, {
    account: owner,
    domain: ctx.domain,
    types: EIP2612_PERMIT_TYPES,
    primaryType: "Permit",
    message: { owner, spender, value, nonce: ctx.nonce, deadline },
  });
  const { r, s, v, yParity } = hexToSignature(signature);
  return { deadline, r, s, v: Number(v ?? BigInt(yParity + 27)) };
}
