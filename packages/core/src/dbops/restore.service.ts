// Restore: preview what a restore brings back and loses; apply takes a pre-restore backup, turns
// maintenance on, restores into a NEW database, migrates it, checks its counts, then swaps it in by
// renaming (the old database stays under a dated name). Every step is audited and in the report.
//
// The swap: connections to the live database are refused (ALLOW_CONNECTIONS false) and ended, the
// two databases are renamed, connections allowed again. Pools (server, worker, this process) see
// their idle connections end and open new ones by name, which now reach the restored database.
import { type Actor, recordAuditEvent } from "../audit/audit.service";
import { createDb } from "../db/client";
import type { Db } from "../db/database";
import { migrate } from "../db/migrate";
import { DomainError } from "../errors";
import { getFlag, setFlag } from "../system/system.service";
import { backupPaths, newOpsId, readRestoreReport, sha256File, writeRestoreReport } from "./backup-store";
import {
  compareCounts,
  createBackup,
  getBackup,
  restoreDumpInto,
  scratchName,
  withAdmin,
  withDatabaseNamed,
  type DbopsDeps,
} from "./backups.service";
import { databaseNameOf, urlForDatabase, type DbopsConfig } from "./config";
import { JOB, webhookJobKey } from "../jobs/queue";
import {
  countRowsNewerThan,
  enqueueJob,
  insertCarriedWebhookEvents,
  selectWebhookEventsSince,
  databaseExists,
  dropDatabase,
  renameDatabase,
  selectTableStats,
  setAllowConnections,
  terminateDatabaseSessions,
} from "./dbops.queries";
import {
  ZRestore,
  ZRestoreRef,
  ZStartRestore,
  type TBackup,
  type TRestorePreview,
  type TRestoreReport,
  type TRestoreStep,
} from "./dbops.schema";

const PROTECTED = new Set(["postgres", "template0", "template1"]);

export async function previewRestore(deps: DbopsDeps, raw: unknown): Promise<TRestorePreview> {
  const input = ZRestore.parse(raw);
  const backup = await getBackup(deps.config, { id: input.id });
  const database = databaseNameOf(deps.config.databaseUrl);
  const now = new Map((await selectTableStats(deps.db)).map((t) => [t.table, t.rows]));
  const lost: TRestorePreview["lost"] = [];
  for (const t of backup.tables) {
    const rowsNow = now.get(t.table) ?? 0;
    const newer = (await countRowsNewerThan(deps.db, t.table, new Date(backup.startedAt))) ?? 0;
    if (newer > 0 || rowsNow !== t.rows)
      lost.push({ table: t.table, rowsNow, rowsInBackup: t.rows, newerRows: newer });
  }
  const warnings: string[] = [];
  if (backup.database !== database)
    warnings.push(`backup is of database ${backup.database}, restoring over ${database}`);
  if (backup.missing) warnings.push("the dump file is missing: the restore will fail");
  if (!backup.lastVerification) warnings.push("this backup was never verified (ops backups verify)");
  else if (backup.lastVerification.outcome === "FAILED")
    warnings.push(`the last verification FAILED: ${backup.lastVerification.reason ?? ""}`);
  if (PROTECTED.has(database)) warnings.push(`refusing: ${database} is a system database`);
  return {
    database,
    backup,
    ageSeconds: Math.round((Date.now() - Date.parse(backup.startedAt)) / 1000),
    lost,
    warnings,
  };
}

const CONNECTION_LOST = /terminat|Connection terminated|ECONNRESET|57P01|does not allow connections|EPIPE/i;

/** Retries what runs right after the swap, while pools still hand out connections it ended. */
async function afterSwap<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= 5 || !CONNECTION_LOST.test((e as Error).message + String((e as { code?: string }).code)))
        throw e;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
}

function datedName(database: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
  return `${database.slice(0, 40)}_pre_restore_${stamp}`;
}

/** Renames `fresh` into the place of `live`; the live one is kept as `old`. */
async function swapDatabases(deps: DbopsDeps, live: string, fresh: string, old: string): Promise<void> {
  await withAdmin(deps.config, async (admin) => {
    await setAllowConnections(admin, live, false);
    try {
      for (let i = 0; i < 50; i++) {
        if ((await terminateDatabaseSessions(admin, live)) === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await renameDatabase(admin, live, old);
    } catch (e) {
      await setAllowConnections(admin, live, true);
      throw e;
    }
    try {
      await renameDatabase(admin, fresh, live);
    } catch (e) {
      await renameDatabase(admin, old, live);
      await setAllowConnections(admin, live, true);
      throw e;
    }
    await setAllowConnections(admin, old, true);
  });
}

export interface RestoreHooks {
  /** Called after each step; the restore waits for it (tests look at the system mid-restore). */
  onStep?: (step: TRestoreStep) => void | Promise<void>;
  /** The report's id, when the caller assigned it before the work started (startRestore). */
  reportId?: string;
}

/** What refuses a restore before any step: a system database, a missing or failed backup, one running. */
async function checkRestorable(
  deps: DbopsDeps,
  backupId: string,
): Promise<{ database: string; backup: TBackup }> {
  const database = databaseNameOf(deps.config.databaseUrl);
  if (PROTECTED.has(database))
    throw new DomainError("FORBIDDEN", `Refusing to restore over the system database ${database}`);
  const backup = await getBackup(deps.config, { id: backupId });
  if (backup.missing) throw new DomainError("PRECONDITION_FAILED", `The dump of ${backup.id} is missing`);
  if (backup.lastVerification?.outcome === "FAILED")
    throw new DomainError(
      "PRECONDITION_FAILED",
      `${backup.id} failed its last verification; choose another backup`,
    );
  if (await getFlag(deps.db, "restore_in_progress"))
    throw new DomainError("CONFLICT", "A restore is already running (system flag restore_in_progress)");
  return { database, backup };
}

/**
 * Starts a restore in the background (the console's Restore action): refuses now what the restore
 * would refuse, demands the database's name typed as confirmation, writes the report as begun and
 * returns its id. Progress is that report, re-written after every step (getRestoreReport); a
 * failure ends up in it too. The restore runs in this process.
 */
export async function startRestore(
  deps: DbopsDeps,
  actor: Actor,
  raw: unknown,
  hooks: Pick<RestoreHooks, "onStep"> = {},
): Promise<{ id: string; database: string; backupId: string }> {
  const input = ZStartRestore.parse(raw);
  const { database, backup } = await checkRestorable(deps, input.id);
  if (input.confirm !== database)
    throw new DomainError(
      "BAD_REQUEST",
      `confirm: type the name of the database being replaced (${database}) to confirm`,
    );
  const id = newOpsId("rs");
  const begun: TRestoreReport = {
    id,
    backupId: backup.id,
    database,
    reason: input.reason,
    by: actor.label,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    outcome: "FAILED",
    preRestoreBackupId: null,
    oldDatabase: null,
    steps: [],
  };
  await writeRestoreReport(deps.config.backupDir, begun);
  void applyRestore(
    deps,
    actor,
    { id: backup.id, apply: true, reason: input.reason },
    { ...hooks, reportId: id },
  ).catch(async (e: unknown) => {
    // Failed steps are in the report already; a refusal before the first step is not.
    const report = (await readRestoreReport(deps.config.backupDir, id)) ?? begun;
    if (report.finishedAt !== null) return;
    await writeRestoreReport(deps.config.backupDir, {
      ...report,
      finishedAt: new Date().toISOString(),
      steps: [
        ...report.steps,
        {
          step: "start",
          ok: false,
          at: new Date().toISOString(),
          durationMs: 0,
          message: (e as Error).message,
        },
      ],
    }).catch(() => undefined);
  });
  return { id, database, backupId: backup.id };
}

/** A restore's report: its steps so far, and its outcome once `finishedAt` is set. */
export async function getRestoreReport(config: DbopsConfig, raw: unknown): Promise<TRestoreReport> {
  const { id } = ZRestoreRef.parse(raw);
  const report = await readRestoreReport(config.backupDir, id);
  if (!report) throw new DomainError("NOT_FOUND", `No restore ${id} in ${config.backupDir}`);
  return report;
}

export async function applyRestore(
  deps: DbopsDeps,
  actor: Actor,
  raw: unknown,
  hooks: RestoreHooks = {},
): Promise<TRestoreReport> {
  const input = ZRestore.parse(raw);
  if (!input.apply) throw new DomainError("BAD_REQUEST", "apply: a restore is applied only with apply: true");
  if (!input.reason) throw new DomainError("BAD_REQUEST", "reason: say why the database is being restored");
  const reason = input.reason;
  const { config, db } = deps;
  const { database, backup } = await checkRestorable(deps, input.id);

  const started = new Date();
  const report: TRestoreReport = {
    id: hooks.reportId ?? newOpsId("rs", started),
    backupId: backup.id,
    database,
    reason,
    by: actor.label,
    startedAt: started.toISOString(),
    finishedAt: null,
    outcome: "FAILED",
    preRestoreBackupId: null,
    oldDatabase: null,
    steps: [],
  };
  const fresh = scratchName(config, "restore");
  const state = { swapped: false };
  let onDb: Db = db;

  async function step(name: string, fn: () => Promise<string>): Promise<void> {
    const t0 = performance.now();
    const at = new Date().toISOString();
    try {
      const message = await fn();
      const s = { step: name, ok: true, at, durationMs: Math.round(performance.now() - t0), message };
      report.steps.push(s);
      await hooks.onStep?.(s);
      await afterSwap(() =>
        recordAuditEvent(onDb, actor, {
          action: `backups.restore.${name}`,
          target: { type: "restore", id: report.id },
          after: { backupId: backup.id, message },
          reason,
        }),
      );
    } catch (e) {
      const s = {
        step: name,
        ok: false,
        at,
        durationMs: Math.round(performance.now() - t0),
        message: (e as Error).message,
      };
      report.steps.push(s);
      await hooks.onStep?.(s);
      throw e;
    } finally {
      await writeRestoreReport(config.backupDir, report);
    }
  }

  const lockedAt = new Date();
  try {
    await step("lock", async () => {
      await setFlag(db, actor, {
        key: "restore_in_progress",
        value: true,
        reason: `restore ${report.id}: ${reason}`,
      });
      return "restore_in_progress on: ops changes are refused";
    });
    await step("checksum", async () => {
      const { sha256 } = await sha256File(backupPaths(config.backupDir, backup.id).dump);
      if (sha256 !== backup.sha256) throw new Error("the dump's SHA-256 does not match its manifest");
      return "dump checksum matches the manifest";
    });
    await step("pre_restore_backup", async () => {
      const pre = await createBackup(deps, actor, { label: `pre-restore (${report.id})` });
      report.preRestoreBackupId = pre.id;
      return `pre-restore backup ${pre.id} (${pre.sizeBytes} bytes)`;
    });
    await step("maintenance_on", async () => {
      await setFlag(db, actor, {
        key: "maintenance_mode",
        value: true,
        reason: `restore ${report.id}: ${reason}`,
      });
      return "maintenance_mode on: storefront answers 503, webhook processing waits";
    });
    await step("restore", async () => {
      await restoreDumpInto(config, backupPaths(config.backupDir, backup.id).dump, fresh);
      return `restored ${backup.id} into new database ${fresh}`;
    });
    await step("migrate", async () => {
      const { db: freshDb } = createDb({
        connectionString: urlForDatabase(config.databaseUrl, fresh),
        max: 1,
      });
      try {
        const { applied } = await migrate(freshDb, urlForDatabase(config.databaseUrl, fresh));
        return applied.length ? `applied ${applied.join(", ")}` : "schema already current";
      } finally {
        await freshDb.destroy();
      }
    });
    await step("verify_counts", async () => {
      const mismatches = await withDatabaseNamed(config, fresh, (freshDb) => compareCounts(freshDb, backup));
      if (mismatches.length) throw new Error(`row counts differ from the manifest: ${mismatches.join("; ")}`);
      return `row counts of ${backup.tables.length} tables match the manifest`;
    });
    await step("prepare_flags", async () => {
      // The restored data has the flags of backup time: it must come up in maintenance, still locked.
      await withDatabaseNamed(config, fresh, async (freshDb) => {
        const why = `restore ${report.id}: ${reason}`;
        await setFlag(freshDb, actor, { key: "maintenance_mode", value: true, reason: why });
        await setFlag(freshDb, actor, { key: "restore_in_progress", value: true, reason: why });
      });
      return "maintenance_mode and restore_in_progress on in the restored database";
    });
    const old = datedName(database, started);
    await step("swap", async () => {
      await swapDatabases(deps, database, fresh, old);
      state.swapped = true;
      onDb = db;
      report.oldDatabase = old;
      return `restored database is now ${database}; the replaced one is kept as ${old} (drop it when satisfied)`;
    });
    await step("carry_webhooks", async () => {
      // Deliveries acknowledged while the restore ran were stored in the database now kept as the
      // old one: bring them over, queued for processing (which waits while maintenance is on).
      const rows = await withDatabaseNamed(config, old, (oldDb) => selectWebhookEventsSince(oldDb, lockedAt));
      const ids = await afterSwap(() =>
        db.transaction().execute(async (trx) => {
          const inserted = await insertCarriedWebhookEvents(trx, rows);
          for (const id of inserted)
            await enqueueJob(trx, JOB.webhookProcess, { eventId: id }, { jobKey: webhookJobKey([id]) });
          return inserted;
        }),
      );
      return `${ids.length} webhook event(s) received during the restore carried over (${rows.length - ids.length} already present)`;
    });
    await step("unlock", async () => {
      await afterSwap(() =>
        setFlag(db, actor, {
          key: "restore_in_progress",
          value: false,
          reason: `restore ${report.id} finished`,
        }),
      );
      return "restore_in_progress off; maintenance_mode stays on until `ops maintenance off --reason …`";
    });
    report.outcome = "SUCCEEDED";
  } catch (e) {
    if (!state.swapped) {
      await withAdmin(config, (admin) => dropDatabase(admin, fresh)).catch(() => undefined);
      await setFlag(db, actor, {
        key: "restore_in_progress",
        value: false,
        reason: `restore ${report.id} failed: ${(e as Error).message.slice(0, 200)}`,
      }).catch(() => undefined);
    }
    report.finishedAt = new Date().toISOString();
    await writeRestoreReport(config.backupDir, report);
    await afterSwap(() =>
      recordAuditEvent(db, actor, {
        action: "backups.restore.failed",
        target: { type: "restore", id: report.id },
        after: { backupId: backup.id, error: (e as Error).message, steps: report.steps.length },
        reason,
      }),
    ).catch(() => undefined);
    throw e instanceof DomainError
      ? e
      : new DomainError("UNAVAILABLE", `Restore ${report.id} failed: ${(e as Error).message}`, { cause: e });
  }
  report.finishedAt = new Date().toISOString();
  await writeRestoreReport(config.backupDir, report);
  // The steps before the swap were audited in the database now kept as the old one: the restored
  // database's audit log gets the whole report too.
  await afterSwap(() =>
    recordAuditEvent(db, actor, {
      action: "backups.restore",
      target: { type: "restore", id: report.id },
      after: { report },
      reason,
    }),
  );
  return report;
}

/** True when the old database a restore left behind still exists. */
export async function oldDatabaseExists(deps: DbopsDeps, name: string): Promise<boolean> {
  return withAdmin(deps.config, (admin) => databaseExists(admin, name));
}
