// Session SQL for operators: list with the user's email, and sign-everyone-out.
import type { DbOrTrx } from "../db/database";
import { newestFirst, type NewestFirstPage } from "../pagination/keyset";

/** Newest first by (createdAt, id); live sessions only unless `includeEnded`. */
export async function selectSessions(
  db: DbOrTrx,
  filter: { userId?: string; includeEnded?: boolean },
  page: NewestFirstPage,
) {
  let q = db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.userId")
    .select([
      "sessions.id",
      "sessions.userId",
      "users.email as userEmail",
      "sessions.createdAt",
      "sessions.lastUsedAt",
      "sessions.expiresAt",
      "sessions.ip",
      "sessions.userAgent",
      "sessions.revokedAt",
      "sessions.revokedReason",
    ]);
  if (filter.userId) q = q.where("sessions.userId", "=", filter.userId);
  if (!filter.includeEnded)
    q = q.where("sessions.revokedAt", "is", null).where("sessions.expiresAt", ">", new Date());
  return newestFirst(q, { time: "sessions.createdAt", id: "sessions.id" }, page).execute();
}

/** Ends every live session (the emergency "sign everyone out"); returns how many. */
export async function revokeAllSessions(db: DbOrTrx, reason: string): Promise<number> {
  const res = await db
    .updateTable("sessions")
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where("revokedAt", "is", null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
