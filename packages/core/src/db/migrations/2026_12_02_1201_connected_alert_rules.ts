// Alert rules on metrics other domains produce (registered in apps/server/src/monitoring/
// connected-sources.ts): oversold orders, backup age, a failed restore drill.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    INSERT INTO alert_rules (key, name, metric, comparison, threshold, hold_seconds, severity, volume_metric, min_volume, description) VALUES
      ('orders_oversold', 'Orders paid without stock (oversold)', 'orders_oversold_open', 'GT', 0, 0, 'P2', NULL, NULL, 'The money was taken: restock or refund'),
      ('backup_age', 'Newest backup older than 26 h', 'backup_age_hours', 'GT', 26, 600, 'P2', NULL, NULL, 'The nightly backup did not run or failed'),
      ('drill_failed', 'Last restore drill failed', 'drill_failed', 'GT', 0, 0, 'P1', NULL, NULL, 'The latest backup may not restore')
    ON CONFLICT (key) DO NOTHING
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM alert_rules WHERE key IN ('orders_oversold', 'backup_age', 'drill_failed')`.execute(
    db,
  );
}
