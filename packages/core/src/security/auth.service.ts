// Staff sign-in, refresh, sign-out and the per-request authentication of bearer tokens.
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { type Actor, writeAudit } from "../audit/audit.service";
import type { SharedStore } from "../shared-store/index";
import { createMemoryStore } from "../shared-store/memory-store";
import type { Keyring } from "./keyring";
import { dummyHash, hashPassword, needsRehash, verifyPassword } from "./passwords";
import { assertPasswordPolicy } from "./passwords-policy";
import { findRotatedRefreshFamily, insertRotatedRefreshHash } from "./refresh-family.queries";
import { recordSecurityEvent } from "./security-events.service";
import type { MasterKey } from "./master-key";
import { openTotpSecret, resealTotpSecret, sealTotpSecret } from "./totp-seal";
import { matchTotp, newTotpSecret, totpUri } from "./totp";
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
  | { kind: "service"; tokenId: string; name: string; role: TStaffRole; ownerUserId: string };

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
  /** Failed sign-ins per account + address pair (the lock a guesser meets first). */
  loginMaxPerAccountIp: number;
  /** Failed sign-ins per address, any account. */
  loginMaxPerIp: number;
  /** Failed sign-ins per account from every address: a much higher ceiling, so strangers cannot lock the owner out. */
  loginMaxPerAccount: number;
  loginWindowSeconds: number;
  /** ADMIN accounts must sign in with a TOTP code (enrolling at their next sign-in). */
  requireAdminMfa?: boolean;
}

export interface AuthDeps {
  db: Db;
  keyring: Keyring;
  /** Seals and opens TOTP secrets at rest (OPS_MASTER_KEY). */
  masterKey: MasterKey;
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

export function createAuthService({ db, keyring, masterKey, store, config }: AuthDeps) {
  // When Redis is down, rate limits keep working per instance instead of failing open.
  const fallback = createMemoryStore();
  const hit = async (key: string) => {
    try {
      return await store.hit(key, config.loginWindowSeconds);
    } catch {
      return fallback.hit(key, config.loginWindowSeconds);
    }
  };
  const peek = async (key: string) => {
    try {
      return Number((await store.get(key)) ?? 0);
    } catch {
      return Number((await fallback.get(key)) ?? 0);
    }
  };
  const limitKeys = (email: string, ip: string) => [
    { key: `login:pair:${email}:${ip}`, max: config.loginMaxPerAccountIp, scope: "account and address" },
    { key: `login:ip:${ip}`, max: config.loginMaxPerIp, scope: "address" },
    { key: `login:acct:${email}`, max: config.loginMaxPerAccount, scope: "account" },
  ];

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

  /**
   * Only failures count: per account + address, per address, and a much higher ceiling per
   * account. A lockout and every failure go to the capped security-events table, not the audit log.
   */
  async function login(rawInput: unknown, meta: RequestMeta): Promise<TAuthTokens> {
    const parsed = ZLoginInput.safeParse(rawInput);
    if (!parsed.success)
      throw new DomainError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Invalid sign-in request");
    const input = parsed.data;
    const email = input.email.toLowerCase();
    const ip = meta.ip ?? "unknown";
    const anonymous: Actor = {
      type: "ANONYMOUS",
      id: null,
      label: email,
      requestId: meta.requestId ?? null,
      ip: meta.ip ?? null,
    };
    const limits = limitKeys(email, ip);

    const counts = await Promise.all(limits.map((l) => peek(l.key)));
    const blocked = limits.find((l, i) => (counts[i] ?? 0) >= l.max);
    if (blocked) {
      const minutes = Math.ceil(config.loginWindowSeconds / 60);
      throw new DomainError(
        "RATE_LIMITED",
        `Too many failed sign-ins for this ${blocked.scope}. Try again in up to ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      );
    }
    const fail = async (kind: "LOGIN_FAILED" | "MFA_FAILED", reason: string, error: DomainError) => {
      const after = await Promise.all(limits.map((l) => hit(l.key)));
      await recordSecurityEvent(db, anonymous, { kind, target: email, detail: reason });
      const locked = limits.find((l, i) => after[i]?.count === l.max);
      if (locked)
        await recordSecurityEvent(db, anonymous, {
          kind: "LOCKOUT",
          target: email,
          detail: `${locked.max} failed sign-ins per ${locked.scope} within ${config.loginWindowSeconds} s`,
        });
      throw error;
    };

    const user = await findUserByEmail(db, email);
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash()));
    if (!user?.passwordHash || !ok)
      return fail(
        "LOGIN_FAILED",
        "wrong email or password",
        new DomainError("UNAUTHENTICATED", "Wrong email or password."),
      );
    if (user.status !== "ACTIVE")
      return fail(
        "LOGIN_FAILED",
        "account suspended",
        new DomainError("FORBIDDEN", "This account is suspended. Ask an admin to restore it."),
      );
    if (user.role === "CUSTOMER")
      return fail(
        "LOGIN_FAILED",
        "not a staff account",
        new DomainError("FORBIDDEN", "This console is for staff accounts only."),
      );

    // The right password: what else this sign-in needs, checked before anything is written.
    if (user.mustChangePassword) {
      if (!input.newPassword)
        throw new DomainError(
          "PRECONDITION_FAILED",
          "An admin reset your password: choose a new one to sign in.",
          { details: { signInStep: "PASSWORD_CHANGE_REQUIRED" } },
        );
      await assertPasswordPolicy(input.newPassword, [user.email, user.name], "newPassword");
      if (input.newPassword === input.password)
        throw new DomainError(
          "BAD_REQUEST",
          "newPassword: choose a password different from the temporary one",
        );
    }
    const role = user.role;
    let totp: { enable: string | null; step: number } | null = null;
    const mfaRequired = role === "ADMIN" && (user.totpSecret !== null || config.requireAdminMfa === true);
    if (mfaRequired) {
      const stored = user.totpSecret ?? user.totpPendingSecret;
      const secret = stored === null ? null : openTotpSecret(masterKey, user.id, stored);
      if (!input.totpCode || !secret || !stored) {
        if (user.totpSecret)
          throw new DomainError(
            "PRECONDITION_FAILED",
            "Enter the 6-digit code from your authenticator app.",
            { details: { signInStep: "TOTP_REQUIRED" } },
          );
        const pending = user.totpPendingSecret
          ? openTotpSecret(masterKey, user.id, user.totpPendingSecret)
          : newTotpSecret();
        if (!user.totpPendingSecret)
          await updateUser(db, user.id, { totpPendingSecret: sealTotpSecret(masterKey, user.id, pending) });
        throw new DomainError(
          "PRECONDITION_FAILED",
          "Admins must use an authenticator app: add this key to one, then enter its 6-digit code.",
          {
            details: {
              signInStep: "TOTP_ENROLMENT_REQUIRED",
              totpSecret: pending,
              otpauthUrl: totpUri(user.email, pending),
            },
          },
        );
      }
      const step = matchTotp(secret, input.totpCode, user.totpLastStep);
      if (step === null)
        return fail(
          "MFA_FAILED",
          "wrong TOTP code",
          new DomainError("UNAUTHENTICATED", "That code is not valid; wait for the next one and try again.", {
            details: { signInStep: user.totpSecret ? "TOTP_REQUIRED" : "TOTP_ENROLMENT_REQUIRED" },
          }),
        );
      // Enabling moves the pending value (sealed for this user) into totp_secret as it is.
      totp = { enable: user.totpSecret ? null : resealTotpSecret(masterKey, user.id, stored), step };
    }

    const newHash =
      user.mustChangePassword && input.newPassword
        ? await hashPassword(input.newPassword)
        : needsRehash(user.passwordHash)
          ? await hashPassword(input.password)
          : null;
    // A success clears this pair's failures: the owner is not held back by their own typos.
    const pairKey = `login:pair:${email}:${ip}`;
    await Promise.all([store.del(pairKey).catch(() => undefined), fallback.del(pairKey)]);

    const refreshToken = newOpaqueToken(REFRESH_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + config.refreshTokenTtlSeconds * 1000);
    const actor = userActor(user.id, user.email, meta);
    const session = await db.transaction().execute(async (trx) => {
      if (user.mustChangePassword && newHash) {
        await updateUser(trx, user.id, {
          passwordHash: newHash,
          mustChangePassword: false,
          passwordChangedAt: new Date(),
          updatedAt: new Date(),
        });
        const sessionsRevoked = await revokeSessions(trx, { userId: user.id }, "password changed");
        await writeAudit(trx, actor, {
          action: "auth.password_change",
          target: { type: "user", id: user.id },
          after: { at: "sign-in after reset", sessionsRevoked },
        });
      } else if (newHash) {
        await updateUser(trx, user.id, { passwordHash: newHash });
      }
      if (totp) {
        await updateUser(trx, user.id, {
          totpLastStep: String(totp.step),
          ...(totp.enable
            ? { totpSecret: totp.enable, totpPendingSecret: null, totpEnabledAt: new Date() }
            : {}),
        });
        if (totp.enable)
          await writeAudit(trx, actor, { action: "auth.totp_enable", target: { type: "user", id: user.id } });
      }
      const s = await insertSession(trx, {
        userId: user.id,
        refreshTokenHash: hashToken(refreshToken),
        expiresAt,
        ip: meta.ip ?? null,
        userAgent: meta.userAgent?.slice(0, 300) ?? null,
      });
      await updateUser(trx, user.id, { lastLoginAt: new Date() });
      await writeAudit(trx, actor, { action: "auth.login", target: { type: "session", id: s.id } });
      return s;
    });
    return issueTokens(user.id, session.id, role, refreshToken, expiresAt, {
      id: user.id,
      email: user.email,
      name: user.name,
      role,
    });
  }

  /**
   * Swaps a refresh token for a new pair; the old refresh token stops working. Presenting a token
   * that was already swapped means two parties hold the family: the whole session is revoked.
   */
  async function refresh(refreshToken: string | undefined, meta: RequestMeta): Promise<TAuthTokens> {
    if (!refreshToken?.startsWith(REFRESH_TOKEN_PREFIX))
      throw new DomainError("UNAUTHENTICATED", "No session to refresh; sign in again.");
    const presented = hashToken(refreshToken);
    const next = newOpaqueToken(REFRESH_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + config.refreshTokenTtlSeconds * 1000);
    const result = await db.transaction().execute(async (trx) => {
      const row = await lockSessionByRefreshHash(trx, presented);
      if (!row) return null;
      if (row.revokedAt || row.expiresAt < new Date())
        throw new DomainError("UNAUTHENTICATED", "Your session has ended; sign in again.");
      if (row.status !== "ACTIVE" || row.role === "CUSTOMER")
        throw new DomainError("UNAUTHENTICATED", "This account can no longer sign in.");
      await insertRotatedRefreshHash(trx, presented, row.sessionId);
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
    if (!result) {
      await revokeReusedFamily(presented, meta);
      throw new DomainError("UNAUTHENTICATED", "Your session has ended; sign in again.");
    }
    const role = result.role as TStaffRole;
    return issueTokens(result.userId, result.sessionId, role, next, expiresAt, {
      id: result.userId,
      email: result.email,
      name: result.name,
      role,
    });
  }

  async function revokeReusedFamily(presentedHash: string, meta: RequestMeta): Promise<void> {
    const family = await findRotatedRefreshFamily(db, presentedHash);
    if (!family) return;
    const actor: Actor = {
      type: "ANONYMOUS",
      id: null,
      label: family.email,
      requestId: meta.requestId ?? null,
      ip: meta.ip ?? null,
    };
    await db.transaction().execute(async (trx) => {
      const revoked = await revokeSessions(trx, { sessionId: family.sessionId }, "refresh token reuse");
      await writeAudit(trx, actor, {
        action: "auth.refresh_reuse",
        target: { type: "session", id: family.sessionId },
        after: { userId: family.userId, sessionRevoked: revoked > 0 },
        reason: "a rotated refresh token was presented again; the session is revoked",
      });
    });
    await recordSecurityEvent(db, actor, {
      kind: "REFRESH_TOKEN_REUSE",
      target: `session ${family.sessionId}`,
      detail: family.revokedAt ? "session already revoked" : "session revoked",
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

  async function authenticateServiceToken(bearer: string, meta: RequestMeta): Promise<Principal> {
    const row = await findActiveServiceTokenByHash(db, hashToken(bearer));
    if (!row) throw new DomainError("UNAUTHENTICATED", "Unknown or revoked service token");
    const refusal =
      row.expiresAt < new Date()
        ? "This service token has expired; create a new one"
        : !row.ownerUserId || !row.ownerRole
          ? "This service token has no owner; create a new one"
          : row.ownerStatus !== "ACTIVE"
            ? "This service token's owner is suspended"
            : !roleAtLeast(row.ownerRole, row.role)
              ? `This service token's owner no longer holds the ${row.role} role`
              : null;
    if (refusal || !row.ownerUserId) {
      await recordSecurityEvent(
        db,
        {
          type: "SERVICE",
          id: row.id,
          label: row.name,
          requestId: meta.requestId ?? null,
          ip: meta.ip ?? null,
        },
        { kind: "TOKEN_REFUSED", target: `service_token ${row.id}`, detail: refusal },
      );
      throw new DomainError("UNAUTHENTICATED", refusal ?? "Unknown or revoked service token");
    }
    const ip = meta.ip ?? null;
    // Last use is for humans: written when a minute has passed or the caller's address changed.
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000 || row.lastUsedIp !== ip) {
      await updateServiceToken(db, row.id, { lastUsedAt: new Date(), lastUsedIp: ip });
    }
    return { kind: "service", tokenId: row.id, name: row.name, role: row.role, ownerUserId: row.ownerUserId };
  }

  /**
   * Resolves a bearer token to a principal, checking the session and user on every request so
   * that a suspension, revocation or session expiry takes effect on the very next call.
   */
  async function authenticate(bearer: string, meta: RequestMeta = {}): Promise<Principal> {
    if (bearer.startsWith(SERVICE_TOKEN_PREFIX)) return authenticateServiceToken(bearer, meta);
    const claims = await keyring.verify(bearer);
    const row = await findSessionUser(db, claims.sid, claims.sub);
    if (!row || row.revokedAt)
      throw new DomainError("UNAUTHENTICATED", "This session has been signed out; sign in again.");
    if (row.expiresAt < new Date())
      throw new DomainError("UNAUTHENTICATED", "This session has expired; sign in again.");
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
