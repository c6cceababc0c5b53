/**
 * What the indexer serves: GraphQL at /graphql (every table, filtered, ordered and paged with `limit` and
 * cursors), SQL over HTTP at /sql for @ponder/client, and two aggregates a household's pages need that a paged
 * list cannot give (its totals and its trading neighbours); Ponder itself serves /health, /ready and /status.
 * Browsers on another origin (the dApp, a researcher's notebook) may read it: it is public chain data.
 */
import { db } from "ponder:api";
import schema, { bill, market, trade } from "ponder:schema";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { and, client, count, eq, gte, graphql, lte, sql, sum } from "ponder";

const app = new Hono();
app.use("*", cors());
app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const whole = (text: string | undefined) => (text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined);

/** A household's bills summed over an optional interval range (`from`, `to`): amounts nano-euro, received less paid. */
app.get("/households/:address/summary", async (c) => {
  const who = c.req.param("address");
  if (!ADDRESS.test(who)) return c.json({ error: `not an address: ${who}` }, 400);
  const from = whole(c.req.query("from"));
  const to = whole(c.req.query("to"));
  const where = and(
    eq(bill.participant, who.toLowerCase() as `0x${string}`),
    from === undefined ? undefined : gte(bill.interval, from),
    to === undefined ? undefined : lte(bill.interval, to),
  );
  const [row] = await db
    .select({
      bills: count(),
      amount: sum(bill.amount),
      bauAmount: sum(bill.bauAmount),
      p2pBoughtWh: sum(bill.p2pBoughtWh),
      p2pSoldWh: sum(bill.p2pSoldWh),
      firstInterval: sql<number>`min(${bill.interval})`,
      lastInterval: sql<number>`max(${bill.interval})`,
    })
    .from(bill)
    .where(where);
  return c.json({
    bills: Number(row?.bills ?? 0),
    amount: String(row?.amount ?? 0),
    bauAmount: String(row?.bauAmount ?? 0),
    p2pBoughtWh: Number(row?.p2pBoughtWh ?? 0),
    p2pSoldWh: Number(row?.p2pSoldWh ?? 0),
    firstInterval: row?.firstInterval ?? null,
    lastInterval: row?.lastInterval ?? null,
  });
});

/** A household's bills summed per community day (local midnight to midnight), newest first: `limit` days. */
app.get("/households/:address/days", async (c) => {
  const who = c.req.param("address");
  if (!ADDRESS.test(who)) return c.json({ error: `not an address: ${who}` }, 400);
  const limit = Math.min(whole(c.req.query("limit")) ?? 14, 366);
  const [config] = await db.select().from(market).limit(1);
  const start = config?.dayStartSlot ?? 0;
  // the day start is the market's own integer: inlined, so that the grouped and the selected expression are one
  const dayOf = sql<number>`floor((${bill.interval} - ${sql.raw(String(Math.trunc(start)))})::numeric / 96)::integer`;
  const rows = await db
    .select({
      day: dayOf,
      bills: count(),
      amount: sum(bill.amount),
      bauAmount: sum(bill.bauAmount),
      p2pBoughtWh: sum(bill.p2pBoughtWh),
      p2pSoldWh: sum(bill.p2pSoldWh),
    })
    .from(bill)
    .where(eq(bill.participant, who.toLowerCase() as `0x${string}`))
    .groupBy(dayOf)
    .orderBy(sql`1 desc`)
    .limit(limit);
  return c.json({
    days: rows.map((r) => ({
      day: Number(r.day),
      firstInterval: Number(r.day) * 96 + start,
      bills: Number(r.bills),
      amount: String(r.amount ?? 0),
      bauAmount: String(r.bauAmount ?? 0),
      p2pBoughtWh: Number(r.p2pBoughtWh ?? 0),
      p2pSoldWh: Number(r.p2pSoldWh ?? 0),
    })),
  });
});

/** The neighbours a household traded with: Wh bought from and sold to each, their value (nano-euro) and trades. */
app.get("/households/:address/traders", async (c) => {
  const who = c.req.param("address");
  if (!ADDRESS.test(who)) return c.json({ error: `not an address: ${who}` }, 400);
  const me = who.toLowerCase() as `0x${string}`;
  const limit = Math.min(whole(c.req.query("limit")) ?? 50, 500);
  type Party = typeof trade.seller | typeof trade.buyer;
  const side = (mine: Party, other: Party) =>
    db
      .select({ other, wh: sum(trade.wh), value: sql<string>`sum(${trade.wh}::bigint * ${trade.price}::bigint)`, trades: count() })
      .from(trade)
      .where(eq(mine, me))
      .groupBy(other);
  const [sold, bought] = await Promise.all([side(trade.seller, trade.buyer), side(trade.buyer, trade.seller)]);
  const traders = new Map<string, { address: string; boughtWh: number; soldWh: number; value: bigint; trades: number }>();
  const row = (address: string) => traders.get(address) ?? { address, boughtWh: 0, soldWh: 0, value: 0n, trades: 0 };
  for (const [list, key] of [
    [sold, "soldWh"],
    [bought, "boughtWh"],
  ] as const) {
    for (const r of list) {
      const t = row(r.other);
      t[key] += Number(r.wh ?? 0);
      t.value += BigInt(r.value ?? 0);
      t.trades += Number(r.trades);
      traders.set(r.other, t);
    }
  }
  const ranked = [...traders.values()].sort((a, b) => b.boughtWh + b.soldWh - (a.boughtWh + a.soldWh));
  return c.json({ traders: ranked.slice(0, limit).map((t) => ({ ...t, value: String(t.value) })), total: ranked.length });
});

export default app;
