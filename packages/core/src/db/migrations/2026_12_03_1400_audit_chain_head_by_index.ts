// The audit chain trigger finds the chain's head (the row with the highest seq) for every insert.
// PL/pgSQL caches that lookup's plan per session, planned against the table as it was at the
// first insert: on a young audit log that is a sequential scan, kept for the session, so a burst
// of audit rows (a 10,000-event replay) cost O(n²) — 52 s for 10,000 rows in one statement.
// With sequential scans off inside the trigger the head is always one step down the seq index.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER FUNCTION audit_log_chain() SET enable_seqscan = off`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER FUNCTION audit_log_chain() RESET enable_seqscan`.execute(db);
}
