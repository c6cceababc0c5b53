/**
 * What gas costs in euro on a chain: W = c × g × z × 1e-18 (c: native token price in EUR, g: gas used,
 * z: gas price in wei). Chain profiles are inputs; nothing is fetched live. Defaults are the case study's.
 */
export interface ChainProfile {
  name: string;
  /** EUR per native token (ETH, POL, ...). */
  eurPerNative: number;
  /** Gas price in gwei. */
  gwei: number;
}

export const DEFAULT_CHAINS: Record<string, ChainProfile> = {
  ethereum: { name: "Ethereum", eurPerNative: 1139.86, gwei: 20 },
  polygon: { name: "Polygon PoS", eurPerNative: 0.73, gwei: 250 },
};

/** W = c × g × z × 1e-18, with z = gwei × 1e9. */
export function gasCostEur(gas: number, chain: ChainProfile): number {
  return chain.eurPerNative * gas * chain.gwei * 1e-9;
}

/** `x` rounded to `digits` decimals. */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** What the chain costs a participant per day beside what the market saves it, per chain profile, in EUR to the µEUR. */
export function costPerDay(gasPerDay: number, savingEur: number, chains: Record<string, ChainProfile> = DEFAULT_CHAINS) {
  return Object.fromEntries(
    Object.entries(chains).map(([k, chain]) => {
      const costEur = gasCostEur(gasPerDay, chain);
      return [k, { gas: Math.round(gasPerDay), costEur: roundTo(costEur, 6), savingEur: roundTo(savingEur, 6), netEur: roundTo(savingEur - costEur, 6) }];
    }),
  );
}
