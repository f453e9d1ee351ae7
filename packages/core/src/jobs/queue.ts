// Adds graphile-worker jobs from inside the caller's transaction, so a job exists exactly when
// the row it is about was committed.
export { CRON_PRIORITY, enqueueJob, type EnqueueOptions } from "./jobs.queries";

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
  tableMaintenance: "dbops_table_maintenance",
  monitoringSample: "monitoring_sample",
  monitoringPrune: "monitoring_prune",
  notificationDeliver: "notification_deliver",
} as const;

/**
 * The key of a webhook processing job: an event's own (webhook:<id>: its retries and the sweep
 * use it), or an intake group's (webhooks:<first id>, payload { eventIds } in id order). The intake
 * SQL and the sweep build the same keys from these prefixes.
 */
export const WEBHOOK_JOB_KEY_PREFIX = { single: "webhook:", group: "webhooks:" } as const;

export function webhookJobKey(eventIds: readonly [string, ...string[]]): string {
  const [first] = eventIds;
  return eventIds.length > 1
    ? `${WEBHOOK_JOB_KEY_PREFIX.group}${first}`
    : `${WEBHOOK_JOB_KEY_PREFIX.single}${first}`;
}
