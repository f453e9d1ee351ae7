// Inventory: the append-only stock ledger, physical-count batches and low-stock alerts.
// Frozen in time: never edit after it has shipped; add a new migration instead.
//
// Stock model: `stock_quantity` is what is on the shelf, `reserved_quantity` what is held for
// unpaid orders; available = on hand - reserved. Every ledger row carries both deltas, so for
// every variant sum(quantity) = stock_quantity and sum(reserved_delta) = reserved_quantity.
// Variants that already have stock get one opening ADJUSTMENT row here so that holds at once.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE inventory_batches (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      batch_key text NOT NULL UNIQUE,
      kind text NOT NULL DEFAULT 'RESET' CHECK (kind IN ('RESET')),
      status text NOT NULL DEFAULT 'APPLIED' CHECK (status IN ('APPLIED','ROLLED_BACK')),
      source text NOT NULL CHECK (source IN ('EXPORT','SHOPIFY','ROWS')),
      reason text NOT NULL,
      reference text,
      notes text,
      on_problem text NOT NULL CHECK (on_problem IN ('REJECT','SKIP')),
      row_count integer NOT NULL,
      changed_count integer NOT NULL,
      skipped jsonb NOT NULL DEFAULT '[]',
      actor_type text NOT NULL,
      actor_id text,
      actor_label text,
      created_at timestamptz NOT NULL DEFAULT now(),
      rolled_back_at timestamptz,
      rolled_back_by text,
      rollback_reason text
    );
    CREATE INDEX inventory_batches_created_at_idx ON inventory_batches (created_at DESC);

    -- Each variant's prior and new value in a batch: what a rollback undoes.
    CREATE TABLE inventory_batch_items (
      batch_id uuid NOT NULL REFERENCES inventory_batches(id),
      variant_id uuid NOT NULL REFERENCES product_variants(id),
      previous_stock integer NOT NULL,
      new_stock integer NOT NULL CHECK (new_stock >= 0),
      delta integer NOT NULL,
      reason text,
      notes text,
      PRIMARY KEY (batch_id, variant_id)
    );

    CREATE TABLE inventory_transactions (
      id bigserial PRIMARY KEY,
      type text NOT NULL CHECK (type IN ('SALE','RETURN','RESTOCK','ADJUSTMENT','RESERVATION','RELEASE','ROLLBACK')),
      product_id uuid NOT NULL REFERENCES products(id),
      variant_id uuid NOT NULL REFERENCES product_variants(id),
      quantity integer NOT NULL,
      previous_stock integer NOT NULL,
      new_stock integer NOT NULL CHECK (new_stock >= 0),
      reserved_delta integer NOT NULL DEFAULT 0,
      previous_reserved integer NOT NULL DEFAULT 0,
      new_reserved integer NOT NULL DEFAULT 0 CHECK (new_reserved >= 0),
      reason text NOT NULL,
      batch_id uuid REFERENCES inventory_batches(id),
      order_id uuid REFERENCES orders(id),
      webhook_event_id text,
      idempotency_key text,
      actor_type text NOT NULL,
      actor_id text,
      actor_label text,
      reference text,
      notes text,
      metadata jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (new_stock = previous_stock + quantity),
      CHECK (new_reserved = previous_reserved + reserved_delta)
    );
    CREATE INDEX inventory_transactions_variant_idx ON inventory_transactions (variant_id, id);
    CREATE INDEX inventory_transactions_created_at_idx ON inventory_transactions (created_at);
    CREATE INDEX inventory_transactions_batch_idx ON inventory_transactions (batch_id) WHERE batch_id IS NOT NULL;
    CREATE INDEX inventory_transactions_order_idx ON inventory_transactions (order_id) WHERE order_id IS NOT NULL;
    CREATE UNIQUE INDEX inventory_transactions_idempotency_key ON inventory_transactions (idempotency_key)
      WHERE idempotency_key IS NOT NULL;

    CREATE FUNCTION inventory_transactions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'inventory_transactions is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER inventory_transactions_no_update_delete BEFORE UPDATE OR DELETE ON inventory_transactions
      FOR EACH ROW EXECUTE FUNCTION inventory_transactions_refuse_change();
    CREATE TRIGGER inventory_transactions_no_truncate BEFORE TRUNCATE ON inventory_transactions
      FOR EACH STATEMENT EXECUTE FUNCTION inventory_transactions_refuse_change();

    -- One open alert per variant at a time: opened when it crosses its threshold, resolved
    -- (never deleted) when it recovers.
    CREATE TABLE inventory_low_stock_alerts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      variant_id uuid NOT NULL REFERENCES product_variants(id),
      threshold integer NOT NULL,
      available_at_open integer NOT NULL,
      opened_at timestamptz NOT NULL DEFAULT now(),
      resolved_at timestamptz,
      available_at_resolve integer
    );
    CREATE UNIQUE INDEX inventory_low_stock_alerts_one_open ON inventory_low_stock_alerts (variant_id)
      WHERE resolved_at IS NULL;
    CREATE INDEX inventory_low_stock_alerts_opened_idx ON inventory_low_stock_alerts (opened_at DESC);

    INSERT INTO inventory_transactions
      (type, product_id, variant_id, quantity, previous_stock, new_stock, reserved_delta, previous_reserved,
       new_reserved, reason, actor_type, actor_label)
    SELECT 'ADJUSTMENT', product_id, id, stock_quantity, 0, stock_quantity, reserved_quantity, 0,
       reserved_quantity, 'Opening balance (ledger introduced)', 'SYSTEM', 'migration 2026_11_28_0002'
    FROM product_variants WHERE stock_quantity <> 0 OR reserved_quantity <> 0 ORDER BY id;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS inventory_low_stock_alerts, inventory_transactions, inventory_batch_items,
      inventory_batches CASCADE;
    DROP FUNCTION IF EXISTS inventory_transactions_refuse_change;
  `.execute(db);
}
