// Webhook inbox, attempt history, rejected requests, rolling secrets and bulk replay runs.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE webhook_secrets (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      provider text NOT NULL CHECK (provider IN ('STRIPE','RAZORPAY')),
      secret text NOT NULL,
      label text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      revoked_at timestamptz
    );

    CREATE TABLE webhook_replay_runs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED','RUNNING','CANCELLING','CANCELLED','COMPLETED','FAILED')),
      filter jsonb NOT NULL,
      rate_per_second integer CHECK (rate_per_second > 0),
      concurrency integer NOT NULL DEFAULT 4 CHECK (concurrency BETWEEN 1 AND 32),
      total integer NOT NULL DEFAULT 0,
      done integer NOT NULL DEFAULT 0,
      succeeded integer NOT NULL DEFAULT 0,
      failed integer NOT NULL DEFAULT 0,
      skipped integer NOT NULL DEFAULT 0,
      error text,
      created_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz
    );

    CREATE TABLE webhook_events (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      provider text NOT NULL CHECK (provider IN ('STRIPE','RAZORPAY')),
      provider_event_id text NOT NULL,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      raw_body text NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}',
      payment_reference text,
      order_reference text,
      received_at timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING','PROCESSING','PROCESSED','FAILED','IGNORED')),
      attempt_count integer NOT NULL DEFAULT 0,
      last_error text,
      next_attempt_at timestamptz,
      processed_at timestamptz,
      order_id uuid REFERENCES orders(id),
      replay_run_id uuid REFERENCES webhook_replay_runs(id),
      UNIQUE (provider, provider_event_id)
    );
    CREATE INDEX webhook_events_received_idx ON webhook_events (received_at DESC, id DESC);
    CREATE INDEX webhook_events_status_idx ON webhook_events (status, provider, received_at);
    CREATE INDEX webhook_events_payment_ref_idx ON webhook_events (payment_reference);

    CREATE TABLE webhook_attempts (
      id bigserial PRIMARY KEY,
      event_id uuid NOT NULL REFERENCES webhook_events(id),
      number integer NOT NULL,
      trigger text NOT NULL CHECK (trigger IN ('AUTO','REPLAY')),
      operator text,
      replay_run_id uuid REFERENCES webhook_replay_runs(id),
      started_at timestamptz NOT NULL,
      finished_at timestamptz NOT NULL DEFAULT now(),
      outcome text NOT NULL CHECK (outcome IN ('PROCESSED','IGNORED','FAILED')),
      error text,
      UNIQUE (event_id, number)
    );

    CREATE TABLE webhook_rejections (
      id bigserial PRIMARY KEY,
      provider text NOT NULL CHECK (provider IN ('STRIPE','RAZORPAY')),
      received_at timestamptz NOT NULL DEFAULT now(),
      reason text NOT NULL,
      status_code integer NOT NULL,
      ip text,
      request_id text,
      body_sha256 text,
      body_bytes integer NOT NULL DEFAULT 0,
      headers jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX webhook_rejections_received_idx ON webhook_rejections (received_at DESC);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS webhook_rejections, webhook_attempts, webhook_events, webhook_replay_runs, webhook_secrets CASCADE`.execute(
    db,
  );
}
