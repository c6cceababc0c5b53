/** A household's registration, read from the market (a view call: right whatever the history's source). */
import { useReadKiezMarket } from "../contracts/generated";
import { CLASS_NAMES } from "@kiezstrom/engine/market/onchain";
import { useMarket } from "../lib/market";
import type { Loaded } from "./loaded";

export interface ParticipantInfo {
  participantClass: "consumer" | "pv" | "pvBattery";
  supplier: number;
  importLimitWh: number;
  exportLimitWh: number;
  metered: boolean;
}

/** null data: not registered. */
export function useParticipant(me: `0x${string}` | undefined): Loaded<ParticipantInfo | null> {
  const { rc } = useMarket();
  const read = useReadKiezMarket({
    address: rc.market,
    functionName: "participantOf",
    args: me ? [me] : undefined,
    query: { enabled: !!me, refetchInterval: 5000 },
  });
  const p = read.data;
  const cls = p ? CLASS_NAMES[Number(p.class) as 1 | 2 | 3] : undefined;
  return {
    data:
      p === undefined
        ? undefined
        : cls
          ? {
              participantClass: cls,
              supplier: Number(p.supplier),
              importLimitWh: Number(p.importLimitWh),
              exportLimitWh: Number(p.exportLimitWh),
              metered: p.meteringPoint !== 0n,
            }
          : null,
    loading: read.isPending && !!me,
    error: read.error ? read.error.message : null,
  };
}
