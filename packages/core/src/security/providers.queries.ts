// Provider key-rotation checklist SQL.
import type { Selectable } from "kysely";
import type { DbOrTrx, ProviderKeyRotationsTable, Trx } from "../db/database";
import { newestFirst, type NewestFirstPage } from "../pagination/keyset";
import type { TProvider } from "../webhooks/webhooks.schema";
import type { TRotationStatus, TRotationStep } from "./secops.schema";

export type RotationRow = Selectable<ProviderKeyRotationsTable>;

export async function selectRotationsPage(db: DbOrTrx, page: NewestFirstPage) {
  return newestFirst(
    db.selectFrom("providerKeyRotations").selectAll(),
    { time: "createdAt", id: "id" },
    page,
  ).execute();
}

export async function selectRotationSteps(db: DbOrTrx, rotationIds: readonly string[]) {
  if (!rotationIds.length) return [];
  return db
    .selectFrom("providerKeyRotationSteps")
    .selectAll()
    .where("rotationId", "in", rotationIds)
    .execute();
}

export async function findOpenRotation(db: DbOrTrx, provider: TProvider) {
  return db
    .selectFrom("providerKeyRotations")
    .selectAll()
    .where("provider", "=", provider)
    .where("status", "=", "OPEN")
    .executeTakeFirst();
}

export async function insertRotation(
  db: DbOrTrx,
  row: { provider: TProvider; reason: string; createdBy: string | null },
): Promise<RotationRow> {
  return db.insertInto("providerKeyRotations").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function lockRotation(trx: Trx, id: string): Promise<RotationRow | undefined> {
  return trx
    .selectFrom("providerKeyRotations")
    .selectAll()
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
}

/** Records a step once; a repeat keeps the first record (who did it first, and when). */
export async function insertRotationStep(
  db: DbOrTrx,
  row: { rotationId: string; step: TRotationStep; doneBy: string; note: string | null },
): Promise<boolean> {
  const inserted = await db
    .insertInto("providerKeyRotationSteps")
    .values(row)
    .onConflict((oc) => oc.columns(["rotationId", "step"]).doNothing())
    .returning("step")
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function finishRotation(db: DbOrTrx, id: string, status: TRotationStatus): Promise<RotationRow> {
  return db
    .updateTable("providerKeyRotations")
    .set({ status, finishedAt: new Date() })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
