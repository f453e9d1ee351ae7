// Webhook intake without a job per request: graphile-worker's add_job NOTIFYs on every call and
// serialises commits, which capped intake near 1,800 events/s. Intake now only inserts; a
// dispatcher turns unqueued PENDING rows into jobs in batches and stamps queued_at.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE webhook_events ADD COLUMN queued_at timestamptz;
    -- Rows stored before this migration got their job at intake.
    UPDATE webhook_events SET queued_at = received_at;
    CREATE INDEX webhook_events_unqueued_idx ON webhook_events (received_at) WHERE status = 'PENDING' AND queued_at IS NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_events DROP COLUMN IF EXISTS queued_at`.execute(db);
}
