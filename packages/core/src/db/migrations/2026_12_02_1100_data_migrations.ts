// Checkpoints of named data migrations (not schema): where a batched run stopped, its counts and
// whether an operator asked it to pause. Frozen in time: never edit after it has shipped.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE data_migrations (
      name text PRIMARY KEY,
      status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING','RUNNING','PAUSED','COMPLETED','FAILED')),
      checkpoint text,
      rows_scanned bigint NOT NULL DEFAULT 0,
      rows_changed bigint NOT NULL DEFAULT 0,
      batches integer NOT NULL DEFAULT 0,
      pause_requested boolean NOT NULL DEFAULT false,
      error text,
      started_at timestamptz,
      finished_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS data_migrations`.execute(db);
}
