/**
 * What the indexer serves: GraphQL at /graphql (every table, filtered, ordered and paged with `limit` and
 * cursors) and SQL over HTTP at /sql for @ponder/client; Ponder itself serves /health, /ready and /status.
 * Browsers on another origin (the dApp's dev server, a researcher's notebook) may read it: it is public data.
 */
import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { client, graphql } from "ponder";

const app = new Hono();
app.use("*", cors());
app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));

export default app;
