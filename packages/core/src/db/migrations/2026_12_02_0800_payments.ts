// Payments and refunds as records; orders gain PARTIALLY_REFUNDED and an OVERSOLD mark; webhook
// events gain NEEDS_REVIEW (money that does not match the order) and a body hash to dedupe on.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orders DROP CONSTRAINT orders_status_check;
    ALTER TABLE orders ADD CONSTRAINT orders_status_check
      CHECK (status IN ('PENDING','PAID','FAILED','CANCELLED','PARTIALLY_REFUNDED','REFUNDED','SHIPPED','DELIVERED'));
    -- Paid although the stock was gone: what each item was short of, until ops restock or refund.
    ALTER TABLE orders ADD COLUMN oversold_at timestamptz, ADD COLUMN oversold_items jsonb;
    CREATE INDEX orders_oversold_idx ON orders (oversold_at) WHERE oversold_at IS NOT NULL;
    CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);

    CREATE TABLE payments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      order_id uuid NOT NULL REFERENCES orders(id),
      provider text NOT NULL CHECK (provider IN ('STRIPE','RAZORPAY')),
      provider_payment_id text NOT NULL,
      amount_minor integer NOT NULL CHECK (amount_minor >= 0),
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('CAPTURED','FAILED','RETURNED')),
      failure_reason text,
      captured_at timestamptz,
      webhook_event_id uuid REFERENCES webhook_events(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (provider, provider_payment_id)
    );
    CREATE INDEX payments_order_idx ON payments (order_id);
    CREATE INDEX payments_failed_idx ON payments (provider, created_at DESC) WHERE status = 'FAILED';

    CREATE TABLE refunds (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      payment_id uuid NOT NULL REFERENCES payments(id),
      order_id uuid NOT NULL REFERENCES orders(id),
      provider text NOT NULL CHECK (provider IN ('STRIPE','RAZORPAY')),
      -- A charge.refunded without its refund list records the missing amount under a placeholder
      -- id; the refund.* event for it later claims the row (placeholder = false) instead of adding.
      provider_refund_id text NOT NULL,
      placeholder boolean NOT NULL DEFAULT false,
      amount_minor integer NOT NULL CHECK (amount_minor > 0),
      currency text NOT NULL,
      reason text,
      webhook_event_id uuid REFERENCES webhook_events(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (provider, provider_refund_id)
    );
    CREATE INDEX refunds_payment_idx ON refunds (payment_id);
    CREATE INDEX refunds_order_idx ON refunds (order_id);

    ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_status_check;
    ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_status_check
      CHECK (status IN ('PENDING','PROCESSING','PROCESSED','FAILED','IGNORED','NEEDS_REVIEW'));
    ALTER TABLE webhook_events
      ADD COLUMN review_reason text,
      ADD COLUMN resolution text CHECK (resolution IN ('ACCEPTED_AS_PAID','MARKED_REFUNDED','DISMISSED')),
      ADD COLUMN resolution_reason text,
      ADD COLUMN resolved_by text,
      ADD COLUMN resolved_at timestamptz,
      ADD COLUMN body_sha256 text;
    -- The body's hash identifies an event whose id travels unsigned (Razorpay's header): the same
    -- signed body under another event id is the same event. Older duplicates keep a NULL hash.
    UPDATE webhook_events e SET body_sha256 = encode(sha256(e.raw_bytes), 'hex')
    WHERE e.id IN (SELECT DISTINCT ON (provider, encode(sha256(raw_bytes), 'hex')) id FROM webhook_events
                   ORDER BY provider, encode(sha256(raw_bytes), 'hex'), received_at, id);
    CREATE UNIQUE INDEX webhook_events_body_sha256 ON webhook_events (provider, body_sha256);

    ALTER TABLE webhook_attempts DROP CONSTRAINT webhook_attempts_outcome_check;
    ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_outcome_check
      CHECK (outcome IN ('PROCESSED','IGNORED','FAILED','NEEDS_REVIEW'));

    -- Existing paid orders get their payment as a record, so totals derive from payments alone.
    INSERT INTO payments (order_id, provider, provider_payment_id, amount_minor, currency, status, captured_at)
    SELECT id, payment_provider, payment_reference, total_minor, currency, 'CAPTURED', coalesce(paid_at, updated_at)
    FROM orders WHERE status IN ('PAID','SHIPPED','DELIVERED','REFUNDED')
      AND payment_provider IS NOT NULL AND payment_reference IS NOT NULL
    ON CONFLICT DO NOTHING;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS refunds, payments;
    ALTER TABLE webhook_events DROP COLUMN IF EXISTS review_reason, DROP COLUMN IF EXISTS resolution,
      DROP COLUMN IF EXISTS resolution_reason, DROP COLUMN IF EXISTS resolved_by,
      DROP COLUMN IF EXISTS resolved_at, DROP COLUMN IF EXISTS body_sha256;
    ALTER TABLE orders DROP COLUMN IF EXISTS oversold_at, DROP COLUMN IF EXISTS oversold_items;
  `.execute(db);
}
