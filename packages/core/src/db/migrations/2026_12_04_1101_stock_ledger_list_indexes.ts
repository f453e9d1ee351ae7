// Indexes for the stock "low" list and the ledger's "changes since" (issue 13; measured by
// packages/core/bench/lists.bench.ts). Low stock compares available stock with a threshold taken
// from the variant, else its product, else the global default: listStock reads one page per
// source, and the variant's own and the default's walk these partial expression indexes in
// urgency order. "Changes since" filters the ledger by time and pages it by id: the time index
// carries what both of its statements read, so neither visits the ledger's heap for the window.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX product_variants_low_own_idx
      ON product_variants ((stock_quantity - reserved_quantity - low_stock_threshold), sku)
      WHERE low_stock_threshold IS NOT NULL;
    CREATE INDEX product_variants_low_default_idx
      ON product_variants ((stock_quantity - reserved_quantity), sku)
      WHERE low_stock_threshold IS NULL;
    CREATE INDEX products_own_threshold_idx ON products (id) WHERE low_stock_threshold IS NOT NULL;
    CREATE INDEX inventory_transactions_created_cover_idx
      ON inventory_transactions (created_at) INCLUDE (id, variant_id, product_id, quantity);
    DROP INDEX inventory_transactions_created_at_idx;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX IF NOT EXISTS inventory_transactions_created_at_idx ON inventory_transactions (created_at);
    DROP INDEX IF EXISTS product_variants_low_own_idx, product_variants_low_default_idx,
      products_own_threshold_idx, inventory_transactions_created_cover_idx;
  `.execute(db);
}
