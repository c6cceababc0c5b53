/**
 * The market contract's vocabulary as the engine, the scripts and the dApp share it: enum values, the EIP-712
 * bid type, and the unit conversion between the engine's nano-euro and the token's wei.
 */

/** KiezMarket's `Side`. */
export const SIDE = { sell: 1, buy: 2 } as const;
/** KiezMarket's `Phase`, indexed by its value. */
export const PHASE = ["None", "Open", "Clearing", "Cleared", "Metering", "Metered", "Billing", "Billed", "Settling", "Settled"] as const;
export type PhaseName = (typeof PHASE)[number];
/** KiezMarket's participant class. */
export const CLASS = { consumer: 1, pv: 2, pvBattery: 3 } as const;
export const CLASS_NAMES = { 1: "consumer", 2: "pv", 3: "pvBattery" } as const;
/** The marginal sell position that means "nothing traded". */
export const NO_TRADE = 0xffffffff;
/** One engine unit (Wh × µEUR/kWh = 1e-9 EUR) in token wei (18 decimals). */
export const WEI_PER_UNIT = 1_000_000_000n;

/** EIP-712 domain name and version of KiezMarket. */
export const BID_DOMAIN = { name: "Kiezstrom Market", version: "1" } as const;
export const EIP712_BID_TYPES = {
  Bid: [
    { name: "participant", type: "address" },
    { name: "interval", type: "uint32" },
    { name: "side", type: "uint8" },
    { name: "wh", type: "uint24" },
    { name: "price", type: "uint32" },
    { name: "nonce", type: "uint64" },
    { name: "deadline", type: "uint64" },
  ],
} as const;
