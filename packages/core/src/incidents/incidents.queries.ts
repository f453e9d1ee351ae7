// Incident SQL: incidents, their own timeline entries, and the audit events and alerts that
// happened while one was open.
import { sql, type Insertable, type Selectable, type Updateable } from "kysely";
import type { DbOrTrx, IncidentEntriesTable, IncidentsTable, Trx } from "../db/database";
import { newestFirst, type NewestFirstPage } from "../pagination/keyset";
import type { TIncidentStatus } from "./incidents.schema";

export type IncidentRow = Selectable<IncidentsTable>;
export type IncidentEntryRow = Selectable<IncidentEntriesTable>;

export async function insertIncident(db: DbOrTrx, row: Insertable<IncidentsTable>): Promise<IncidentRow> {
  return db.insertInto("incidents").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function selectIncident(db: DbOrTrx, id: string): Promise<IncidentRow | undefined> {
  return db.selectFrom("incidents").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function lockIncident(trx: Trx, id: string): Promise<IncidentRow | undefined> {
  return trx.selectFrom("incidents").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function updateIncident(
  db: DbOrTrx,
  id: string,
  patch: Updateable<IncidentsTable>,
): Promise<IncidentRow> {
  return db.updateTable("incidents").set(patch).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export async function selectIncidents(
  db: DbOrTrx,
  filter: { status?: TIncidentStatus | undefined },
  page: NewestFirstPage,
) {
  let q = db.selectFrom("incidents").selectAll();
  if (filter.status) q = q.where("status", "=", filter.status);
  return newestFirst(q, { time: "incidents.declared_at", id: "incidents.id" }, page).execute();
}

/** Incidents not yet resolved, oldest first: timeline attachments go to these. */
export async function selectOpenIncidents(db: DbOrTrx): Promise<IncidentRow[]> {
  return db
    .selectFrom("incidents")
    .selectAll()
    .where("status", "in", ["INVESTIGATING", "IDENTIFIED", "MONITORING"])
    .orderBy("declaredAt")
    .execute();
}

export async function insertIncidentEntry(db: DbOrTrx, row: Insertable<IncidentEntriesTable>): Promise<void> {
  await db.insertInto("incidentEntries").values(row).execute();
}

export async function selectIncidentEntries(db: DbOrTrx, incidentId: string): Promise<IncidentEntryRow[]> {
  return db
    .selectFrom("incidentEntries")
    .selectAll()
    .where("incidentId", "=", incidentId)
    .orderBy("at")
    .orderBy("id")
    .execute();
}

/** Audit events in [from, to], except the incident domain's own (their entries say it better). */
export async function selectAuditDuring(db: DbOrTrx, from: Date, to: Date, limit: number) {
  return db
    .selectFrom("auditLog")
    .select(["seq", "occurredAt", "actorLabel", "action", "targetType", "targetId", "reason"])
    .where("occurredAt", ">=", from)
    .where("occurredAt", "<=", to)
    .where("action", "not like", "incidents.%")
    .orderBy("seq")
    .limit(limit)
    .execute();
}

export async function selectAlertsFiredDuring(db: DbOrTrx, from: Date, to: Date) {
  return db
    .selectFrom("alerts")
    .innerJoin("alertRules", "alertRules.id", "alerts.ruleId")
    .select([
      "alerts.id",
      "alerts.firedAt",
      "alerts.resolvedAt",
      "alerts.message",
      "alerts.severity",
      "alertRules.name as ruleName",
    ])
    .where((eb) => eb.or([eb.between("alerts.firedAt", from, to), eb.between("alerts.resolvedAt", from, to)]))
    .orderBy("alerts.firedAt")
    .execute();
}

export async function selectAlertForIncident(db: DbOrTrx, alertId: string) {
  return db
    .selectFrom("alerts")
    .innerJoin("alertRules", "alertRules.id", "alerts.ruleId")
    .select([
      "alerts.id",
      "alerts.message",
      "alerts.severity",
      "alerts.subject",
      "alertRules.name as ruleName",
    ])
    .where("alerts.id", "=", alertId)
    .executeTakeFirst();
}

/** now() from the database, so timers agree across servers whose clocks drift. */
export async function databaseNow(db: DbOrTrx): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
  return rows[0]?.now ?? new Date();
}
