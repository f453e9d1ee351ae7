// Uploaded count files: the bytes as received (the sha256 can be checked against them) and what
// the parser read, so a reset can be previewed and applied by upload id.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE inventory_count_uploads (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      file_name text NOT NULL,
      content bytea NOT NULL,
      size_bytes integer NOT NULL CHECK (size_bytes >= 0),
      sha256 text NOT NULL,
      source text NOT NULL CHECK (source IN ('EXPORT','SHOPIFY','ROWS')),
      row_count integer NOT NULL,
      ignored_count integer NOT NULL,
      actor_type text NOT NULL,
      actor_id text,
      actor_label text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX inventory_count_uploads_created_at_idx ON inventory_count_uploads (created_at DESC);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS inventory_count_uploads`.execute(db);
}
