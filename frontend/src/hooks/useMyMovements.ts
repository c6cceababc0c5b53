/** A household's money movements in the market, newest first, a page at a time (with an indexer). */
import { useState } from "react";

import { useMarket } from "../lib/market";
import type { Page } from "../lib/indexer";
import { fromRecent, useIndexed, type Loaded } from "./loaded";

export interface Movement {
  /** deposit, withdrawal, faucet, settlement, debt or debtRepaid */
  kind: string;
  /** Signed wei: positive into the account (for faucet: into the wallet). */
  amount: bigint;
  interval: number | null;
  /** Chain seconds; null when only the block is known. */
  timestamp: number | null;
  transactionHash: string;
}

interface Row {
  kind: string;
  amount: string;
  interval: number | null;
  timestamp: number;
  transactionHash: string;
}

export function useMyMovements(me: string, pageSize = 20): Loaded<Movement[]> & { more: (() => void) | null; page: number; back: (() => void) | null } {
  const { indexer, store, loadingHistory } = useMarket();
  const who = me.toLowerCase();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors.at(-1) ?? null;
  const indexed = useIndexed(["my-movements", who, pageSize, after], async (ix) => {
    const data = await ix.query<{ ledgerMovements: Page<Row> }>(
      `query ($who: String!, $limit: Int!, $after: String) { ledgerMovements(where: { account: $who }, orderBy: "blockNumber", orderDirection: "desc", limit: $limit, after: $after) {
        items { kind amount interval timestamp transactionHash } pageInfo { hasNextPage endCursor } } }`,
      { who, limit: pageSize, after },
    );
    return data.ledgerMovements;
  });
  if (indexer) {
    const page = indexed.data;
    return {
      data: page?.items.map((r) => ({ ...r, amount: BigInt(r.amount) })),
      loading: indexed.loading,
      error: indexed.error,
      page: cursors.length,
      more: page?.pageInfo.hasNextPage ? () => setCursors([...cursors, page.pageInfo.endCursor]) : null,
      back: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : null,
    };
  }
  // without an indexer: the deposits and withdrawals of the latest blocks
  const moves: Movement[] = [];
  for (const e of store?.events ?? []) {
    const a = e.args as { account?: string; amount?: bigint };
    if ((e.name !== "Deposited" && e.name !== "Withdrawn") || a.account?.toLowerCase() !== who) continue;
    moves.push({
      kind: e.name === "Deposited" ? "deposit" : "withdrawal",
      amount: e.name === "Deposited" ? a.amount! : -a.amount!,
      interval: null,
      timestamp: null,
      transactionHash: e.transactionHash,
    });
  }
  return { ...fromRecent(loadingHistory, moves.reverse().slice(0, pageSize)), page: 1, more: null, back: null };
}
