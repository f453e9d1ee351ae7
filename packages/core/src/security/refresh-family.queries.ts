// Refresh-token history: every refresh token a session has replaced, so a replay is recognised.
import type { DbOrTrx, Trx } from "../db/database";

export async function insertRotatedRefreshHash(
  trx: Trx,
  tokenHash: string,
  sessionId: string,
): Promise<void> {
  await trx
    .insertInto("refreshTokenHistory")
    .values({ tokenHash, sessionId })
    .onConflict((oc) => oc.column("tokenHash").doNothing())
    .execute();
}

/** The session (family) whose refresh token this once was, with its user. */
export async function findRotatedRefreshFamily(db: DbOrTrx, tokenHash: string) {
  return db
    .selectFrom("refreshTokenHistory")
    .innerJoin("sessions", "sessions.id", "refreshTokenHistory.sessionId")
    .innerJoin("users", "users.id", "sessions.userId")
    .select(["sessions.id as sessionId", "sessions.revokedAt", "users.id as userId", "users.email"])
    .where("refreshTokenHistory.tokenHash", "=", tokenHash)
    .executeTakeFirst();
}
