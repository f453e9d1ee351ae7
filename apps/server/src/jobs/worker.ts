// Background jobs on graphile-worker: webhook processing, bulk replays, and the crons that
// re-queue lost webhook jobs, fold the webhook health rollup and rescan low stock. Stateless:
// run it in N processes at once.
import { Logger, run, type Task, type TaskList } from "graphile-worker";
import { writeAuditCheckpoint, type CheckpointConfig } from "@radha/core/audit";
import { createPool, isConnectionLoss, SwappablePool } from "@radha/core/db";
import { scanLowStock } from "@radha/core/inventory";
import { runScheduledKeyRotation } from "@radha/core/security";
import { CRON_PRIORITY, JOB, webhookJobKey } from "@radha/core/jobs";
import {
  createBackup,
  pruneBackups,
  runDataMigration,
  runDrill,
  runTableMaintenance,
  verifyBackup,
  webhookProcessingPaused,
  type DbopsConfig,
} from "@radha/core/dbops";
import type { Actor } from "@radha/core/audit";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import {
  deliverNotification,
  evaluateAlertRules,
  pruneMetricSamples,
  sampleMetrics,
} from "@radha/core/monitoring";
import {
  compactWebhookHealth,
  executeReplayRun,
  resumeStalledReplayRuns,
  processWebhookEvents,
  sweepDueWebhooks,
} from "@radha/core/webhooks";
import type { AppDeps } from "../deps";

function payloadId(payload: unknown, key: "eventId" | "runId" | "deliveryId"): string {
  const value = (payload as Record<string, unknown> | null)?.[key];
  if (typeof value !== "string") throw new Error(`job payload has no ${key}`);
  return value;
}

/** An intake group's job carries its events' ids; anything else there is not ours. */
function groupIds(payload: unknown): [string, ...string[]] | undefined {
  const ids = (payload as Record<string, unknown> | null)?.eventIds;
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === "string"))
    throw new Error("job payload's eventIds is not a list of event ids");
  return ids as [string, ...string[]];
}

/**
 * Jobs run once (max_attempts 1: webhook processing counts its own attempts), so a task cut off by
 * a lost database connection waits for the database and runs again instead of failing for good;
 * past the deadline the minute sweep re-queues its event.
 */
export function retryOnConnectionLoss(task: Task, deadlineMs = 60_000): Task {
  return async (payload, helpers) => {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await task(payload, helpers);
        return;
      } catch (error) {
        if (!isConnectionLoss(error) || Date.now() - started > deadlineMs) throw error;
        await new Promise((r) => setTimeout(r, Math.min(2_000, 200 * attempt)));
      }
    }
  };
}
/** Hourly: retires keys whose tokens have expired, rotates when the ACTIVE key is OPS_KEY_ROTATION_DAYS old. */
export const SIGNING_KEY_ROTATION_JOB = "security:rotate-signing-keys";

/** Who asked for a queued dbops job (the console's user), else the scheduler. */
function actorOf(payload: unknown): Actor {
  const actor = (payload as { actor?: Actor } | null)?.actor;
  return actor && typeof actor.type === "string" ? actor : { ...SYSTEM_ACTOR, label: "scheduler" };
}

function dbopsOf(deps: AppDeps): DbopsConfig {
  if (!deps.config.dbops) throw new Error("backups are not configured");
  return deps.config.dbops;
}

/** While paused, a webhook job puts itself back 30 s later; the event stays stored and unprocessed. */
const PAUSED_RETRY_MS = 30_000;

export const AUDIT_CHECKPOINT_TASK = "audit_checkpoint";

export function taskList(deps: AppDeps, auditCheckpoint?: CheckpointConfig): TaskList {
  const tasks: Record<string, Task> = {
    [JOB.webhookProcess]: async (payload, helpers) => {
      // One event ({ eventId }), or an intake group's events together ({ eventIds }).
      const ids = groupIds(payload) ?? ([payloadId(payload, "eventId")] as const);
      if (await webhookProcessingPaused(deps.db)) {
        await helpers.addJob(JOB.webhookProcess, ids.length > 1 ? { eventIds: ids } : { eventId: ids[0] }, {
          jobKey: webhookJobKey(ids),
          runAt: new Date(Date.now() + PAUSED_RETRY_MS),
          maxAttempts: 1,
        });
        return;
      }
      await processWebhookEvents(deps.db, ids, { ...deps.config.webhookProcessing, trigger: "AUTO" });
    },
    [JOB.webhookReplayRun]: async (payload) => {
      await executeReplayRun(deps.db, payloadId(payload, "runId"), {
        ...deps.config.webhookProcessing,
        store: deps.store,
      });
    },
    [JOB.webhookSweep]: async () => {
      await sweepDueWebhooks(deps.db);
      await resumeStalledReplayRuns(deps.db);
    },
    [JOB.webhookHealthCompact]: async () => {
      await compactWebhookHealth(deps.db);
    },
    // Only when the server's autovacuum is off; on the owner's connection (the app role may not VACUUM).
    [JOB.tableMaintenance]: async () => {
      if (!deps.config.dbops) return;
      const { tables } = await runTableMaintenance(deps.config.dbops.databaseUrl);
      if (tables.length > 0)
        console.error(
          JSON.stringify({
            level: "info",
            msg: "autovacuum is off: vacuumed/analyzed tables",
            tables: tables.map((t) => ({
              table: t.table,
              vacuum: t.vacuum,
              analyze: t.analyze,
              deadRows: t.deadRows,
              ms: t.ms,
            })),
          }),
        );
    },
    [JOB.inventoryScanLowStock]: async () => {
      await scanLowStock(deps.db);
    },
    [SIGNING_KEY_ROTATION_JOB]: async () => {
      await runScheduledKeyRotation(
        {
          db: deps.db,
          masterKey: deps.config.masterKey,
          accessTokenTtlSeconds: deps.config.accessTokenTtlSeconds,
          store: deps.store,
        },
        deps.env.OPS_KEY_ROTATION_DAYS,
      );
    },
    [JOB.backupCreate]: async (payload) => {
      const label = (payload as { label?: unknown } | null)?.label;
      await createBackup({ db: deps.db, config: dbopsOf(deps) }, actorOf(payload), {
        label: typeof label === "string" ? label : "nightly",
      });
    },
    [JOB.backupVerify]: async (payload) => {
      const id = (payload as { id?: unknown } | null)?.id;
      await verifyBackup({ db: deps.db, config: dbopsOf(deps) }, actorOf(payload), { id });
    },
    [JOB.backupPrune]: async (payload) => {
      await pruneBackups({ db: deps.db, config: dbopsOf(deps) }, actorOf(payload), {
        apply: true,
        reason: "daily retention",
      });
    },
    [JOB.drillRun]: async (payload) => {
      await runDrill({ db: deps.db, config: dbopsOf(deps) }, actorOf(payload));
    },
    [JOB.dataMigrationRun]: async (payload) => {
      const { actor: _actor, ...input } = payload as Record<string, unknown>;
      await runDataMigration(deps.db, actorOf(payload), input);
    },
    [JOB.monitoringSample]: async () => {
      const { at, samples, failed } = await sampleMetrics(deps.db, deps.metricSources);
      for (const f of failed)
        console.error(
          JSON.stringify({ level: "warn", msg: "metric source failed", source: f.source, err: f.error }),
        );
      await evaluateAlertRules(deps.db, samples, at);
    },
    [JOB.monitoringPrune]: async () => {
      await pruneMetricSamples(deps.db);
    },
    [JOB.notificationDeliver]: async (payload) => {
      await deliverNotification(
        { db: deps.db, masterKey: deps.config.masterKey },
        payloadId(payload, "deliveryId"),
      );
    },
    // Every 5 minutes when checkpoints are configured (any worker; the file names dedupe).
    [AUDIT_CHECKPOINT_TASK]: async () => {
      if (auditCheckpoint) await writeAuditCheckpoint(deps.db, auditCheckpoint);
    },
  };
  return Object.fromEntries(Object.entries(tasks).map(([name, task]) => [name, retryOnConnectionLoss(task)]));
}

/** A crontab line: every cron job runs before the webhook backlog (CRON_PRIORITY), `options` added. */
const cron = (schedule: string, task: string, options = "") =>
  `${schedule} ${task} ?priority=${CRON_PRIORITY}${options}`;

const CRONTAB = [
  cron("* * * * *", JOB.webhookSweep),
  cron("* * * * *", JOB.webhookHealthCompact),
  cron("* * * * *", JOB.tableMaintenance),
  cron("*/15 * * * *", JOB.inventoryScanLowStock),
  cron("7 * * * *", SIGNING_KEY_ROTATION_JOB),
  // Nightly backup, then retention, then a restore drill of what the night produced (UTC).
  cron("0 2 * * *", JOB.backupCreate, "&max=1"),
  cron("30 3 * * *", JOB.backupPrune, "&max=1"),
  cron("0 4 * * *", JOB.drillRun, "&max=1"),
  cron("* * * * *", JOB.monitoringSample),
  cron("17 * * * *", JOB.monitoringPrune),
].join("\n");

/** The worker's crontab; with audit checkpoints configured, one every 5 minutes too. */
export function crontab(auditCheckpoint: boolean): string {
  return auditCheckpoint ? `${CRONTAB}\n${cron("*/5 * * * *", AUDIT_CHECKPOINT_TASK)}` : CRONTAB;
}

export interface WorkerHandle {
  stop(): Promise<void>;
}

export async function startWorker(
  deps: AppDeps,
  connectionString: string,
  opts: {
    concurrency?: number;
    pollInterval?: number;
    crontab?: boolean;
    auditCheckpoint?: CheckpointConfig;
  } = {},
): Promise<WorkerHandle> {
  const logger = new Logger((scope) => (level, message) => {
    if (["error", "warning"].includes(level))
      console.error(JSON.stringify({ level, scope: scope.label, msg: message }));
  });
  const concurrency = opts.concurrency ?? deps.env.OPS_WORKER_CONCURRENCY;
  // Our own pool, which ignores errors on idle connections (a database restart or a dropped
  // test database must not crash the process), ended only after the runner has stopped.
  // It follows the server's credentials (DATABASE_URL_FILE rotation) like the server's own pool.
  const pgPool = new SwappablePool(connectionString, {
    makePool: (url) =>
      createPool({ connectionString: url, max: concurrency + 2, applicationName: "radha-ops-worker" }),
  });
  const unfollow = deps.onDatabaseUrlChange((url) => pgPool.swap(url));
  const runner = await run({
    // graphile-worker uses connect/query/end and the error/connect events, all of which it has.
    pgPool: pgPool as unknown as NonNullable<Parameters<typeof run>[0]["pgPool"]>,
    concurrency,
    noHandleSignals: true,
    pollInterval: opts.pollInterval ?? 1000,
    taskList: taskList(deps, opts.auditCheckpoint),
    ...(opts.crontab === false ? {} : { crontab: crontab(opts.auditCheckpoint !== undefined) }),
    logger,
  });
  return {
    async stop() {
      unfollow();
      await runner.stop();
      await pgPool.end();
    },
  };
}
