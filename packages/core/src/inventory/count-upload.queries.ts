// Kysely for inventory_count_uploads.
import type { Insertable, Selectable } from "kysely";
import type { DbOrTrx, InventoryCountUploadsTable, Trx } from "../db/database";

export type CountUploadRow = Selectable<InventoryCountUploadsTable>;

export async function insertCountUpload(
  trx: Trx,
  upload: Insertable<InventoryCountUploadsTable>,
): Promise<CountUploadRow> {
  return trx.insertInto("inventoryCountUploads").values(upload).returningAll().executeTakeFirstOrThrow();
}

export async function findCountUpload(db: DbOrTrx, id: string): Promise<CountUploadRow | undefined> {
  return db.selectFrom("inventoryCountUploads").selectAll().where("id", "=", id).executeTakeFirst();
}
