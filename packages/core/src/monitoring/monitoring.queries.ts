// Monitoring SQL: database-side metric readings, metric samples (insert, series, downsample,
// retention), alert rules, breaches, alerts, notification channels and deliveries.
import { sql, type Insertable, type Selectable, type Updateable } from "kysely";
import type {
  AlertRulesTable,
  AlertsTable,
  DbOrTrx,
  NotificationChannelsTable,
  NotificationDeliveriesTable,
  Trx,
} from "../db/database";
import { newestFirst, type NewestFirstPage } from "../pagination/keyset";
import type { TAlertStatus, TDeliveryStatus } from "./monitoring.schema";

export interface SampleRow {
  metric: string;
  subject: string;
  value: number;
}

// ---- readings -------------------------------------------------------------------------------

export async function readPgConnections(db: DbOrTrx) {
  const { rows } = await sql<{ state: string; count: number; maxConnections: number }>`
    SELECT coalesce(a.state, 'unknown') AS state, count(*)::int AS count,
      (SELECT setting::int FROM pg_settings WHERE name = 'max_connections') AS max_connections
    FROM pg_stat_activity a WHERE a.backend_type = 'client backend' GROUP BY 1
  `.execute(db);
  return rows;
}

export async function readLongestQuerySeconds(db: DbOrTrx): Promise<number> {
  const { rows } = await sql<{ seconds: number }>`
    SELECT coalesce(max(extract(epoch FROM now() - query_start)), 0)::float8 AS seconds
    FROM pg_stat_activity
    WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
  `.execute(db);
  return rows[0]?.seconds ?? 0;
}

export async function readJobQueue(db: DbOrTrx) {
  const { rows } = await sql<{ depth: number; oldestSeconds: number }>`
    SELECT count(*)::int AS depth,
      coalesce(extract(epoch FROM now() - min(run_at)), 0)::float8 AS oldest_seconds
    FROM graphile_worker.jobs
    WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts
  `.execute(db);
  return rows[0] ?? { depth: 0, oldestSeconds: 0 };
}

export async function readWebhookBacklog(db: DbOrTrx) {
  const { rows } = await sql<{ pending: number; oldestSeconds: number }>`
    SELECT count(*)::int AS pending,
      coalesce(extract(epoch FROM now() - min(received_at)), 0)::float8 AS oldest_seconds
    FROM webhook_events WHERE status IN ('PENDING', 'PROCESSING')
  `.execute(db);
  return rows[0] ?? { pending: 0, oldestSeconds: 0 };
}

export async function readAttemptsSince(db: DbOrTrx, since: Date) {
  return db
    .selectFrom("webhookAttempts")
    .select(["outcome", "trigger", sql<number>`count(*)::int`.as("count")])
    .where("finishedAt", ">=", since)
    .groupBy(["outcome", "trigger"])
    .execute();
}

export async function readStockMovementsSince(db: DbOrTrx, since: Date) {
  return db
    .selectFrom("inventoryTransactions")
    .select(["type", sql<number>`count(*)::int`.as("count")])
    .where("createdAt", ">=", since)
    .groupBy("type")
    .execute();
}

export async function readOpenLowStock(db: DbOrTrx): Promise<number> {
  const row = await db
    .selectFrom("inventoryLowStockAlerts")
    .select(sql<number>`count(*)::int`.as("count"))
    .where("resolvedAt", "is", null)
    .executeTakeFirst();
  return row?.count ?? 0;
}

// ---- samples --------------------------------------------------------------------------------

export async function insertSamples(db: DbOrTrx, at: Date, samples: readonly SampleRow[]): Promise<void> {
  if (samples.length === 0) return;
  await db
    .insertInto("metricSamples")
    .values(samples.map((s) => ({ ...s, at, resolutionSeconds: 60 })))
    .onConflict((oc) =>
      oc.columns(["metric", "subject", "at"]).doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })),
    )
    .execute();
}

export async function selectSeries(db: DbOrTrx, metrics: readonly string[], since: Date) {
  return db
    .selectFrom("metricSamples")
    .select(["metric", "subject", "at", "value"])
    .where("metric", "in", metrics)
    .where("at", ">=", since)
    .orderBy("metric")
    .orderBy("subject")
    .orderBy("at")
    .execute();
}

/** The newest sample of each metric and subject within the last `seconds`. */
export async function selectLatestSamples(db: DbOrTrx, seconds: number) {
  return db
    .selectFrom("metricSamples")
    .distinctOn(["metric", "subject"])
    .select(["metric", "subject", "value"])
    .where("at", ">=", new Date(Date.now() - seconds * 1000))
    .orderBy("metric")
    .orderBy("subject")
    .orderBy("at", "desc")
    .limit(2_000)
    .execute();
}

/** Minute samples older than `before` become 10-minute averages (one row per bucket). */
export async function downsampleSamples(db: DbOrTrx, before: Date): Promise<number> {
  const result = await sql`
    WITH old AS (
      DELETE FROM metric_samples WHERE at < ${before} AND resolution_seconds = 60 RETURNING *
    )
    INSERT INTO metric_samples (metric, subject, at, value, resolution_seconds)
    SELECT metric, subject, to_timestamp(floor(extract(epoch FROM at) / 600) * 600), avg(value), 600
    FROM old GROUP BY 1, 2, 3
    ON CONFLICT (metric, subject, at) DO UPDATE SET value = excluded.value, resolution_seconds = 600
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export async function deleteSamplesBefore(db: DbOrTrx, before: Date): Promise<number> {
  const result = await db.deleteFrom("metricSamples").where("at", "<", before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// ---- rules, breaches, alerts ----------------------------------------------------------------

export type AlertRuleRow = Selectable<AlertRulesTable>;
export type AlertRow = Selectable<AlertsTable>;

export async function selectRules(db: DbOrTrx): Promise<AlertRuleRow[]> {
  return db.selectFrom("alertRules").selectAll().orderBy("key").execute();
}

export async function lockRule(trx: Trx, id: string): Promise<AlertRuleRow | undefined> {
  return trx.selectFrom("alertRules").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function updateRule(db: DbOrTrx, id: string, patch: Updateable<AlertRulesTable>) {
  return db
    .updateTable("alertRules")
    .set(patch)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function selectBreaches(db: DbOrTrx, ruleId: string) {
  return db.selectFrom("alertRuleBreaches").selectAll().where("ruleId", "=", ruleId).execute();
}

export async function upsertBreach(
  db: DbOrTrx,
  row: { ruleId: string; subject: string; since: Date; lastValue: number },
) {
  await db
    .insertInto("alertRuleBreaches")
    .values(row)
    .onConflict((oc) => oc.columns(["ruleId", "subject"]).doUpdateSet({ lastValue: row.lastValue }))
    .execute();
}

export async function deleteBreach(db: DbOrTrx, ruleId: string, subject: string) {
  await db
    .deleteFrom("alertRuleBreaches")
    .where("ruleId", "=", ruleId)
    .where("subject", "=", subject)
    .execute();
}

export async function selectOpenAlerts(db: DbOrTrx, ruleId: string): Promise<AlertRow[]> {
  return db
    .selectFrom("alerts")
    .selectAll()
    .where("ruleId", "=", ruleId)
    .where("status", "<>", "RESOLVED")
    .execute();
}

/** Inserts the alert unless one is open for the rule and subject (the partial unique index). */
export async function insertAlertOnce(
  db: DbOrTrx,
  row: Insertable<AlertsTable>,
): Promise<AlertRow | undefined> {
  return db
    .insertInto("alerts")
    .values(row)
    .onConflict((oc) => oc.columns(["ruleId", "subject"]).where("status", "<>", "RESOLVED").doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateAlert(db: DbOrTrx, id: string, patch: Updateable<AlertsTable>) {
  return db.updateTable("alerts").set(patch).where("id", "=", id).returningAll().executeTakeFirst();
}

export async function lockAlert(trx: Trx, id: string): Promise<AlertRow | undefined> {
  return trx.selectFrom("alerts").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

const ALERT_COLUMNS = [
  "alerts.id",
  "alerts.ruleId",
  "alertRules.key as ruleKey",
  "alertRules.name as ruleName",
  "alerts.subject",
  "alerts.status",
  "alerts.severity",
  "alerts.message",
  "alerts.value",
  "alerts.threshold",
  "alerts.firedAt",
  "alerts.acknowledgedAt",
  "alerts.acknowledgedBy",
  "alerts.resolvedAt",
] as const;

export async function selectAlerts(
  db: DbOrTrx,
  filter: { status?: TAlertStatus | undefined },
  page: NewestFirstPage,
) {
  let q = db
    .selectFrom("alerts")
    .innerJoin("alertRules", "alertRules.id", "alerts.ruleId")
    .select(ALERT_COLUMNS);
  if (filter.status) q = q.where("alerts.status", "=", filter.status);
  return newestFirst(q, { time: "alerts.fired_at", id: "alerts.id" }, page).execute();
}

export async function selectAlertView(db: DbOrTrx, id: string) {
  return db
    .selectFrom("alerts")
    .innerJoin("alertRules", "alertRules.id", "alerts.ruleId")
    .select(ALERT_COLUMNS)
    .where("alerts.id", "=", id)
    .executeTakeFirst();
}

// ---- channels and deliveries ----------------------------------------------------------------

const CHANNEL_COLUMNS = [
  "id",
  "name",
  "kind",
  "severities",
  "enabled",
  "targetHint",
  "secretFingerprint",
  "settings",
  "createdAt",
] as const;

export async function insertChannel(db: DbOrTrx, row: Insertable<NotificationChannelsTable>) {
  return db
    .insertInto("notificationChannels")
    .values(row)
    .returning(CHANNEL_COLUMNS)
    .executeTakeFirstOrThrow();
}

/** Channels without their secrets: what every read answers. */
export async function selectChannels(db: DbOrTrx) {
  return db.selectFrom("notificationChannels").select(CHANNEL_COLUMNS).orderBy("name").execute();
}

export async function selectChannel(db: DbOrTrx, id: string) {
  return db
    .selectFrom("notificationChannels")
    .select(CHANNEL_COLUMNS)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** Only the delivery job (and an edit, to merge) reads a channel's sealed secret. */
export async function selectChannelForDelivery(db: DbOrTrx, id: string) {
  return db.selectFrom("notificationChannels").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function lockChannelWithSecret(trx: DbOrTrx, id: string) {
  return trx
    .selectFrom("notificationChannels")
    .selectAll()
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
}

/** Rows written before sealing existed: their secrets are still plain jsonb. */
export async function selectUnsealedChannels(db: DbOrTrx) {
  return db
    .selectFrom("notificationChannels")
    .select(["id", "secret"])
    .where("secret", "is not", null)
    .execute();
}

export async function updateChannel(db: DbOrTrx, id: string, patch: Updateable<NotificationChannelsTable>) {
  return db
    .updateTable("notificationChannels")
    .set(patch)
    .where("id", "=", id)
    .returning(CHANNEL_COLUMNS)
    .executeTakeFirst();
}

export async function deleteChannel(db: DbOrTrx, id: string) {
  return db
    .deleteFrom("notificationChannels")
    .where("id", "=", id)
    .returning(["id", "name", "kind"])
    .executeTakeFirst();
}

export async function insertDelivery(db: DbOrTrx, row: Insertable<NotificationDeliveriesTable>) {
  return db.insertInto("notificationDeliveries").values(row).returning(["id"]).executeTakeFirstOrThrow();
}

export async function selectDeliveryRow(db: DbOrTrx, id: string) {
  return db.selectFrom("notificationDeliveries").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function updateDelivery(
  db: DbOrTrx,
  id: string,
  patch: Updateable<NotificationDeliveriesTable>,
) {
  await db
    .updateTable("notificationDeliveries")
    .set({ ...patch, updatedAt: new Date() })
    .where("id", "=", id)
    .execute();
}

function deliveryView(db: DbOrTrx) {
  return db
    .selectFrom("notificationDeliveries as d")
    .innerJoin("notificationChannels as c", "c.id", "d.channelId")
    .select([
      "d.id",
      "d.channelId",
      "c.name as channelName",
      "d.alertId",
      "d.event",
      "d.status",
      "d.attempts",
      "d.maxAttempts",
      "d.lastError",
      "d.createdAt",
      "d.sentAt",
    ]);
}

export async function selectDeliveries(
  db: DbOrTrx,
  filter: { status?: TDeliveryStatus | undefined; channelId?: string | undefined },
  page: NewestFirstPage,
) {
  let q = deliveryView(db);
  if (filter.status) q = q.where("d.status", "=", filter.status);
  if (filter.channelId) q = q.where("d.channelId", "=", filter.channelId);
  return newestFirst(q, { time: "d.created_at", id: "d.id" }, page).execute();
}

export async function selectDeliveryView(db: DbOrTrx, id: string) {
  return deliveryView(db).where("d.id", "=", id).executeTakeFirst();
}
