// Notification channel secrets sealed with the master key (secret_sealed; the plain jsonb
// `secret` is emptied at start-up by sealStoredChannelSecrets), and request-metric deltas that
// every server instance flushes for the minute sampler to merge (request_stat_flushes).
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE notification_channels
      ALTER COLUMN secret DROP NOT NULL,
      ADD COLUMN secret_sealed text,
      ADD COLUMN secret_fingerprint text;

    CREATE TABLE request_stat_flushes (
      id bigserial PRIMARY KEY,
      instance text NOT NULL,
      flushed_at timestamptz NOT NULL DEFAULT now(),
      requests bigint NOT NULL CHECK (requests >= 0),
      errors bigint NOT NULL CHECK (errors >= 0),
      -- Non-cumulative request counts per latency bucket: {"0.005": 3, ..., "+Inf": 1}.
      buckets jsonb NOT NULL
    );
    CREATE INDEX request_stat_flushes_flushed_at_idx ON request_stat_flushes (flushed_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE request_stat_flushes;
    ALTER TABLE notification_channels DROP COLUMN secret_fingerprint, DROP COLUMN secret_sealed;
  `.execute(db);
}
