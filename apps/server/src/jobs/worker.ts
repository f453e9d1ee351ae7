// Background jobs on graphile-worker: webhook processing, bulk replays, and the crons that
// re-queue lost webhook jobs and rescan low stock. Stateless: run it in N processes at once.
import { Logger, run, type TaskList } from "graphile-worker";
import { createPool } from "@radha/core/db";
import { scanLowStock } from "@radha/core/inventory";
import { JOB } from "@radha/core/jobs";
import {
  deliverNotification,
  evaluateAlertRules,
  pruneMetricSamples,
  sampleMetrics,
} from "@radha/core/monitoring";
import { executeReplayRun, processWebhookEvent, sweepDueWebhooks } from "@radha/core/webhooks";
import type { AppDeps } from "../deps";

function payloadId(payload: unknown, key: "eventId" | "runId" | "deliveryId"): string {
  const value = (payload as Record<string, unknown> | null)?.[key];
  if (typeof value !== "string") throw new Error(`job payload has no ${key}`);
  return value;
}

export function taskList(deps: AppDeps): TaskList {
  return {
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
      await deliverNotification(deps.db, payloadId(payload, "deliveryId"));
    },
  };
}

export const CRONTAB = [
  `* * * * * ${JOB.webhookSweep}`,
  `*/15 * * * * ${JOB.inventoryScanLowStock}`,
  `* * * * * ${JOB.monitoringSample}`,
  `17 * * * * ${JOB.monitoringPrune}`,
].join("\n");

export interface WorkerHandle {
  stop(): Promise<void>;
}

export async function startWorker(
  deps: AppDeps,
  connectionString: string,
  opts: { concurrency?: number; pollInterval?: number; crontab?: boolean } = {},
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
    taskList: taskList(deps),
    ...(opts.crontab === false ? {} : { crontab: CRONTAB }),
    logger,
  });
  return {
    async stop() {
      await runner.stop();
      await pgPool.end();
    },
  };
}
