// Background jobs on graphile-worker: webhook processing, bulk replays, and the crons that
// re-queue lost webhook jobs and rescan low stock. Stateless: run it in N processes at once.
import { Logger, run, type Task, type TaskList } from "graphile-worker";
import { writeAuditCheckpoint, type CheckpointConfig } from "@radha/core/audit";
import { createPool, isConnectionLoss } from "@radha/core/db";
import { scanLowStock } from "@radha/core/inventory";
import { JOB } from "@radha/core/jobs";
import { executeReplayRun, processWebhookEvent, sweepDueWebhooks } from "@radha/core/webhooks";
import type { AppDeps } from "../deps";

function payloadId(payload: unknown, key: "eventId" | "runId"): string {
  const value = (payload as Record<string, unknown> | null)?.[key];
  if (typeof value !== "string") throw new Error(`job payload has no ${key}`);
  return value;
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

export const AUDIT_CHECKPOINT_TASK = "audit_checkpoint";

export function taskList(deps: AppDeps, auditCheckpoint?: CheckpointConfig): TaskList {
  const tasks: Record<string, Task> = {
    [JOB.webhookProcess]: async (payload) => {
      await processWebhookEvent(deps.db, payloadId(payload, "eventId"), {
        ...deps.config.webhookProcessing,
        trigger: "AUTO",
      });
    },
    [JOB.webhookReplayRun]: async (payload) => {
      await executeReplayRun(deps.db, payloadId(payload, "runId"), {
        ...deps.config.webhookProcessing,
        store: deps.store,
      });
    },
    [JOB.webhookSweep]: async () => {
      await sweepDueWebhooks(deps.db);
    },
    [JOB.inventoryScanLowStock]: async () => {
      await scanLowStock(deps.db);
    },
    // Every 5 minutes when checkpoints are configured (any worker; the file names dedupe).
    [AUDIT_CHECKPOINT_TASK]: async () => {
      if (auditCheckpoint) await writeAuditCheckpoint(deps.db, auditCheckpoint);
    },
  };
  return Object.fromEntries(Object.entries(tasks).map(([name, task]) => [name, retryOnConnectionLoss(task)]));
}

export const CRONTAB = [`* * * * * ${JOB.webhookSweep}`, `*/15 * * * * ${JOB.inventoryScanLowStock}`].join(
  "\n",
);

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
  const pgPool = createPool({ connectionString, max: concurrency + 2, applicationName: "radha-ops-worker" });
  const runner = await run({
    pgPool,
    concurrency,
    noHandleSignals: true,
    pollInterval: opts.pollInterval ?? 1000,
    taskList: taskList(deps, opts.auditCheckpoint),
    ...(opts.crontab === false
      ? {}
      : { crontab: opts.auditCheckpoint ? `${CRONTAB}\n*/5 * * * * ${AUDIT_CHECKPOINT_TASK}` : CRONTAB }),
    logger,
  });
  return {
    async stop() {
      await runner.stop();
      await pgPool.end();
    },
  };
}
