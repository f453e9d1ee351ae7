// Emergency-check SQL: the writability probe and stored reports.
import { sql, type Insertable } from "kysely";
import type { DbOrTrx, EmergencyChecksTable, Trx } from "../db/database";
import { newestFirst, type NewestFirstPage } from "../pagination/keyset";

/** Whether this session could write: not a standby, not read-only. */
export async function readWritability(trx: Trx) {
  const { rows } = await sql<{ inRecovery: boolean; readOnly: string }>`
    SELECT pg_is_in_recovery() AS in_recovery, current_setting('transaction_read_only') AS read_only
  `.execute(trx);
  // A real write, rolled back by the caller: proves permissions and a working WAL.
  await sql`CREATE TEMP TABLE ops_write_probe (x int) ON COMMIT DROP; INSERT INTO ops_write_probe VALUES (1)`.execute(
    trx,
  );
  return rows[0];
}

export async function insertCheck(db: DbOrTrx, row: Insertable<EmergencyChecksTable>) {
  return db.insertInto("emergencyChecks").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function selectCheck(db: DbOrTrx, id: string) {
  return db.selectFrom("emergencyChecks").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function selectChecks(db: DbOrTrx, page: NewestFirstPage) {
  return newestFirst(
    db.selectFrom("emergencyChecks").selectAll(),
    { time: "emergency_checks.created_at", id: "emergency_checks.id" },
    page,
  ).execute();
}

export async function selectIncidentIdsForCheck(db: DbOrTrx, checkId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("incidentEntries")
    .select("incidentId")
    .where("kind", "=", "CHECK")
    .where(sql`data->>'checkId'`, "=", checkId)
    .execute();
  return rows.map((r) => r.incidentId);
}
