// Kysely + pg client factory. Callers own the returned handle and must destroy() it.
import { CamelCasePlugin, Kysely, PostgresDialect } from "kysely";
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
  pool.on("connect", (client) => client.on("error", onError));
  return pool;
}

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
