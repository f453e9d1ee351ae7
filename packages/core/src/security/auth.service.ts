// Staff sign-in, refresh, sign-out and the per-request authentication of bearer tokens.
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { type Actor, recordAuditEvent, writeAudit } from "../audit/audit.service";
import type { SharedStore } from "../shared-store/index";
import { createMemoryStore } from "../shared-store/memory-store";
import type { Keyring } from "./keyring";
import { dummyHash, verifyPassword } from "./passwords";
import {
  findActiveServiceTokenByHash,
  findSessionUser,
  findUserByEmail,
  insertSession,
  lockSessionByRefreshHash,
  revokeSessions,
  updateServiceToken,
  updateSession,
  updateUser,
} from "./security.queries";
import {
  type TAuthTokens,
  type TSessionUser,
  type TStaffRole,
  ZLoginInput,
  roleAtLeast,
} from "./security.schema";
import { REFRESH_TOKEN_PREFIX, SERVICE_TOKEN_PREFIX, hashToken, newOpaqueToken } from "./tokens";

export type Principal =
  | { kind: "user"; userId: string; sessionId: string; email: string; name: string; role: TStaffRole }
  | { kind: "service"; tokenId: string; name: string; role: TStaffRole };

export function actorFor(
  principal: Principal | null,
  meta: { requestId?: string | null; ip?: string | null } = {},
): Actor {
  if (!principal) return { type: "ANONYMOUS", id: null, label: null, ...meta };
  return principal.kind === "user"
    ? { type: "USER", id: principal.userId, label: principal.email, ...meta }
    : { type: "SERVICE", id: principal.tokenId, label: principal.name, ...meta };
}

export interface AuthConfig {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  loginMaxPerAccount: number;
  loginMaxPerIp: number;
  loginWindowSeconds: number;
}

export interface AuthDeps {
  db: Db;
  keyring: Keyring;
  store: SharedStore;
  config: AuthConfig;
}

export interface RequestMeta {
  requestId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

/** The staff member signing in or refreshing, before any principal exists for the request. */
function userActor(userId: string, email: string, meta: RequestMeta): Actor {
  return { type: "USER", id: userId, label: email, requestId: meta.requestId ?? null, ip: meta.ip ?? null };
}

export function createAuthService({ db, keyring, store, config }: AuthDeps) {
  // When Redis is down, rate limits keep working per instance instead of failing open.
  const fallback = createMemoryStore();
  const hit = async (key: string) => {
    try {
      return await store.hit(key, config.loginWindowSeconds);
    } catch {
      return fallback.hit(key, config.loginWindowSeconds);
    }
  };

  async function issueTokens(
    userId: string,
    sessionId: string,
    role: TStaffRole,
    refreshToken: string,
    refreshExpiresAt: Date,
    user: TSessionUser,
  ): Promise<TAuthTokens> {
    const access = await keyring.sign({ sub: userId, sid: sessionId, role }, config.accessTokenTtlSeconds);
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      refreshToken,
      refreshTokenExpiresAt: refreshExpiresAt.toISOString(),
      user,
    };
  }

  async function login(rawInput: unknown, meta: RequestMeta): Promise<TAuthTokens> {
    const parsed = ZLoginInput.safeParse(rawInput);
    if (!parsed.success)
      throw new DomainError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Invalid sign-in request");
    const email = parsed.data.email.toLowerCase();
    const anonymous: Actor = {
      type: "ANONYMOUS",
      id: null,
      label: email,
      requestId: meta.requestId ?? null,
      ip: meta.ip ?? null,
    };

    const [perAccount, perIp] = await Promise.all([
      hit(`login:acct:${email}`),
      hit(`login:ip:${meta.ip ?? "unknown"}`),
    ]);
    if (perAccount.count > config.loginMaxPerAccount || perIp.count > config.loginMaxPerIp) {
      const minutes = Math.ceil(Math.max(perAccount.resetSeconds, perIp.resetSeconds) / 60);
      await recordAuditEvent(db, anonymous, {
        action: "auth.login_rate_limited",
        target: { type: "user_email", id: email },
      });
      throw new DomainError(
        "RATE_LIMITED",
        `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      );
    }

    const user = await findUserByEmail(db, email);
    const ok = await verifyPassword(parsed.data.password, user?.passwordHash ?? (await dummyHash()));
    const failure =
      !user?.passwordHash || !ok
        ? "wrong email or password"
        : user.status !== "ACTIVE"
          ? "account suspended"
          : user.role === "CUSTOMER"
            ? "not a staff account"
            : null;
    if (failure || !user) {
      await recordAuditEvent(db, anonymous, {
        action: "auth.login_failed",
        target: { type: "user", id: user?.id ?? null },
        reason: failure,
      });
      if (failure === "account suspended")
        throw new DomainError("FORBIDDEN", "This account is suspended. Ask an admin to restore it.");
      if (failure === "not a staff account")
        throw new DomainError("FORBIDDEN", "This console is for staff accounts only.");
      throw new DomainError("UNAUTHENTICATED", "Wrong email or password.");
    }

    const role = user.role as TStaffRole;
    const refreshToken = newOpaqueToken(REFRESH_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + config.refreshTokenTtlSeconds * 1000);
    const session = await db.transaction().execute(async (trx) => {
      const s = await insertSession(trx, {
        userId: user.id,
        refreshTokenHash: hashToken(refreshToken),
        expiresAt,
        ip: meta.ip ?? null,
        userAgent: meta.userAgent?.slice(0, 300) ?? null,
      });
      await updateUser(trx, user.id, { lastLoginAt: new Date() });
      await writeAudit(trx, userActor(user.id, user.email, meta), {
        action: "auth.login",
        target: { type: "session", id: s.id },
      });
      return s;
    });
    return issueTokens(user.id, session.id, role, refreshToken, expiresAt, {
      id: user.id,
      email: user.email,
      name: user.name,
      role,
    });
  }

  /** Swaps a refresh token for a new pair; the old refresh token stops working. */
  async function refresh(refreshToken: string | undefined, meta: RequestMeta): Promise<TAuthTokens> {
    if (!refreshToken?.startsWith(REFRESH_TOKEN_PREFIX))
      throw new DomainError("UNAUTHENTICATED", "No session to refresh; sign in again.");
    const next = newOpaqueToken(REFRESH_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + config.refreshTokenTtlSeconds * 1000);
    const result = await db.transaction().execute(async (trx) => {
      const row = await lockSessionByRefreshHash(trx, hashToken(refreshToken));
      if (!row || row.revokedAt || row.expiresAt < new Date())
        throw new DomainError("UNAUTHENTICATED", "Your session has ended; sign in again.");
      if (row.status !== "ACTIVE" || row.role === "CUSTOMER")
        throw new DomainError("UNAUTHENTICATED", "This account can no longer sign in.");
      await updateSession(trx, row.sessionId, {
        refreshTokenHash: hashToken(next),
        expiresAt,
        lastUsedAt: new Date(),
      });
      await writeAudit(trx, userActor(row.userId, row.email, meta), {
        action: "auth.refresh",
        target: { type: "session", id: row.sessionId },
      });
      return row;
    });
    const role = result.role as TStaffRole;
    return issueTokens(result.userId, result.sessionId, role, next, expiresAt, {
      id: result.userId,
      email: result.email,
      name: result.name,
      role,
    });
  }

  async function logout(principal: Principal, meta: RequestMeta): Promise<{ ok: true }> {
    if (principal.kind !== "user")
      throw new DomainError(
        "BAD_REQUEST",
        "Service tokens have no session to end; revoke the token instead.",
      );
    await db.transaction().execute(async (trx) => {
      const revoked = await revokeSessions(trx, { sessionId: principal.sessionId }, "logout");
      if (revoked > 0) {
        await writeAudit(trx, actorFor(principal, meta), {
          action: "auth.logout",
          target: { type: "session", id: principal.sessionId },
        });
      }
    });
    return { ok: true };
  }

  /**
   * Resolves a bearer token to a principal, checking the session and user on every request so
   * that a suspension or revocation takes effect on the very next call.
   */
  async function authenticate(bearer: string): Promise<Principal> {
    if (bearer.startsWith(SERVICE_TOKEN_PREFIX)) {
      const row = await findActiveServiceTokenByHash(db, hashToken(bearer));
      if (!row) throw new DomainError("UNAUTHENTICATED", "Unknown or revoked service token");
      // last_used_at is for humans; a write per request would be load for nothing.
      if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
        await updateServiceToken(db, row.id, { lastUsedAt: new Date() });
      }
      return { kind: "service", tokenId: row.id, name: row.name, role: row.role };
    }
    const claims = await keyring.verify(bearer);
    const row = await findSessionUser(db, claims.sid, claims.sub);
    if (!row || row.revokedAt)
      throw new DomainError("UNAUTHENTICATED", "This session has been signed out; sign in again.");
    if (row.status !== "ACTIVE") throw new DomainError("UNAUTHENTICATED", "This account is suspended.");
    if (!roleAtLeast(row.role, "VIEWER")) throw new DomainError("UNAUTHENTICATED", "Not a staff account.");
    // The role is read fresh, so a role change applies at once rather than at token expiry.
    return {
      kind: "user",
      userId: row.id,
      sessionId: claims.sid,
      email: row.email,
      name: row.name,
      role: row.role as TStaffRole,
    };
  }

  return { login, refresh, logout, authenticate };
}

export type AuthService = ReturnType<typeof createAuthService>;
