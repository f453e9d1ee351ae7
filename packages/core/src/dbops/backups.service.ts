// Backups: pg_dump (custom format) of the configured database inside the same snapshot its row
// counts are taken from, hashed while written, catalogued by a manifest, optionally copied to S3;
// verification proves a backup restores by restoring it into a scratch database.
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { type Actor, recordAuditEvent } from "../audit/audit.service";
import { createDb } from "../db/client";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { decodeCursor, encodeCursor } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { z } from "zod";
import {
  backupPaths,
  newOpsId,
  readBackup,
  readBackups,
  recordVerification,
  sha256File,
  writeManifest,
} from "./backup-store";
import { databaseNameOf, urlForDatabase, type DbopsConfig } from "./config";
import {
  type AdminDb,
  createDatabase,
  dropDatabase,
  exportSnapshot,
  selectMigrationVersion,
  selectServerVersion,
  selectTableStats,
} from "./dbops.queries";
import {
  ZBackupList,
  ZBackupRef,
  ZCreateBackup,
  type TBackup,
  type TBackupManifest,
  type TTableStat,
  type TVerification,
  type TVerificationStep,
} from "./dbops.schema";
import { libpqEnv, resolvePgTool, runTool } from "./pg-tools";
import { createBackupBucket, type RemoteObject } from "./s3";

export interface DbopsDeps {
  db: Db;
  config: DbopsConfig;
}

/** Runs `fn` on a one-connection handle to the server's maintenance database (CREATE/DROP/RENAME DATABASE). */
export async function withAdmin<T>(config: DbopsConfig, fn: (admin: AdminDb) => Promise<T>): Promise<T> {
  const { db } = createDb({
    connectionString: urlForDatabase(config.databaseUrl, "postgres"),
    max: 1,
    applicationName: "radha-ops-dbops-admin",
  });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** Runs `fn` on a short-lived handle to another database on the same server. */
export async function withDatabaseNamed<T>(
  config: DbopsConfig,
  name: string,
  fn: (db: Db) => Promise<T>,
): Promise<T> {
  const { db } = createDb({
    connectionString: urlForDatabase(config.databaseUrl, name),
    max: 2,
    applicationName: "radha-ops-dbops",
  });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

function toTableStats(rows: { table: string; rows: number; newest: Date | null }[]): TTableStat[] {
  return rows.map((r) => ({ table: r.table, rows: r.rows, newest: r.newest?.toISOString() ?? null }));
}

/** A sink that hashes and counts what passes through it while writing it to `file`. */
function hashingFileSink(file: string) {
  const hash = createHash("sha256");
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let size = 0;
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      if (out.write(chunk)) cb();
      else out.once("drain", () => cb());
    },
    final(cb) {
      out.end(cb);
    },
  });
  return { sink, done: () => ({ sha256: hash.digest("hex"), size }) };
}

export async function createBackup(deps: DbopsDeps, actor: Actor, raw: unknown = {}): Promise<TBackup> {
  const input = ZCreateBackup.parse(raw);
  const { config, db } = deps;
  const server = await selectServerVersion(db);
  const pgDump = await resolvePgTool("pg_dump", server.versionNum, config.pgBinDir);
  await mkdir(config.backupDir, { recursive: true });
  const started = new Date();
  const id = newOpsId("bk", started);
  const paths = backupPaths(config.backupDir, id);
  const partial = `${paths.dump}.partial`;
  const database = databaseNameOf(config.databaseUrl);

  let tables: TTableStat[] = [];
  let migrationVersion: string | null = null;
  let digest = { sha256: "", size: 0 };
  try {
    // The counts and the dump read the same snapshot, so a verification can demand exact equality
    // even while the application keeps writing.
    await db
      .transaction()
      .setIsolationLevel("repeatable read")
      .setAccessMode("read only")
      .execute(async (trx) => {
        const snapshot = await exportSnapshot(trx);
        tables = toTableStats(await selectTableStats(trx));
        migrationVersion = await selectMigrationVersion(trx);
        const { sink, done } = hashingFileSink(partial);
        await runTool(pgDump.path, ["--format=custom", `--snapshot=${snapshot}`, "--no-password"], {
          env: libpqEnv(config.databaseUrl),
          stdout: sink,
        });
        sink.end();
        await finished(sink);
        digest = done();
      });
    await rename(partial, paths.dump);
  } catch (e) {
    await rm(partial, { force: true });
    throw e instanceof DomainError
      ? e
      : new DomainError("UNAVAILABLE", `Backup failed: ${(e as Error).message}`, { cause: e });
  }
  const finishedAt = new Date();
  const newest = tables
    .map((t) => t.newest)
    .filter((t): t is string => t !== null)
    .sort()
    .pop();
  const manifest: TBackupManifest = {
    id,
    label: input.label ?? null,
    database,
    serverVersion: server.version,
    pgDumpVersion: pgDump.version,
    migrationVersion,
    startedAt: started.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - started.getTime(),
    sizeBytes: digest.size,
    sha256: digest.sha256,
    file: `${id}.dump`,
    tables,
    newestRowAt: newest ?? null,
    s3: null,
  };
  await writeManifest(config.backupDir, manifest);
  if (config.s3) {
    const bucket = createBackupBucket(config.s3);
    try {
      const key = await bucket.upload(`${id}.dump`, paths.dump, "application/octet-stream");
      manifest.s3 = { bucket: bucket.bucket, key, copiedAt: new Date().toISOString() };
      await writeManifest(config.backupDir, manifest);
      await bucket.upload(`${id}.json`, paths.manifest, "application/json");
    } catch (e) {
      await recordAuditEvent(db, actor, {
        action: "backups.create",
        target: { type: "backup", id },
        after: { sizeBytes: manifest.sizeBytes, sha256: manifest.sha256, s3: "copy failed" },
      });
      throw new DomainError(
        "UNAVAILABLE",
        `Backup ${id} was written locally, but the copy to S3 bucket ${config.s3.bucket} failed: ${(e as Error).message}`,
        { cause: e },
      );
    } finally {
      bucket.destroy();
    }
  }
  await recordAuditEvent(db, actor, {
    action: "backups.create",
    target: { type: "backup", id },
    after: {
      label: manifest.label,
      sizeBytes: manifest.sizeBytes,
      sha256: manifest.sha256,
      durationMs: manifest.durationMs,
      s3: manifest.s3?.key ?? null,
    },
  });
  return { ...manifest, lastVerification: null, missing: false };
}

const ZBackupKey = z.tuple([z.string(), z.string()]);

/** Backups of the configured database, newest first, one page at a time. */
export async function listBackups(config: DbopsConfig, raw: unknown = {}): Promise<TPage<TBackup>> {
  const input = ZBackupList.parse(raw);
  const after = decodeCursor(input.cursor, ZBackupKey);
  const all = await readBackups(config.backupDir, databaseNameOf(config.databaseUrl));
  const rest = after
    ? all.filter((b) => b.startedAt < after[0] || (b.startedAt === after[0] && b.id < after[1]))
    : all;
  const items = rest.slice(0, input.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rest.length > input.limit && last ? encodeCursor([last.startedAt, last.id]) : null,
  };
}

export async function getBackup(config: DbopsConfig, raw: unknown): Promise<TBackup> {
  const { id } = ZBackupRef.parse(raw);
  const backup = await readBackup(config.backupDir, id);
  if (!backup) throw new DomainError("NOT_FOUND", `No backup ${id} in ${config.backupDir}`);
  return backup;
}

/** What the configured bucket holds under its prefix. */
export async function listRemoteBackups(config: DbopsConfig): Promise<RemoteObject[]> {
  if (!config.s3)
    throw new DomainError("PRECONDITION_FAILED", "No S3 bucket configured (OPS_BACKUP_S3_BUCKET)");
  const bucket = createBackupBucket(config.s3);
  try {
    return await bucket.list();
  } finally {
    bucket.destroy();
  }
}

/** A scratch database name on the same server: never the configured one, always distinct. */
export function scratchName(config: DbopsConfig, kind: string): string {
  const base = databaseNameOf(config.databaseUrl).slice(0, 30);
  return `${base}_${kind}_${randomBytes(4).toString("hex")}`;
}

/** pg_restore of a whole dump into a new database `name` (created here); exits on the first error. */
export async function restoreDumpInto(config: DbopsConfig, file: string, name: string): Promise<void> {
  const server = await withAdmin(config, (admin) => selectServerVersion(admin));
  const pgRestore = await resolvePgTool("pg_restore", server.versionNum, config.pgBinDir);
  await withAdmin(config, (admin) => createDatabase(admin, name));
  await runTool(
    pgRestore.path,
    ["--exit-on-error", "--single-transaction", "--no-password", `--dbname=${name}`, file],
    { env: libpqEnv(urlForDatabase(config.databaseUrl, name)) },
  );
}

/** Tables whose row count in `db` differs from the manifest's (tables the manifest lists). */
export async function compareCounts(db: Db, manifest: TBackupManifest): Promise<string[]> {
  const now = new Map((await selectTableStats(db)).map((t) => [t.table, t.rows]));
  return manifest.tables
    .filter((t) => now.get(t.table) !== t.rows)
    .map((t) => `${t.table}: ${String(now.get(t.table) ?? "missing")} rows, backup says ${t.rows}`);
}

async function step(
  steps: TVerificationStep[],
  name: TVerificationStep["step"],
  fn: () => Promise<string>,
): Promise<boolean> {
  const t0 = performance.now();
  try {
    const message = await fn();
    steps.push({ step: name, ok: true, durationMs: Math.round(performance.now() - t0), message });
    return true;
  } catch (e) {
    steps.push({
      step: name,
      ok: false,
      durationMs: Math.round(performance.now() - t0),
      message: (e as Error).message,
    });
    return false;
  }
}

/**
 * Proves a backup restores: checksum and size, pg_restore --list, a full restore into a scratch
 * database (dropped afterwards) whose row counts must equal the manifest's. Recorded either way.
 */
export async function verifyBackup(deps: DbopsDeps, actor: Actor, raw: unknown): Promise<TVerification> {
  const { config } = deps;
  const backup = await getBackup(config, raw);
  const file = backupPaths(config.backupDir, backup.id).dump;
  const startedAt = new Date().toISOString();
  const steps: TVerificationStep[] = [];
  const ok =
    (await step(steps, "checksum", async () => {
      const size = await stat(file).then(
        (s) => s.size,
        () => {
          throw new Error(`dump file ${file} is missing`);
        },
      );
      const { sha256 } = await sha256File(file);
      if (size !== backup.sizeBytes)
        throw new Error(
          `size is ${size} bytes, the manifest says ${backup.sizeBytes} (truncated or replaced)`,
        );
      if (sha256 !== backup.sha256)
        throw new Error(
          `SHA-256 is ${sha256.slice(0, 16)}…, the manifest says ${backup.sha256.slice(0, 16)}… (altered)`,
        );
      return `sha256 ${sha256.slice(0, 16)}… and ${size} bytes match`;
    })) &&
    (await step(steps, "list", async () => {
      const server = await selectServerVersion(deps.db);
      const pgRestore = await resolvePgTool("pg_restore", server.versionNum, config.pgBinDir);
      const { stdout } = await runTool(pgRestore.path, ["--list", file]);
      const entries = stdout.split("\n").filter((l) => l && !l.startsWith(";")).length;
      return `table of contents readable: ${entries} entries`;
    })) &&
    (await (async () => {
      const scratch = scratchName(config, "verify");
      try {
        return (
          (await step(steps, "restore", async () => {
            await restoreDumpInto(config, file, scratch);
            return `restored into scratch database ${scratch}`;
          })) &&
          (await step(steps, "counts", async () => {
            const mismatches = await withDatabaseNamed(config, scratch, (db) => compareCounts(db, backup));
            if (mismatches.length) throw new Error(`row counts differ: ${mismatches.join("; ")}`);
            return `row counts of ${backup.tables.length} tables match the manifest`;
          }))
        );
      } finally {
        await withAdmin(config, (admin) => dropDatabase(admin, scratch));
      }
    })());
  const failed = steps.find((s) => !s.ok);
  const verification: TVerification = {
    id: newOpsId("vf"),
    backupId: backup.id,
    outcome: ok ? "PASSED" : "FAILED",
    reason: failed ? `${failed.step}: ${failed.message}` : null,
    startedAt,
    finishedAt: new Date().toISOString(),
    steps,
    by: actor.label,
  };
  await recordVerification(config.backupDir, verification);
  await recordAuditEvent(deps.db, actor, {
    action: "backups.verify",
    target: { type: "backup", id: backup.id },
    after: { outcome: verification.outcome, reason: verification.reason },
  });
  return verification;
}
