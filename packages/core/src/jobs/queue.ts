// Adds graphile-worker jobs from inside the caller's transaction, so a job exists exactly when
// the row it is about was committed.
export { enqueueJob, type EnqueueOptions } from "./jobs.queries";

export const JOB = {
  webhookProcess: "webhook_process",
  webhookReplayRun: "webhook_replay_run",
  webhookSweep: "webhook_sweep",
  webhookHealthCompact: "webhook_health_compact",
  inventoryScanLowStock: "inventory_scan_low_stock",
  backupCreate: "dbops_backup_create",
  backupVerify: "dbops_backup_verify",
  backupPrune: "dbops_backup_prune",
  drillRun: "dbops_drill_run",
  dataMigrationRun: "dbops_data_migration_run",
  monitoringSample: "monitoring_sample",
  monitoringPrune: "monitoring_prune",
  notificationDeliver: "notification_deliver",
} as const;
