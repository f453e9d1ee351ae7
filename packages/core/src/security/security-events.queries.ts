// Security-events SQL: append one row and trim the table to its newest `cap` rows.
import type { Insertable } from "kysely";
import type { DbOrTrx, SecurityEventsTable } from "../db/database";

/** Inserts, then deletes what falls below the newest `cap` ids (a range delete on the key). */
export async function insertSecurityEventCapped(
  db: DbOrTrx,
  row: Insertable<SecurityEventsTable>,
  cap: number,
): Promise<void> {
  const { id } = await db.insertInto("securityEvents").values(row).returning("id").executeTakeFirstOrThrow();
  const floor = BigInt(id) - BigInt(cap);
  if (floor > 0n)
    await db
      .deleteFrom("securityEvents")
      .where("id", "<=", floor.toString() as never)
      .execute();
}

export async function selectSecurityEvents(
  db: DbOrTrx,
  f: { limit: number; beforeId: string | null; kind?: string | undefined },
) {
  let q = db.selectFrom("securityEvents").selectAll().orderBy("id", "desc").limit(f.limit);
  if (f.beforeId !== null) q = q.where("id", "<", f.beforeId as never);
  if (f.kind) q = q.where("kind", "=", f.kind as never);
  return q.execute();
}

export async function countSecurityEvents(db: DbOrTrx): Promise<number> {
  const r = await db
    .selectFrom("securityEvents")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
