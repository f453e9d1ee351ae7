// Webhook events keep the exact bytes they were signed over (raw_body is their UTF-8 reading,
// which cannot hold every byte sequence), and say when the stored payload had to be sanitized
// because Postgres jsonb refused the body as sent (\u0000, lone surrogates, huge numbers).
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE webhook_events
      ADD COLUMN raw_bytes bytea,
      ADD COLUMN payload_sanitized boolean NOT NULL DEFAULT false;
    UPDATE webhook_events SET raw_bytes = convert_to(raw_body, 'UTF8');
    ALTER TABLE webhook_events ALTER COLUMN raw_bytes SET NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_events DROP COLUMN IF EXISTS raw_bytes, DROP COLUMN IF EXISTS payload_sanitized`.execute(
    db,
  );
}
