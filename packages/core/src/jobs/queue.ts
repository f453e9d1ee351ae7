// Adds graphile-worker jobs from inside the caller's transaction, so a job exists exactly when
// the row it is about was committed.
export { enqueueJob, type EnqueueOptions } from "./jobs.queries";

export const JOB = {
  webhookProcess: "webhook_process",
  webhookReplayRun: "webhook_replay_run",
  webhookSweep: "webhook_sweep",
  inventoryScanLowStock: "inventory_scan_low_stock",
  monitoringSample: "monitoring_sample",
  monitoringPrune: "monitoring_prune",
  notificationDeliver: "notification_deliver",
} as const;
