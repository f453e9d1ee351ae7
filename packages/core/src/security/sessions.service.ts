// Staff sessions for operators: who is signed in where, and ending sessions (one, a user's, or
// everyone's). Access tokens are checked against their session on every request, so a revoked
// session's token fails on the very next call on every instance.
import { z } from "zod";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { type Actor, writeAudit } from "../audit/audit.service";
import { findUserByEmail, revokeSessions } from "./security.queries";
import { revokeAllSessions, selectSessions } from "./sessions.queries";
import {
  ZRevokeSessions,
  ZSessionListInput,
  type TSessionInfo,
  type TSessionListInput,
} from "./secops.schema";

const ZSessionKey = z.tuple([ZKeyTime, z.uuid()]);

export async function listSessions(db: Db, raw: TSessionListInput = {}): Promise<TPage<TSessionInfo>> {
  const { cursor, limit, userEmail, includeEnded } = ZSessionListInput.parse(raw);
  let userId: string | undefined;
  if (userEmail) {
    const user = await findUserByEmail(db, userEmail.toLowerCase());
    if (!user) throw new DomainError("NOT_FOUND", `No user with email ${userEmail}`);
    userId = user.id;
  }
  const rows = await selectSessions(
    db,
    { ...(userId ? { userId } : {}), includeEnded: includeEnded ?? false },
    { limit: limit + 1, before: decodeCursor(cursor, ZSessionKey) },
  );
  return toPage(
    rows,
    limit,
    (r) => ({
      id: r.id,
      userId: r.userId,
      userEmail: r.userEmail,
      createdAt: r.createdAt.toISOString(),
      lastUsedAt: r.lastUsedAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
      ip: r.ip,
      userAgent: r.userAgent,
      revokedAt: r.revokedAt?.toISOString() ?? null,
      revokedReason: r.revokedReason,
    }),
    (r) => [r.keyTime, r.id],
  );
}

/** Ends one session, a user's sessions or everyone's; one audit event with the reason and count. */
export async function revokeSessionsFor(db: Db, actor: Actor, raw: unknown): Promise<{ revoked: number }> {
  const input = ZRevokeSessions.parse(raw);
  return db.transaction().execute(async (trx) => {
    let revoked: number;
    let target: { type: string; id: string | null };
    if ("all" in input) {
      revoked = await revokeAllSessions(trx, `all sessions: ${input.reason}`);
      target = { type: "sessions", id: "all" };
    } else if ("userEmail" in input) {
      const user = await findUserByEmail(trx, input.userEmail.toLowerCase());
      if (!user) throw new DomainError("NOT_FOUND", `No user with email ${input.userEmail}`);
      revoked = await revokeSessions(trx, { userId: user.id }, input.reason);
      target = { type: "user", id: user.id };
    } else {
      revoked = await revokeSessions(trx, { sessionId: input.sessionId }, input.reason);
      target = { type: "session", id: input.sessionId };
    }
    await writeAudit(trx, actor, {
      action: "sessions.revoke",
      target,
      after: { revoked },
      reason: input.reason,
    });
    return { revoked };
  });
}
