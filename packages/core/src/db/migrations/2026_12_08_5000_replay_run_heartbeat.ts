// A replay run's heartbeat: the run's executor writes it with every progress save (each batch,
// and every 500 ms of a rate-limited run). The minute sweep resumes a RUNNING run whose heartbeat
// stopped (its worker was killed: the job ran once and is gone) and finishes a CANCELLING one, so
// their events are not held by a run nobody executes. Frozen in time: never edit after it has
// shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_replay_runs ADD COLUMN heartbeat_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_replay_runs DROP COLUMN IF EXISTS heartbeat_at`.execute(db);
}
