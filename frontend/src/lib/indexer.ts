/**
 * The community's indexer (Ponder) as the dApp reads it: GraphQL queries that each return one bounded page, and the
 * aggregate endpoints (a household's totals, its trading neighbours). Failures come back in words.
 */

export class IndexerError extends Error {}

export class IndexerClient {
  constructor(readonly url: string) {}

  private async fetchJson<T>(path: string, init?: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url.replace(/\/$/, "") + path, init);
    } catch {
      throw new IndexerError(`The community's indexer at ${this.url} cannot be reached. History will show again when it is back.`);
    }
    if (!res.ok) throw new IndexerError(`The community's indexer answered with HTTP ${res.status}. Try again in a moment.`);
    return (await res.json()) as T;
  }

  async query<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const body = await this.fetchJson<{ data?: T; errors?: { message: string }[] }>("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    if (body.errors?.length) throw new IndexerError(`The community's indexer refused a query: ${body.errors[0].message}`);
    return body.data as T;
  }

  get<T>(path: string): Promise<T> {
    return this.fetchJson<T>(path);
  }
}

/** One page of a table as Ponder's GraphQL returns it. */
export interface Page<T> {
  items: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export const PAGE_INFO = "pageInfo { hasNextPage endCursor } totalCount";
