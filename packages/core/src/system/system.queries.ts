// system_config SQL (flag values by key) and the database liveness probe.
import { sql } from "kysely";
import type { DbOrTrx, Trx } from "../db/database";

export async function selectConfigRows(db: DbOrTrx, keys: readonly string[]) {
  return db.selectFrom("systemConfig").selectAll().where("key", "in", keys).execute();
}

export async function selectConfigValue(db: DbOrTrx, key: string) {
  return db.selectFrom("systemConfig").select("value").where("key", "=", key).executeTakeFirst();
}

/** Locks the key's row, if it exists, until the transaction ends. */
export async function lockConfigValue(trx: Trx, key: string) {
  return trx.selectFrom("systemConfig").select("value").where("key", "=", key).forUpdate().executeTakeFirst();
}

export async function upsertConfigValue(
  db: DbOrTrx,
  row: { key: string; value: unknown; description: string; updatedBy: string | null },
): Promise<void> {
  const value = JSON.stringify(row.value);
  await db
    .insertInto("systemConfig")
    .values({ key: row.key, value, description: row.description, updatedBy: row.updatedBy })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({ value, updatedAt: new Date(), updatedBy: row.updatedBy }),
    )
    .execute();
}

export async function pingDatabase(db: DbOrTrx): Promise<void> {
  await sql`select 1`.execute(db);
}
