// Passwords and second factors of signed-in people: change your own password, an admin's reset
// (a temporary password, changed at the next sign-in), TOTP enrolment. Every password change
// revokes all of the person's sessions.
import { randomBytes } from "node:crypto";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { type Actor, writeAudit } from "../audit/audit.service";
import { hashPassword, verifyPassword } from "./passwords";
import { assertPasswordPolicy } from "./passwords-policy";
import {
  findUserByEmail,
  lockActiveAdminIds,
  lockUser,
  revokeSessions,
  updateUser,
} from "./security.queries";
import {
  ZChangePassword,
  ZResetPassword,
  ZTotpCode,
  type TStaffUser,
  type TTotpEnrolment,
} from "./security.schema";
import type { MasterKey } from "./master-key";
import { matchTotp, newTotpSecret, totpUri } from "./totp";
import { openTotpSecret, resealTotpSecret, sealTotpSecret } from "./totp-seal";
import { toStaffUser } from "./users.service";

/** The person signed in (service tokens never manage credentials). */
export interface Person {
  userId: string;
  email: string;
}

export async function changeOwnPassword(
  db: Db,
  person: Person,
  actor: Actor,
  raw: unknown,
): Promise<{ sessionsRevoked: number }> {
  const input = ZChangePassword.parse(raw);
  const user = await findUserByEmail(db, person.email.toLowerCase());
  if (
    !user?.passwordHash ||
    user.id !== person.userId ||
    !(await verifyPassword(input.currentPassword, user.passwordHash))
  )
    throw new DomainError("BAD_REQUEST", "currentPassword: that is not your current password");
  if (input.newPassword === input.currentPassword)
    throw new DomainError("BAD_REQUEST", "newPassword: choose a password different from the current one");
  await assertPasswordPolicy(input.newPassword, [user.email, user.name], "newPassword");
  const passwordHash = await hashPassword(input.newPassword);
  return db.transaction().execute(async (trx) => {
    await lockUser(trx, user.id);
    await updateUser(trx, user.id, {
      passwordHash,
      mustChangePassword: false,
      passwordChangedAt: new Date(),
      updatedAt: new Date(),
    });
    const sessionsRevoked = await revokeSessions(trx, { userId: user.id }, "password changed");
    await writeAudit(trx, actor, {
      action: "auth.password_change",
      target: { type: "user", id: user.id },
      after: { sessionsRevoked },
    });
    return { sessionsRevoked };
  });
}

/** A temporary password, shown once; its owner must replace it at the next sign-in. */
export async function resetUserPassword(
  db: Db,
  actor: Actor,
  raw: unknown,
): Promise<{ user: TStaffUser; temporaryPassword: string }> {
  const input = ZResetPassword.parse(raw);
  if (actor.type === "USER" && actor.id === input.userId)
    throw new DomainError("PRECONDITION_FAILED", "To change your own password, use Change password.");
  const temporaryPassword = randomBytes(18).toString("base64url");
  const passwordHash = await hashPassword(temporaryPassword);
  return db.transaction().execute(async (trx) => {
    // The lock order of every user change: active admins, then the target.
    await lockActiveAdminIds(trx);
    const user = await lockUser(trx, input.userId);
    if (!user || user.role === "CUSTOMER") throw new DomainError("NOT_FOUND", "No staff user with that id");
    const updated = await updateUser(trx, user.id, {
      passwordHash,
      mustChangePassword: true,
      passwordChangedAt: new Date(),
      updatedAt: new Date(),
    });
    const sessionsRevoked = await revokeSessions(trx, { userId: user.id }, "password reset");
    await writeAudit(trx, actor, {
      action: "users.reset_password",
      target: { type: "user", id: user.id },
      after: { mustChangePassword: true, sessionsRevoked },
      reason: input.reason,
    });
    return { user: toStaffUser(updated), temporaryPassword };
  });
}

/** Starts (or restarts) TOTP enrolment for a signed-in admin: a new key, not active until confirmed. */
export async function beginTotpEnrolment(
  db: Db,
  masterKey: MasterKey,
  person: Person,
): Promise<TTotpEnrolment> {
  const secret = newTotpSecret();
  await updateUser(db, person.userId, {
    totpPendingSecret: sealTotpSecret(masterKey, person.userId, secret),
  });
  return { secret, otpauthUrl: totpUri(person.email, secret) };
}

export async function confirmTotpEnrolment(
  db: Db,
  masterKey: MasterKey,
  person: Person,
  actor: Actor,
  raw: unknown,
): Promise<{ enabled: true }> {
  const { code } = ZTotpCode.parse(raw);
  return db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, person.userId);
    if (!user?.totpPendingSecret)
      throw new DomainError("PRECONDITION_FAILED", "Start enrolment first: no authenticator key is waiting");
    const step = matchTotp(openTotpSecret(masterKey, user.id, user.totpPendingSecret), code, null);
    if (step === null) throw new DomainError("BAD_REQUEST", "code: that code is not valid; try the next one");
    await updateUser(trx, user.id, {
      totpSecret: resealTotpSecret(masterKey, user.id, user.totpPendingSecret),
      totpPendingSecret: null,
      totpEnabledAt: new Date(),
      totpLastStep: String(step),
    });
    await writeAudit(trx, actor, { action: "auth.totp_enable", target: { type: "user", id: user.id } });
    return { enabled: true as const };
  });
}
