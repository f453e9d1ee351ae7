// Hash indexes on the variant and product ids, for the ledger's "changes since" summary (issue 13;
// measured by packages/core/bench/lists.bench.ts). The summary is returned whole on every page and
// looks up each variant that moved in the window (~2,700 in a day at 1M ledger rows) and its
// product, one key at a time: a hash probe reads about two pages where the primary key's B-tree
// reads three levels, so the summary touches ~11,000 buffers instead of ~19,000. Only ids are
// indexed (never updated), so stock updates stay HOT; the primary keys stay for uniqueness.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX product_variants_id_hash ON product_variants USING hash (id);
    CREATE INDEX products_id_hash ON products USING hash (id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS product_variants_id_hash, products_id_hash`.execute(db);
}
