/** Placing a bid either way: a direct transaction, or an EIP-712 signature the community's relay submits. */
import { useConfig } from "wagmi";
import { readContract, signTypedData, simulateContract } from "wagmi/actions";

import { kiezMarketAbi } from "../contracts/generated";
import { BID_DOMAIN, EIP712_BID_TYPES, SIDE } from "@kiezstrom/engine/market/onchain";
import type { Side } from "@kiezstrom/engine/market/clearing";
import type { RuntimeConfig } from "../config";
import { explainError, explainRevert } from "./errors";

export interface BidInput {
  interval: number;
  side: Side;
  wh: number;
  price: number;
}

/** How long a signed bid stays valid: a day of the chain's time, well past any gate it can be placed before. */
export const SIGNED_BID_VALIDITY_SECONDS = 86_400;

/** Signs a bid and hands it to the relay; checks it with the market first. Throws a household message. */
export function useRelayedBid(rc: RuntimeConfig) {
  const config = useConfig();
  return async function relay(me: `0x${string}`, bid: BidInput, chainNow: number | null): Promise<string> {
    const deadline = (chainNow ?? Math.floor(Date.now() / 1000)) + SIGNED_BID_VALIDITY_SECONDS;
    if (!rc.relayUrl) throw new Error("This community has no relay: send the bid as a transaction.");
    try {
      // the same checks the relayed bid will meet, as a call from the household (no signature yet)
      await simulateContract(config, {
        address: rc.market,
        abi: kiezMarketAbi,
        functionName: "placeBid",
        args: [bid.interval, SIDE[bid.side], bid.wh, bid.price],
        account: me,
      });
      const account = await readContract(config, { address: rc.market, abi: kiezMarketAbi, functionName: "accountOf", args: [me] });
      const message = { interval: bid.interval, side: SIDE[bid.side], wh: bid.wh, price: bid.price, nonce: account.bidNonce, deadline: BigInt(deadline) };
      const signature = await signTypedData(config, {
        account: me,
        domain: { ...BID_DOMAIN, chainId: rc.chainId, verifyingContract: rc.market },
        types: EIP712_BID_TYPES,
        primaryType: "Bid",
        message,
      });
      const r = `0x${signature.slice(2, 66)}`;
      const s = `0x${signature.slice(66, 130)}`;
      const v = parseInt(signature.slice(130, 132), 16);
      const body = { bids: [{ participant: me, ...message, deadline: message.deadline.toString(), v: v < 27 ? v + 27 : v, r, s }] };
      const res = await fetch(rc.relayUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const json = (await res.json().catch(() => ({}))) as { error?: string; transactionHash?: string };
      if (!res.ok) throw new RelayError(json.error ?? `the relay answered ${res.status}`);
      return json.transactionHash ?? "";
    } catch (e) {
      if (e instanceof RelayError) throw new Error(relayMessage(e.message));
      throw new Error(explainError(e, { rpcUrl: rc.rpcUrl }));
    }
  };
}

class RelayError extends Error {}

/** The relay returns the market's error as Name(values): put it in words. */
function relayMessage(text: string): string {
  const m = /^(\w+)\((.*)\)$/.exec(text);
  if (!m) return `The relay refused the bid: ${text}`;
  return explainRevert(m[1], m[2] ? m[2].split(", ").map((x) => (/^\d+$/.test(x) ? BigInt(x) : x)) : []);
}
