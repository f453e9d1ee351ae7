// Foundation schema: staff auth, audit chain, system flags, catalog and orders.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL,
      name text NOT NULL,
      password_hash text,
      role text NOT NULL CHECK (role IN ('ADMIN','OPERATOR','VIEWER','CUSTOMER')),
      status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE','SUSPENDED')),
      suspended_at timestamptz,
      suspension_reason text,
      last_login_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_email_key ON users (lower(email));

    CREATE TABLE sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id),
      refresh_token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      last_used_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz,
      revoked_reason text,
      ip text,
      user_agent text
    );
    CREATE INDEX sessions_user_id_idx ON sessions (user_id);

    CREATE TABLE signing_keys (
      kid text PRIMARY KEY,
      alg text NOT NULL CHECK (alg IN ('ES256','EdDSA')),
      state text NOT NULL CHECK (state IN ('NEXT','ACTIVE','RETIRING','REVOKED')),
      public_jwk jsonb NOT NULL,
      private_jwk jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      activated_at timestamptz,
      retired_at timestamptz,
      revoked_at timestamptz
    );
    CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (state) WHERE state = 'ACTIVE';

    CREATE TABLE service_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('ADMIN','OPERATOR','VIEWER')),
      token_hash text NOT NULL UNIQUE,
      token_prefix text NOT NULL,
      created_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    CREATE UNIQUE INDEX service_tokens_active_name ON service_tokens (name) WHERE revoked_at IS NULL;

    CREATE TABLE system_config (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      description text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      updated_by text
    );

    CREATE TABLE products (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      slug text NOT NULL UNIQUE,
      description text NOT NULL DEFAULT '',
      category text NOT NULL DEFAULT 'saree',
      status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE','DRAFT','ARCHIVED')),
      price_minor integer NOT NULL CHECK (price_minor >= 0),
      currency text NOT NULL DEFAULT 'INR',
      images jsonb NOT NULL DEFAULT '[]',
      low_stock_threshold integer CHECK (low_stock_threshold >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE product_variants (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      product_id uuid NOT NULL REFERENCES products(id),
      sku text NOT NULL UNIQUE,
      colour text,
      fabric text,
      blouse_piece boolean NOT NULL DEFAULT false,
      is_default boolean NOT NULL DEFAULT false,
      price_minor integer CHECK (price_minor >= 0),
      stock_quantity integer NOT NULL DEFAULT 0 CHECK (stock_quantity >= 0),
      reserved_quantity integer NOT NULL DEFAULT 0 CHECK (reserved_quantity >= 0),
      low_stock_threshold integer CHECK (low_stock_threshold >= 0),
      reorder_point integer CHECK (reorder_point >= 0),
      reorder_quantity integer CHECK (reorder_quantity >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX product_variants_product_id_idx ON product_variants (product_id);
    CREATE UNIQUE INDEX product_variants_one_default ON product_variants (product_id) WHERE is_default;

    CREATE TABLE orders (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      order_number text NOT NULL UNIQUE,
      customer_id uuid REFERENCES users(id),
      email text NOT NULL,
      status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING','PAID','FAILED','CANCELLED','REFUNDED','SHIPPED','DELIVERED')),
      payment_provider text CHECK (payment_provider IN ('STRIPE','RAZORPAY')),
      payment_reference text,
      total_minor integer NOT NULL CHECK (total_minor >= 0),
      currency text NOT NULL DEFAULT 'INR',
      paid_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX orders_status_idx ON orders (status, created_at);
    CREATE INDEX orders_payment_reference_idx ON orders (payment_reference);

    CREATE TABLE order_items (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      order_id uuid NOT NULL REFERENCES orders(id),
      variant_id uuid NOT NULL REFERENCES product_variants(id),
      quantity integer NOT NULL CHECK (quantity > 0),
      unit_price_minor integer NOT NULL CHECK (unit_price_minor >= 0)
    );
    CREATE INDEX order_items_order_id_idx ON order_items (order_id);
  `.execute(db);

  // Audit: append-only, hash-chained in insertion order. The chain is extended inside a
  // BEFORE INSERT trigger under a transaction-scoped advisory lock, so `seq` is the order
  // in which rows were chained and every row's prev_hash is the hash of seq - 1.
  await sql`
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      seq bigint NOT NULL UNIQUE,
      occurred_at timestamptz NOT NULL DEFAULT now(),
      actor_type text NOT NULL CHECK (actor_type IN ('USER','SERVICE','SYSTEM','ANONYMOUS')),
      actor_id text,
      actor_label text,
      action text NOT NULL,
      target_type text,
      target_id text,
      before jsonb,
      after jsonb,
      reason text,
      request_id text,
      ip text,
      prev_hash text NOT NULL,
      hash text NOT NULL
    );
    CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at DESC);
    CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);

    CREATE FUNCTION audit_row_hash(prev text, r audit_log) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
      SELECT encode(sha256(convert_to(prev || jsonb_build_array(
        r.seq, (extract(epoch FROM r.occurred_at) * 1000000)::bigint, r.actor_type, r.actor_id,
        r.actor_label, r.action, r.target_type, r.target_id, r.before, r.after, r.reason,
        r.request_id, r.ip)::text, 'UTF8')), 'hex')
    $$;

    CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      last_seq bigint;
      last_hash text;
    BEGIN
      PERFORM pg_advisory_xact_lock(7340001);
      SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
      NEW.seq := coalesce(last_seq, 0) + 1;
      NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
      NEW.hash := audit_row_hash(NEW.prev_hash, NEW);
      RETURN NEW;
    END $$;

    CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$;

    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS audit_log, order_items, orders, product_variants, products,
      system_config, service_tokens, signing_keys, sessions, users CASCADE;
    DROP FUNCTION IF EXISTS audit_log_chain, audit_log_refuse_change, audit_row_hash;
  `.execute(db);
}
