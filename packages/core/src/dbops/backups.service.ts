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
  selectRowCounts,
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
  // flush: fsync before close, as pg_dump --file does (a backup on disk must survive a power cut).
  const out = createWriteStream(file, { highWaterMark: 1 << 20, flush: true });
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
  const now = await selectRowCounts(db);
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

/** A step's outcome recorded as it is known (for steps whose work overlapped another's). */
function settled(
  name: TVerificationStep["step"],
  durationMs: number,
  result: { ok: true; message: string } | { ok: false; message: string },
): TVerificationStep {
  return { step: name, ok: result.ok, durationMs: Math.round(durationMs), message: result.message };
}

/** The checksum verdict on a dump's digest. */
function judgeDigest(
  backup: TBackupManifest,
  digest: { sha256: string; size: number },
): { ok: true; message: string } | { ok: false; message: string } {
  if (digest.size !== backup.sizeBytes)
    return {
      ok: false,
      message: `size is ${digest.size} bytes, the manifest says ${backup.sizeBytes} (truncated or replaced)`,
    };
  if (digest.sha256 !== backup.sha256)
    return {
      ok: false,
      message: `SHA-256 is ${digest.sha256.slice(0, 16)}…, the manifest says ${backup.sha256.slice(0, 16)}… (altered)`,
    };
  return { ok: true, message: `sha256 ${digest.sha256.slice(0, 16)}… and ${digest.size} bytes match` };
}

/**
 * Proves a backup restores: checksum and size, pg_restore --list, a full restore into a scratch
 * database (dropped afterwards) whose row counts must equal the manifest's. Recorded either way.
 * The SHA-256 is computed alongside the restore rather than as a pass before it; a dump whose
 * size or digest does not match fails as truncated or altered whatever the restore did.
 */
export async function verifyBackup(deps: DbopsDeps, actor: Actor, raw: unknown): Promise<TVerification> {
  const { config } = deps;
  const backup = await getBackup(config, raw);
  const file = backupPaths(config.backupDir, backup.id).dump;
  const startedAt = new Date().toISOString();
  const steps: TVerificationStep[] = [];
  const t0 = performance.now();
  const size = await stat(file).then(
    (s) => s.size,
    () => null,
  );
  let pgRestorePath = "";
  const check = async (): Promise<void> => {
    if (size === null) {
      steps.push(settled("checksum", 0, { ok: false, message: `dump file ${file} is missing` }));
      return;
    }
    if (size !== backup.sizeBytes) {
      // Truncated or grown: no need to read it.
      steps.push(settled("checksum", performance.now() - t0, judgeDigest(backup, { sha256: "", size })));
      return;
    }
    const listed = await step(steps, "list", async () => {
      const server = await selectServerVersion(deps.db);
      pgRestorePath = (await resolvePgTool("pg_restore", server.versionNum, config.pgBinDir)).path;
      const { stdout } = await runTool(pgRestorePath, ["--list", file]);
      const entries = stdout.split("\n").filter((l) => l && !l.startsWith(";")).length;
      return `table of contents readable: ${entries} entries`;
    });
    if (!listed) {
      const tc = performance.now();
      steps.unshift(settled("checksum", performance.now() - tc, judgeDigest(backup, await sha256File(file))));
      return;
    }
    const scratch = scratchName(config, "verify");
    try {
      const tr = performance.now();
      // The same pg_restore invocation a DBA would run on the file; the file is hashed meanwhile
      // (a second read, served from the page cache, on another core).
      const [hashed, restoreError] = await Promise.all([
        sha256File(file),
        (async () => {
          await withAdmin(config, (admin) => createDatabase(admin, scratch));
          await runTool(
            pgRestorePath,
            ["--exit-on-error", "--single-transaction", "--no-password", `--dbname=${scratch}`, file],
            { env: libpqEnv(urlForDatabase(config.databaseUrl, scratch)) },
          );
          return null;
        })().catch((e: unknown) => e as Error),
      ]);
      const restoreMs = performance.now() - tr;
      const digest = judgeDigest(backup, hashed);
      steps.unshift(
        settled("checksum", restoreMs, {
          ...digest,
          message: digest.ok ? `${digest.message} (hashed alongside the restore)` : digest.message,
        }),
      );
      steps.push(
        settled(
          "restore",
          restoreMs,
          restoreError
            ? { ok: false, message: restoreError.message }
            : { ok: true, message: `restored into scratch database ${scratch}` },
        ),
      );
      if (!digest.ok || restoreError) return;
      await step(steps, "counts", async () => {
        const mismatches = await withDatabaseNamed(config, scratch, (db) => compareCounts(db, backup));
        if (mismatches.length) throw new Error(`row counts differ: ${mismatches.join("; ")}`);
        return `row counts of ${backup.tables.length} tables match the manifest`;
      });
    } finally {
      await withAdmin(config, (admin) => dropDatabase(admin, scratch));
    }
  };
  await check();
  const ok = steps.length === 4 && steps.every((s) => s.ok);
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
