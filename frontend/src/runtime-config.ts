/**
 * The shape of kiezstrom.json, the dApp's runtime configuration: shared by the dApp, which reads it, and the
 * local community's services (scripts/lib/dev-api.ts), which serve it.
 */
import type { Address } from "viem";

export interface RuntimeConfig {
  name: string;
  chainId: number;
  rpcUrl: string;
  market: Address;
  token: Address;
  factory?: Address;
  /** First block to read the market's events from (its deployment). */
  fromBlock: number;
  /** Relay of EIP-712 signed bids; absent: bids are sent as transactions only. */
  relayUrl?: string;
  /** The local market clock's status; absent: the chain's own clock. */
  clockUrl?: string;
  /** Test-euro faucet of a local community. */
  faucetUrl?: string;
  /** A local community's dev meter: a household's described home, which its meter then reads. */
  homeUrl?: string;
  /** Unlocked accounts of a dev node that households may use. */
  devAccounts?: Address[];
  /** The engine community behind a local dev meter (for the stand-in home). */
  community?: { seed: number; households: number };
}
