// Kysely + pg client factory. Callers own the returned handle and must destroy() it.
import { createHash } from "node:crypto";
import { CamelCasePlugin, Kysely, PostgresDialect, type RawBuilder, sql } from "kysely";
import pg from "pg";
import type { Database, Db } from "./database";
import { SwappablePool } from "./swappable-pool";

// Return BIGINT (audit seq, counts) as strings untouched and NUMERIC as strings; parse
// int8 counts where needed explicitly.
export interface CreateDbOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
  statementTimeoutMs?: number;
  /** Told of each lost connection (a Postgres restart); the pool recovers either way. */
  onConnectionError?: (error: Error) => void;
}

export function createPool(opts: CreateDbOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? "radha-ops",
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
  });
  // A client losing its connection must not crash the process: an idle one is replaced by the
  // pool; a checked-out one (between a transaction's statements, a LISTEN connection) fails its
  // next query instead. graphile-worker checks for both listeners on the pool it is given.
  const onError = opts.onConnectionError ?? (() => undefined);
  pool.on("error", onError);
  pool.on("connect", (client) => {
    client.on("error", onError);
    sendMarkedAsPrepared(client);
  });
  return pool;
}

/**
 * A statement whose text starts with `preparedStatement(name)` is sent as a named prepared
 * statement: Postgres parses and plans it once per connection and then only binds and runs it.
 * For hot statements of constant text (arrays as parameters, not a VALUES row per item): the
 * webhook intake's group insert spent a quarter of its backend CPU parsing and planning.
 * The statement's name carries a hash of its text, so two texts never share a name.
 */
export function preparedStatement(name: string): RawBuilder<unknown> {
  return sql.raw(`${PREPARED_MARKER}${name} */`);
}
const PREPARED_MARKER = "/* prepared: ";

function sendMarkedAsPrepared(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const named = (text: string) => {
    const name = text.slice(PREPARED_MARKER.length, text.indexOf(" */"));
    return `${name}_${createHash("sha1").update(text).digest("hex").slice(0, 12)}`;
  };
  client.query = ((config: unknown, ...rest: unknown[]) => {
    if (typeof config !== "string" || !config.startsWith(PREPARED_MARKER)) return query(config, ...rest);
    let name = names.get(config);
    if (!name) names.set(config, (name = named(config)));
    const [values, callback] = rest;
    return query({ name, text: config, values }, callback);
  }) as typeof client.query;
}
const names = new Map<string, string>();

export function createDb(opts: CreateDbOptions): { db: Db; pool: pg.Pool } {
  const pool = createPool(opts);
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    // JSON columns (webhook payloads, audit before/after) keep their keys exactly as stored.
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
  return { db, pool };
}

/**
 * createDb on a SwappablePool: `pool.swap(url)` moves new connections to other credentials while
 * the running process keeps serving (database password rotation); the old pool drains.
 */
export function createSwappableDb(opts: CreateDbOptions & { onDrained?: (info: { user: string }) => void }): {
  db: Db;
  pool: SwappablePool;
} {
  const pool = new SwappablePool(opts.connectionString, {
    makePool: (connectionString) => createPool({ ...opts, connectionString }),
    ...(opts.onDrained ? { onDrained: opts.onDrained } : {}),
  });
  const db = new Kysely<Database>({
    // Kysely needs connect() and end() only; the wrapper hands out the current pool's clients.
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
  return { db, pool };
}
