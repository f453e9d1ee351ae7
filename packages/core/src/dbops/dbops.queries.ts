// SQL of database operations: catalog reads for manifests, database create/rename/drop on the
// maintenance connection, pg_stat_activity diagnostics, and the data-migration checkpoint table.
import { sql, type Kysely } from "kysely";
import type { DbOrTrx, Trx } from "../db/database";

// Admin statements run on a handle to the server's maintenance database, typed as nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- database-level statements only
export type AdminDb = Kysely<any>;

export async function selectServerVersion(db: DbOrTrx): Promise<{ version: string; versionNum: number }> {
  const { rows } = await sql<{ version: string; num: string }>`
    SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num`.execute(
    db,
  );
  const row = rows[0];
  return { version: row?.version ?? "unknown", versionNum: Number(row?.num ?? 0) };
}

export async function selectCurrentDatabase(db: DbOrTrx): Promise<string> {
  const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(db);
  return rows[0]?.name ?? "";
}

export async function selectMigrationVersion(db: DbOrTrx): Promise<string | null> {
  const { rows } = await sql<{ name: string | null }>`
    SELECT CASE WHEN to_regclass('public.kysely_migration') IS NULL THEN NULL
      ELSE (SELECT max(name) FROM kysely_migration) END AS name`.execute(db);
  return rows[0]?.name ?? null;
}

/** Exports the transaction's snapshot so pg_dump sees exactly what the counts saw. */
export async function exportSnapshot(trx: Trx): Promise<string> {
  const { rows } = await sql<{ id: string }>`SELECT pg_export_snapshot() AS id`.execute(trx);
  return rows[0]?.id ?? "";
}

interface TableRef {
  table: string;
  timeColumn: string | null;
}

async function selectPublicTables(db: DbOrTrx): Promise<TableRef[]> {
  const { rows } = await sql<{ table: string; timeColumn: string | null }>`
    SELECT t.table_name AS table,
      (SELECT c.column_name FROM information_schema.columns c
        WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
          AND c.column_name IN ('created_at', 'received_at')
          AND c.data_type LIKE 'timestamp%'
        ORDER BY c.column_name = 'created_at' DESC LIMIT 1) AS time_column
    FROM information_schema.tables t
    WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
    ORDER BY t.table_name`.execute(db);
  return rows;
}

/** Exact row counts and newest row time of every table in `public`. */
export async function selectTableStats(
  db: DbOrTrx,
): Promise<{ table: string; rows: number; newest: Date | null }[]> {
  const tables = await selectPublicTables(db);
  const out: { table: string; rows: number; newest: Date | null }[] = [];
  for (const t of tables) {
    const newest = t.timeColumn ? sql`max(${sql.ref(t.timeColumn)})` : sql`NULL::timestamptz`;
    const { rows } = await sql<{ n: string; newest: Date | null }>`
      SELECT count(*) AS n, ${newest} AS newest FROM ${sql.table(t.table)}`.execute(db);
    out.push({ table: t.table, rows: Number(rows[0]?.n ?? 0), newest: rows[0]?.newest ?? null });
  }
  return out;
}

/** Exact row counts of every table in `public`, in one statement (one round trip). */
export async function selectRowCounts(db: DbOrTrx): Promise<Map<string, number>> {
  const tables = await selectPublicTables(db);
  if (tables.length === 0) return new Map();
  const { rows } = await sql<{ table: string; n: string }>`${sql.join(
    tables.map((t) => sql`SELECT ${t.table}::text AS table, count(*) AS n FROM ${sql.table(t.table)}`),
    sql` UNION ALL `,
  )}`.execute(db);
  return new Map(rows.map((r) => [r.table, Number(r.n)]));
}

/** Rows of `table` newer than `since` (by its time column), or null when it has none. */
export async function countRowsNewerThan(db: DbOrTrx, table: string, since: Date): Promise<number | null> {
  const tables = await selectPublicTables(db);
  const ref = tables.find((t) => t.table === table);
  if (!ref?.timeColumn) return null;
  const { rows } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM ${sql.table(table)} WHERE ${sql.ref(ref.timeColumn)} > ${since}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

// Database-level statements (on the maintenance database).

export async function databaseExists(admin: AdminDb, name: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`SELECT 1 AS n FROM pg_database WHERE datname = ${name}`.execute(
    admin,
  );
  return rows.length > 0;
}

export async function createDatabase(admin: AdminDb, name: string): Promise<void> {
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin);
}

export async function dropDatabase(admin: AdminDb, name: string): Promise<void> {
  await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
}

export async function setAllowConnections(admin: AdminDb, name: string, allow: boolean): Promise<void> {
  await sql`ALTER DATABASE ${sql.id(name)} ALLOW_CONNECTIONS ${sql.raw(allow ? "true" : "false")}`.execute(
    admin,
  );
}

export async function renameDatabase(admin: AdminDb, from: string, to: string): Promise<void> {
  await sql`ALTER DATABASE ${sql.id(from)} RENAME TO ${sql.id(to)}`.execute(admin);
}

/** Ends every other session on `name` (our own connection is on another database). */
export async function terminateDatabaseSessions(admin: AdminDb, name: string): Promise<number> {
  const { rows } = await sql<{ pid: number }>`
    SELECT pg_terminate_backend(pid) AS ok, pid FROM pg_stat_activity
    WHERE datname = ${name} AND pid <> pg_backend_pid()`.execute(admin);
  return rows.length;
}

// Diagnostics.

export async function selectConnectionSettings(
  db: DbOrTrx,
): Promise<{ maxConnections: number; total: number; ours: number; ownPid: number; database: string }> {
  const { rows } = await sql<{ max: string; total: string; ours: string; pid: number; db: string }>`
    SELECT current_setting('max_connections') AS max,
      (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS total,
      (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()) AS ours,
      pg_backend_pid() AS pid, current_database() AS db`.execute(db);
  const r = rows[0];
  return {
    maxConnections: Number(r?.max ?? 0),
    total: Number(r?.total ?? 0),
    ours: Number(r?.ours ?? 0),
    ownPid: r?.pid ?? 0,
    database: r?.db ?? "",
  };
}

export async function selectConnectionsByState(db: DbOrTrx) {
  const { rows } = await sql<{ state: string; application: string; count: string }>`
    SELECT coalesce(state, 'unknown') AS state, coalesce(nullif(application_name, ''), '(none)') AS application,
      count(*) AS count
    FROM pg_stat_activity
    WHERE datname = current_database() AND backend_type = 'client backend'
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`.execute(db);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

export interface ActivityRow {
  pid: number;
  user: string | null;
  application: string;
  state: string;
  waitEvent: string | null;
  durationSeconds: number;
  query: string;
  blockedBy: number[];
}

/** Client backends on our database running for at least `minSeconds`, or blocked/blocking. */
export async function selectActivity(db: DbOrTrx, minSeconds: number): Promise<ActivityRow[]> {
  const { rows } = await sql<ActivityRow>`
    SELECT pid, usename AS user, coalesce(nullif(application_name, ''), '(none)') AS application,
      coalesce(state, 'unknown') AS state,
      CASE WHEN wait_event IS NULL THEN NULL ELSE wait_event_type || ':' || wait_event END AS wait_event,
      extract(epoch FROM now() - coalesce(query_start, backend_start))::float8 AS duration_seconds,
      left(query, 300) AS query,
      pg_blocking_pids(pid) AS blocked_by
    FROM pg_stat_activity
    WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
      AND (
        (state <> 'idle' AND now() - coalesce(query_start, backend_start) >= make_interval(secs => ${minSeconds}))
        OR cardinality(pg_blocking_pids(pid)) > 0
        OR pid IN (SELECT unnest(pg_blocking_pids(a.pid)) FROM pg_stat_activity a WHERE a.datname = current_database())
      )
    ORDER BY duration_seconds DESC LIMIT 50`.execute(db);
  return rows;
}

/**
 * Largest tables and indexes from the catalog's page counts (as of the last VACUUM/ANALYZE):
 * pg_total_relation_size would open each relation and wait behind an exclusive lock, the very
 * situation diagnostics are opened for.
 */
export async function selectLargestRelations(db: DbOrTrx, limit: number) {
  const { rows } = await sql<{ name: string; kind: "table" | "index"; bytes: string; pretty: string }>`
    SELECT c.relname AS name, CASE c.relkind WHEN 'i' THEN 'index' ELSE 'table' END AS kind,
      c.relpages::bigint * current_setting('block_size')::bigint AS bytes,
      pg_size_pretty(c.relpages::bigint * current_setting('block_size')::bigint) AS pretty
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'i')
    ORDER BY c.relpages DESC, c.relname LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ ...r, bytes: Number(r.bytes) }));
}

export interface BackendRow {
  pid: number;
  database: string | null;
  backendType: string;
  application: string | null;
  state: string | null;
}

export async function selectBackend(db: DbOrTrx, pid: number): Promise<BackendRow | undefined> {
  const { rows } = await sql<BackendRow>`
    SELECT pid, datname AS database, backend_type, application_name AS application, state
    FROM pg_stat_activity WHERE pid = ${pid}`.execute(db);
  return rows[0];
}

export async function selectOwnPid(db: DbOrTrx): Promise<number> {
  const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db);
  return rows[0]?.pid ?? 0;
}

export async function cancelBackend(db: DbOrTrx, pid: number): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`SELECT pg_cancel_backend(${pid}) AS ok`.execute(db);
  return rows[0]?.ok ?? false;
}

export async function terminateBackend(db: DbOrTrx, pid: number): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`SELECT pg_terminate_backend(${pid}) AS ok`.execute(db);
  return rows[0]?.ok ?? false;
}

// Data-migration checkpoints.

export async function selectDataMigrationRow(db: DbOrTrx, name: string) {
  return db.selectFrom("dataMigrations").selectAll().where("name", "=", name).executeTakeFirst();
}

export async function selectDataMigrationRows(db: DbOrTrx) {
  return db.selectFrom("dataMigrations").selectAll().orderBy("name").execute();
}

/** Creates the row if missing and locks it. */
export async function lockDataMigrationRow(trx: Trx, name: string) {
  await trx
    .insertInto("dataMigrations")
    .values({ name })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  return trx
    .selectFrom("dataMigrations")
    .selectAll()
    .where("name", "=", name)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export async function updateDataMigrationRow(
  db: DbOrTrx,
  name: string,
  values: {
    status?: string;
    checkpoint?: string | null;
    rowsScanned?: number;
    rowsChanged?: number;
    batches?: number;
    startedAt?: Date | null;
    finishedAt?: Date | null;
    error?: string | null;
    pauseRequested?: boolean;
  },
): Promise<void> {
  await db
    .updateTable("dataMigrations")
    .set({ ...values, updatedAt: new Date() } as never)
    .where("name", "=", name)
    .execute();
}

/** Adds one batch's counts and moves the checkpoint, in the batch's own transaction. */
export async function advanceDataMigration(
  trx: Trx,
  name: string,
  batch: { checkpoint: string; scanned: number; changed: number },
): Promise<{ pauseRequested: boolean }> {
  return trx
    .updateTable("dataMigrations")
    .set({
      checkpoint: batch.checkpoint,
      rowsScanned: sql<number>`rows_scanned + ${batch.scanned}`,
      rowsChanged: sql<number>`rows_changed + ${batch.changed}`,
      batches: sql<number>`batches + 1`,
      updatedAt: new Date(),
    })
    .where("name", "=", name)
    .returning("pauseRequested")
    .executeTakeFirstOrThrow();
}

// The product-images migration: plain URL strings → { url, alt, position } objects.

// One element of `images` that is the old runbook's marker: an object whose only key is "migrated".
const isMarker = (e: string) =>
  sql.raw(`(jsonb_typeof(${e}) = 'object' AND ${e} ? 'migrated' AND ${e} - 'migrated' = '{}'::jsonb)`);

/** Rows whose images need the change: an array holding a plain string or a marker. */
const needsChange = (images: string) => sql`(jsonb_typeof(${sql.raw(images)}) = 'array' AND EXISTS (
  SELECT 1 FROM jsonb_array_elements(${sql.raw(images)}) m(e) WHERE jsonb_typeof(m.e) = 'string' OR ${isMarker("m.e")}))`;

/** The keyset batch after `after`: ids in key order, optionally locked. */
const keysetBatch = (after: string | null, limit: number, lock: boolean) => sql`
  SELECT id, name, images FROM products
  ${after === null ? sql`` : sql`WHERE id > ${after}::uuid`}
  ORDER BY id LIMIT ${limit} ${lock ? sql`FOR UPDATE` : sql``}`;

export interface BatchOutcome {
  scanned: number;
  changed: number;
  last: string | null;
}

/**
 * One keyset batch of the product-images migration as a single set-based statement: locks the
 * batch, rewrites in SQL the rows that need it (strings become { url, alt, position }, markers go,
 * positions renumbered), and returns how many rows it saw and changed and the batch's last key.
 */
export async function migrateProductImagesBatch(
  trx: Trx,
  after: string | null,
  limit: number,
): Promise<BatchOutcome> {
  const { rows } = await sql<{ scanned: string; changed: string; last: string | null }>`
    WITH batch AS (${keysetBatch(after, limit, true)}),
    changed AS (
      UPDATE products p SET images = (
        SELECT coalesce(jsonb_agg(CASE jsonb_typeof(s.e)
            WHEN 'string' THEN jsonb_build_object('url', s.e #>> '{}', 'alt', b.name, 'position', s.pos)
            WHEN 'object' THEN s.e || jsonb_build_object('position', s.pos)
            ELSE jsonb_build_object('position', s.pos) END ORDER BY s.pos), '[]'::jsonb)
        FROM (SELECT x.e, row_number() OVER (ORDER BY x.i) - 1 AS pos
              FROM jsonb_array_elements(b.images) WITH ORDINALITY AS x(e, i)
              WHERE NOT ${isMarker("x.e")}) s)
      FROM batch b
      WHERE p.id = b.id AND ${needsChange("b.images")}
      RETURNING 1)
    SELECT (SELECT count(*) FROM batch) AS scanned, (SELECT count(*) FROM changed) AS changed,
      (SELECT id::text FROM batch ORDER BY id DESC LIMIT 1) AS last`.execute(trx);
  const r = rows[0];
  return { scanned: Number(r?.scanned ?? 0), changed: Number(r?.changed ?? 0), last: r?.last ?? null };
}

/** The same batch read only (dry runs): how many rows it holds and how many would change. */
export async function countProductImagesBatch(
  db: DbOrTrx,
  after: string | null,
  limit: number,
): Promise<BatchOutcome> {
  const { rows } = await sql<{ scanned: string; changed: string; last: string | null }>`
    WITH batch AS (${keysetBatch(after, limit, false)})
    SELECT count(*) AS scanned, count(*) FILTER (WHERE ${needsChange("b.images")}) AS changed,
      (SELECT id::text FROM batch ORDER BY id DESC LIMIT 1) AS last
    FROM batch b`.execute(db);
  const r = rows[0];
  return { scanned: Number(r?.scanned ?? 0), changed: Number(r?.changed ?? 0), last: r?.last ?? null };
}

/** Products whose images still hold a plain string or a marker. */
export async function countProductsWithPlainImages(db: DbOrTrx): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM products WHERE ${needsChange("images")}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** A session-level lock held by one migration runner; ends with its connection if the process dies. */
export async function tryAdvisoryLock(db: DbOrTrx, key: string): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(hashtext(${key})) AS ok`.execute(
    db,
  );
  return rows[0]?.ok ?? false;
}

export async function advisoryUnlock(db: DbOrTrx, key: string): Promise<void> {
  await sql`SELECT pg_advisory_unlock(hashtext(${key}))`.execute(db);
}

export { enqueueJob } from "../jobs/queue";

// Webhook events a restore must carry over: received (and acknowledged) while it ran.

export async function selectWebhookEventsSince(db: DbOrTrx, since: Date) {
  return db
    .selectFrom("webhookEvents")
    .select([
      "provider",
      "providerEventId",
      "eventType",
      "payload",
      "rawBytes",
      "payloadSanitized",
      "headers",
      "paymentReference",
      "orderReference",
      "receivedAt",
    ])
    .where("receivedAt", ">=", since)
    .orderBy("receivedAt")
    .execute();
}

/** Stores events as newly received (skipping any the database already has) and returns the new ids. */
export async function insertCarriedWebhookEvents(
  trx: Trx,
  rows: Awaited<ReturnType<typeof selectWebhookEventsSince>>,
): Promise<string[]> {
  if (rows.length === 0) return [];
  const inserted = await trx
    .insertInto("webhookEvents")
    .values(
      rows.map((r) => ({ ...r, payload: JSON.stringify(r.payload), headers: JSON.stringify(r.headers) })),
    )
    .onConflict((oc) => oc.columns(["provider", "providerEventId"]).doNothing())
    .returning("id")
    .execute();
  return inserted.map((r) => r.id);
}

export interface StaleTableRow {
  table: string;
  deadRows: number;
  vacuum: boolean;
  analyze: boolean;
}

/**
 * The application's tables (ours and graphile-worker's) that autovacuum would vacuum or analyze
 * now, by its formulas (threshold + scale factor × rows) and settings, a table's own options
 * first, among those the connected role may vacuum (their owner, a member of it, or a superuser).
 */
export async function selectStaleTables(db: DbOrTrx): Promise<StaleTableRow[]> {
  const setting = (name: string) => sql`coalesce(
    (SELECT split_part(o, '=', 2) FROM unnest(c.reloptions) o WHERE o LIKE ${`${name}=%`}),
    current_setting(${name}))::float8`;
  const { rows } = await sql<StaleTableRow>`
    SELECT * FROM (
      SELECT format('%I.%I', s.schemaname, s.relname) AS table, s.n_dead_tup::int AS dead_rows,
        s.n_dead_tup > ${setting("autovacuum_vacuum_threshold")}
          + ${setting("autovacuum_vacuum_scale_factor")} * greatest(c.reltuples, 0) AS vacuum,
        s.n_mod_since_analyze > ${setting("autovacuum_analyze_threshold")}
          + ${setting("autovacuum_analyze_scale_factor")} * greatest(c.reltuples, 0) AS "analyze"
      FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.schemaname IN ('public', 'graphile_worker') AND pg_has_role(c.relowner, 'USAGE')
    ) t
    WHERE vacuum OR "analyze"
    ORDER BY dead_rows DESC, "table"`.execute(db);
  return rows;
}

/** Whether the server's autovacuum launcher runs (a table's own autovacuum_enabled cannot start it). */
export async function autovacuumIsOn(db: DbOrTrx): Promise<boolean> {
  const { rows } = await sql<{ on: boolean }>`SELECT current_setting('autovacuum') = 'on' AS on`.execute(db);
  return rows[0]?.on ?? true;
}

/**
 * VACUUM (and ANALYZE if due) or ANALYZE alone, skipping a table another session holds locked.
 * Not in a transaction: VACUUM refuses to run inside one. `table` is quoted (format('%I.%I')).
 */
export async function vacuumOrAnalyze(db: DbOrTrx, t: StaleTableRow): Promise<void> {
  const table = sql.raw(t.table);
  if (t.vacuum)
    await sql`VACUUM (SKIP_LOCKED, ANALYZE ${sql.raw(t.analyze ? "true" : "false")}) ${table}`.execute(db);
  else await sql`ANALYZE (SKIP_LOCKED) ${table}`.execute(db);
}
