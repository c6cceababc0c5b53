/** What a data hook returns: its data once loaded, whether it is still loading, and a failure in words. */
import { useQuery } from "@tanstack/react-query";

import type { IndexerClient } from "../lib/indexer";
import { useMarket } from "../lib/market";

export interface Loaded<T> {
  data: T | undefined;
  loading: boolean;
  error: string | null;
}

/** Polls one bounded indexer query while the community has an indexer (`enabled` and more). */
export function useIndexed<T>(key: readonly unknown[], run: (indexer: IndexerClient) => Promise<T>, enabled = true): Loaded<T> {
  const { indexer } = useMarket();
  const q = useQuery({
    queryKey: ["indexer", indexer?.url, ...key],
    enabled: !!indexer && enabled,
    queryFn: () => run(indexer!),
    refetchInterval: 2000,
    placeholderData: (previous) => previous,
  });
  return { data: q.data, loading: q.isPending && !!indexer && enabled, error: q.error ? (q.error as Error).message : null };
}

/** The same shape for data derived from the latest blocks (a community without an indexer): none until they are read. */
export function fromRecent<T>(loadingHistory: number | null, data: T): Loaded<T> {
  return loadingHistory === null ? { data, loading: false, error: null } : { data: undefined, loading: true, error: null };
}
