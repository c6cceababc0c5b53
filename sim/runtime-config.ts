/**
 * The shape of kiezstrom.json, the dApp's runtime configuration: shared by the dApp, which reads it, and the
 * local community's services (scripts/lib/dev-api.ts, market-clock.ts), which serve it.
 */

/** A 20-byte hex address (viem's `Address`). */
type Address = `0x${string}`;

/** The local market clock's status, served at `clockUrl` (scripts/lib/market-clock.ts). */
export interface ClockStatus {
  /** The interval open for bids whose gate closes next, and when (chain seconds). */
  biddingInterval: number | null;
  gateClosesAt: number | null;
  lastCleared: number | null;
  lastSettled: number | null;
  ticks: number;
  /** Real time (ms since the epoch) of the next tick; null when manual or stopped. */
  nextTickAt: number | null;
  realMsPerInterval: number;
  manual: boolean;
  lastError: string | null;
  /** The engine's date and slot behind the bidding interval (the chain runs whole days ahead of it). */
  simulatedDate: string | null;
  simulatedSlot: number | null;
}

export interface RuntimeConfig {
  name: string;
  chainId: number;
  rpcUrl: string;
  market: Address;
  token: Address;
  factory?: Address;
  /** First block to read the market's events from (its deployment). */
  fromBlock: number;
  /** The community's time zone (IANA), in which every page shows times and days; default Europe/Berlin. */
  timeZone?: string;
  /** The community's indexer (Ponder: GraphQL at `${indexerUrl}/graphql`); absent: only recent blocks are read from the RPC. */
  indexerUrl?: string;
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
