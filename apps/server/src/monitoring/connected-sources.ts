// Metric sources and checklist readings that join domains the monitoring domain does not know:
// oversold orders (orders) and backup / restore-drill freshness (dbops).
import type { BackupStatus } from "@radha/core/emergency";
import { backupHealth, type DbopsConfig } from "@radha/core/dbops";
import type { MetricSource } from "@radha/core/monitoring";
import { countOpenOversoldOrders } from "@radha/core/orders";

/** `orders_oversold_open`: orders paid while their stock was gone, not yet restocked or refunded. */
export const oversoldOrdersSource: MetricSource = {
  name: "orders",
  metrics: ["orders_oversold_open"],
  async read({ db }) {
    return [{ metric: "orders_oversold_open", subject: "", value: await countOpenOversoldOrders(db) }];
  },
};

/**
 * `backup_age_hours` (absent until the first backup exists) and `drill_failed` (1 when the last
 * restore drill failed), read from the backup folder every five minutes.
 */
export function backupFreshnessSource(config: DbopsConfig): MetricSource {
  return {
    name: "backups",
    metrics: ["backup_age_hours", "drill_failed"],
    everyMinutes: 5,
    async read({ now }) {
      const h = await backupHealth(config, now);
      const rows = [
        { metric: "drill_failed", subject: "", value: h.lastDrill?.outcome === "FAILED" ? 1 : 0 },
      ];
      if (h.newestBackupAt)
        rows.push({
          metric: "backup_age_hours",
          subject: "",
          value: (now.getTime() - Date.parse(h.newestBackupAt)) / 3_600_000,
        });
      return rows;
    },
  };
}

/** What the recovery checklist reads about backups and drills. */
export async function backupStatus(config: DbopsConfig): Promise<BackupStatus> {
  const h = await backupHealth(config);
  return {
    lastBackupAt: h.newestBackupAt ? new Date(h.newestBackupAt) : null,
    lastDrillAt: h.lastDrill ? new Date(h.lastDrill.startedAt) : null,
    lastDrillOk: h.lastDrill ? h.lastDrill.outcome !== "FAILED" : null,
  };
}
