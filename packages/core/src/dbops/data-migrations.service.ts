// Named data migrations (not schema): keyset batches, each in its own short transaction that also
// moves the checkpoint, so a killed run resumes where it stopped and no row is changed twice. A
// batch is one set-based statement (lock the keyset page, rewrite in SQL only the rows not yet in
// the new shape): idempotent by construction, with no marker written into the data, and close to
// the cost of one hand-written UPDATE. One runner per migration (advisory lock).
import { type Actor, writeAudit } from "../audit/audit.service";
import type { Db, DbOrTrx, Trx } from "../db/database";
import { DomainError } from "../errors";
import {
  advanceDataMigration,
  advisoryUnlock,
  type BatchOutcome,
  countProductImagesBatch,
  countProductsWithPlainImages,
  lockDataMigrationRow,
  migrateProductImagesBatch,
  selectDataMigrationRow,
  selectDataMigrationRows,
  tryAdvisoryLock,
  updateDataMigrationRow,
} from "./dbops.queries";
import {
  ZMigrationName,
  ZRunDataMigration,
  type TDataMigrationRunResult,
  type TDataMigrationState,
  type TDataMigrationStatus,
} from "./dbops.schema";

export interface DataMigration {
  name: string;
  description: string;
  /**
   * Migrates the keyset batch after `after` (at most `limit` rows, locked for the transaction) in
   * place, changing only rows not yet in the new shape.
   */
  migrateBatch(trx: Trx, after: string | null, limit: number): Promise<BatchOutcome>;
  /** The same batch, read only (dry runs): `changed` counts rows that would change. */
  countBatch(db: DbOrTrx, after: string | null, limit: number): Promise<BatchOutcome>;
  /** Rows still needing the change (the verify step: 0 when done). */
  remaining(db: DbOrTrx): Promise<number>;
}

export interface ProductImage {
  url: string;
  alt: string;
  position: number;
}

function isMarker(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && Object.keys(value).length === 1 && "migrated" in value
  );
}

/**
 * The product-images rewrite of one row, in JS: plain URL strings become { url, alt, position };
 * the old runbook's `{migrated: true}` markers go. The migration runs the same rewrite in SQL
 * (migrateProductImagesBatch); this is its reference, and the tests compare the two.
 */
export function convertProductImages(images: unknown, productName: string): ProductImage[] | null {
  if (!Array.isArray(images)) return null;
  if (!images.some((i) => typeof i === "string" || isMarker(i))) return null;
  return images
    .filter((i) => !isMarker(i))
    .map((img: unknown, position) =>
      typeof img === "string"
        ? { url: img, alt: productName, position }
        : ({ ...(img as object), position } as ProductImage),
    );
}

export const productImagesMigration: DataMigration = {
  name: "product-images-v1",
  description: "Product images: plain URL strings become { url, alt, position } objects (no marker written)",
  migrateBatch: migrateProductImagesBatch,
  countBatch: countProductImagesBatch,
  remaining: countProductsWithPlainImages,
};

export const DATA_MIGRATIONS: readonly DataMigration[] = [productImagesMigration];

function migrationNamed(name: string): DataMigration {
  const m = DATA_MIGRATIONS.find((x) => x.name === ZMigrationName.parse(name));
  if (!m)
    throw new DomainError(
      "NOT_FOUND",
      `No data migration named ${name}; known: ${DATA_MIGRATIONS.map((x) => x.name).join(", ")}`,
    );
  return m;
}

type MigrationRow = NonNullable<Awaited<ReturnType<typeof selectDataMigrationRow>>>;

function toState(
  m: DataMigration,
  row: MigrationRow | undefined,
  remaining: number | null,
): TDataMigrationState {
  return {
    name: m.name,
    description: m.description,
    status: row?.status ?? "PENDING",
    checkpoint: row?.checkpoint ?? null,
    rowsScanned: Number(row?.rowsScanned ?? 0),
    rowsChanged: Number(row?.rowsChanged ?? 0),
    batches: row?.batches ?? 0,
    startedAt: row?.startedAt?.toISOString() ?? null,
    updatedAt: row?.updatedAt.toISOString() ?? null,
    finishedAt: row?.finishedAt?.toISOString() ?? null,
    error: row?.error ?? null,
    remaining,
  };
}

export async function listDataMigrations(db: Db): Promise<TDataMigrationState[]> {
  const rows = await selectDataMigrationRows(db);
  return Promise.all(
    DATA_MIGRATIONS.map(async (m) =>
      toState(
        m,
        rows.find((r) => r.name === m.name),
        await m.remaining(db),
      ),
    ),
  );
}

export async function getDataMigration(db: Db, name: string): Promise<TDataMigrationState> {
  const m = migrationNamed(name);
  return toState(m, await selectDataMigrationRow(db, m.name), await m.remaining(db));
}

export interface MigrationProgress {
  scanned: number;
  changed: number;
  batches: number;
  checkpoint: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs (or resumes) a migration from its checkpoint, or with `dryRun` counts what would change
 * without writing. Stops after the batch in progress when a pause is requested.
 */
export async function runDataMigration(
  db: Db,
  actor: Actor,
  raw: unknown,
  onProgress?: (p: MigrationProgress) => void | Promise<void>,
): Promise<TDataMigrationRunResult> {
  const input = ZRunDataMigration.parse(raw);
  const m = migrationNamed(input.name);
  const t0 = performance.now();
  const minBatchMs = input.maxBatchesPerSecond > 0 ? 1000 / input.maxBatchesPerSecond : 0;

  if (input.dryRun) {
    let after: string | null = null;
    let scanned = 0;
    let wouldChange = 0;
    let batches = 0;
    for (;;) {
      const batch = await m.countBatch(db, after, input.batchSize);
      if (batch.scanned === 0) break;
      batches++;
      scanned += batch.scanned;
      wouldChange += batch.changed;
      after = batch.last;
      await onProgress?.({ scanned, changed: 0, batches, checkpoint: after });
      if (batch.scanned < input.batchSize) break;
    }
    return {
      name: m.name,
      dryRun: true,
      status: (await selectDataMigrationRow(db, m.name))?.status ?? "PENDING",
      rowsScanned: scanned,
      rowsChanged: 0,
      wouldChange,
      batches,
      durationMs: Math.round(performance.now() - t0),
      verify: null,
    };
  }

  const lockKey = `data-migration:${m.name}`;
  return db.connection().execute(async (conn) => {
    if (!(await tryAdvisoryLock(conn, lockKey)))
      throw new DomainError("CONFLICT", `Data migration ${m.name} is already running in another process`);
    try {
      const start = await conn.transaction().execute(async (trx) => {
        const row = await lockDataMigrationRow(trx, m.name);
        // A completed migration run again rescans from the start (and finds nothing to change).
        const fresh = row.status === "COMPLETED" || row.status === "PENDING";
        await updateDataMigrationRow(trx, m.name, {
          status: "RUNNING",
          pauseRequested: false,
          error: null,
          finishedAt: null,
          ...(fresh
            ? { checkpoint: null, rowsScanned: 0, rowsChanged: 0, batches: 0, startedAt: new Date() }
            : {}),
        });
        await recordAuditInTrx(
          trx,
          actor,
          m.name,
          fresh ? "data_migrations.start" : "data_migrations.resume",
          { from: fresh ? null : row.checkpoint, batchSize: input.batchSize },
        );
        return { checkpoint: fresh ? null : row.checkpoint };
      });
      let after = start.checkpoint;
      let status: TDataMigrationStatus = "RUNNING";
      let scanned = 0;
      let changed = 0;
      let batches = 0;
      try {
        for (;;) {
          const tb = performance.now();
          const batch = await conn.transaction().execute(async (trx) => {
            const done = await m.migrateBatch(trx, after, input.batchSize);
            if (done.scanned === 0 || done.last === null)
              return { n: 0, changed: 0, last: after, pause: false };
            const { pauseRequested } = await advanceDataMigration(trx, m.name, {
              checkpoint: done.last,
              scanned: done.scanned,
              changed: done.changed,
            });
            return { n: done.scanned, changed: done.changed, last: done.last, pause: pauseRequested };
          });
          if (batch.n === 0) break;
          batches++;
          scanned += batch.n;
          changed += batch.changed;
          after = batch.last;
          await onProgress?.({ scanned, changed, batches, checkpoint: after });
          if (batch.n < input.batchSize) break;
          if (batch.pause) {
            status = "PAUSED";
            break;
          }
          const wait = minBatchMs - (performance.now() - tb);
          if (wait > 0) await sleep(wait);
        }
      } catch (e) {
        await updateDataMigrationRow(conn, m.name, {
          status: "FAILED",
          error: (e as Error).message.slice(0, 1000),
        });
        throw e;
      }
      const remaining = await m.remaining(conn);
      if (status === "RUNNING") status = "COMPLETED";
      await conn.transaction().execute(async (trx) => {
        await updateDataMigrationRow(trx, m.name, {
          status,
          pauseRequested: false,
          ...(status === "COMPLETED" ? { finishedAt: new Date() } : {}),
        });
        await recordAuditInTrx(
          trx,
          actor,
          m.name,
          status === "PAUSED" ? "data_migrations.paused" : "data_migrations.complete",
          { scanned, changed, batches, remaining },
        );
      });
      return {
        name: m.name,
        dryRun: false,
        status,
        rowsScanned: scanned,
        rowsChanged: changed,
        wouldChange: remaining,
        batches,
        durationMs: Math.round(performance.now() - t0),
        verify: status === "COMPLETED" ? { ok: remaining === 0, remaining } : null,
      };
    } finally {
      await advisoryUnlock(conn, lockKey);
    }
  });
}

async function recordAuditInTrx(trx: Trx, actor: Actor, name: string, action: string, after: unknown) {
  await writeAudit(trx, actor, { action, target: { type: "data_migration", id: name }, after });
}

/** Asks a running migration to stop after its current batch. */
export async function pauseDataMigration(db: Db, actor: Actor, name: string): Promise<TDataMigrationState> {
  const m = migrationNamed(name);
  await db.transaction().execute(async (trx) => {
    const row = await lockDataMigrationRow(trx, m.name);
    if (row.status !== "RUNNING")
      throw new DomainError("CONFLICT", `${m.name} is ${row.status}, not RUNNING; nothing to pause`);
    await updateDataMigrationRow(trx, m.name, { pauseRequested: true });
    await recordAuditInTrx(trx, actor, m.name, "data_migrations.pause", { checkpoint: row.checkpoint });
  });
  return getDataMigration(db, m.name);
}

/** Verify: how many rows still need the change. */
export async function verifyDataMigration(
  db: Db,
  name: string,
): Promise<{ name: string; ok: boolean; remaining: number }> {
  const m = migrationNamed(name);
  const remaining = await m.remaining(db);
  return { name: m.name, ok: remaining === 0, remaining };
}
