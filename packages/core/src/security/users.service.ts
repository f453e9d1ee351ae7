// Staff accounts: list, create, suspend, restore and role changes. Never leaves zero active admins.
import { z } from "zod";
import type { Db, Trx, UserRow } from "../db/database";
import { DomainError } from "../errors";
import { decodeCursor, toPage } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { type Actor, writeAudit } from "../audit/audit.service";
import { hashPassword, verifyPassword } from "./passwords";
import { assertPasswordPolicy } from "./passwords-policy";
import {
  findUserByEmail,
  insertUser,
  lockActiveAdminIds,
  lockUser,
  revokeSessions,
  selectStaffUsers,
  updateUser,
} from "./security.queries";
import {
  ZChangeRole,
  ZCreateUser,
  ZRestoreUser,
  ZStaffUserListInput,
  ZSuspendUser,
  type TStaffUser,
  type TStaffUserListInput,
} from "./security.schema";

export function toStaffUser(u: UserRow): TStaffUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    status: u.status,
    suspendedAt: u.suspendedAt?.toISOString() ?? null,
    suspensionReason: u.suspensionReason,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    mustChangePassword: u.mustChangePassword,
    totpEnabled: u.totpSecret !== null,
  };
}

const publicFields = (u: UserRow) => ({
  role: u.role,
  status: u.status,
  suspensionReason: u.suspensionReason,
});

const ZStaffUserKey = z.tuple([z.string(), z.uuid()]);

export async function listStaffUsers(db: Db, raw: TStaffUserListInput = {}): Promise<TPage<TStaffUser>> {
  const { cursor, limit } = ZStaffUserListInput.parse(raw);
  const rows = await selectStaffUsers(db, { limit: limit + 1, after: decodeCursor(cursor, ZStaffUserKey) });
  return toPage(rows, limit, toStaffUser, (u) => [u.email, u.id]);
}

/**
 * Locks every active admin (in id order) and then the target, the one lock order all user
 * mutations follow, so two admins demoting each other at once cannot both succeed.
 */
async function lockForUserChange(trx: Trx, userId: string): Promise<{ user: UserRow; activeAdmins: number }> {
  const admins = await lockActiveAdminIds(trx);
  const user = await lockUser(trx, userId);
  if (!user || user.role === "CUSTOMER") throw new DomainError("NOT_FOUND", "No staff user with that id");
  return { user, activeAdmins: admins.length };
}

function assertNotLastAdmin(user: UserRow, activeAdmins: number, change: string) {
  if (user.role === "ADMIN" && user.status === "ACTIVE" && activeAdmins <= 1) {
    throw new DomainError(
      "PRECONDITION_FAILED",
      `Cannot ${change} the last active admin; make another admin first.`,
    );
  }
}

export async function createStaffUser(db: Db, actor: Actor, raw: unknown): Promise<TStaffUser> {
  const input = ZCreateUser.parse(raw);
  await assertPasswordPolicy(input.password, [input.email, input.name]);
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const existing = await findUserByEmail(trx, input.email.toLowerCase());
    if (existing) throw new DomainError("CONFLICT", `A user with email ${input.email} already exists`);
    const user = await insertUser(trx, {
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      passwordHash,
    });
    await writeAudit(trx, actor, {
      action: "users.create",
      target: { type: "user", id: user.id },
      after: { email: user.email, role: user.role },
    });
    return toStaffUser(user);
  });
}

export async function suspendUser(db: Db, actor: Actor, raw: unknown): Promise<TStaffUser> {
  const input = ZSuspendUser.parse(raw);
  return db.transaction().execute(async (trx) => {
    const { user, activeAdmins } = await lockForUserChange(trx, input.userId);
    if (actor.type === "USER" && actor.id === user.id)
      throw new DomainError("PRECONDITION_FAILED", "You cannot suspend your own account.");
    if (user.status === "SUSPENDED") return toStaffUser(user);
    assertNotLastAdmin(user, activeAdmins, "suspend");
    const updated = await updateUser(trx, user.id, {
      status: "SUSPENDED",
      suspendedAt: new Date(),
      suspensionReason: input.reason,
      updatedAt: new Date(),
    });
    const sessionsRevoked = await revokeSessions(trx, { userId: user.id }, "suspended");
    await writeAudit(trx, actor, {
      action: "users.suspend",
      target: { type: "user", id: user.id },
      before: publicFields(user),
      after: { ...publicFields(updated), sessionsRevoked },
      reason: input.reason,
    });
    return toStaffUser(updated);
  });
}

export async function restoreUser(db: Db, actor: Actor, raw: unknown): Promise<TStaffUser> {
  const input = ZRestoreUser.parse(raw);
  return db.transaction().execute(async (trx) => {
    const { user } = await lockForUserChange(trx, input.userId);
    if (user.status === "ACTIVE") return toStaffUser(user);
    const updated = await updateUser(trx, user.id, {
      status: "ACTIVE",
      suspendedAt: null,
      suspensionReason: null,
      updatedAt: new Date(),
    });
    await writeAudit(trx, actor, {
      action: "users.restore",
      target: { type: "user", id: user.id },
      before: publicFields(user),
      after: publicFields(updated),
      reason: input.reason ?? null,
    });
    return toStaffUser(updated);
  });
}

export async function changeUserRole(db: Db, actor: Actor, raw: unknown): Promise<TStaffUser> {
  const input = ZChangeRole.parse(raw);
  return db.transaction().execute(async (trx) => {
    const { user, activeAdmins } = await lockForUserChange(trx, input.userId);
    if (user.role === input.role) return toStaffUser(user);
    if (input.role !== "ADMIN") assertNotLastAdmin(user, activeAdmins, "demote");
    const updated = await updateUser(trx, user.id, { role: input.role, updatedAt: new Date() });
    await writeAudit(trx, actor, {
      action: "users.change_role",
      target: { type: "user", id: user.id },
      before: publicFields(user),
      after: publicFields(updated),
      reason: input.reason ?? null,
    });
    return toStaffUser(updated);
  });
}

/** Makes sure the bootstrap admin from OPS_ADMIN_EMAIL/OPS_ADMIN_PASSWORD exists and can sign in. */
export async function ensureBootstrapAdmin(
  db: Db,
  email: string,
  password: string,
): Promise<"created" | "updated" | "unchanged"> {
  const lower = email.toLowerCase();
  // A weak bootstrap password stops the start (the message names the variable, never the value).
  await assertPasswordPolicy(password, [lower], "OPS_ADMIN_PASSWORD");
  const existing = await findUserByEmail(db, lower);
  if (
    existing?.role === "ADMIN" &&
    existing.status === "ACTIVE" &&
    existing.passwordHash &&
    (await verifyPassword(password, existing.passwordHash))
  ) {
    return "unchanged";
  }
  const passwordHash = await hashPassword(password);
  const actor: Actor = { type: "SYSTEM", id: null, label: "bootstrap (OPS_ADMIN_EMAIL)" };
  return db.transaction().execute(async (trx) => {
    if (existing) {
      await updateUser(trx, existing.id, {
        role: "ADMIN",
        status: "ACTIVE",
        suspendedAt: null,
        suspensionReason: null,
        passwordHash,
        mustChangePassword: false,
        passwordChangedAt: new Date(),
        updatedAt: new Date(),
      });
      // A new bootstrap password ends every session the old one opened.
      const sessionsRevoked = await revokeSessions(trx, { userId: existing.id }, "bootstrap password set");
      await writeAudit(trx, actor, {
        action: "users.bootstrap_admin",
        target: { type: "user", id: existing.id },
        before: publicFields(existing),
        after: { role: "ADMIN", status: "ACTIVE", password: "reset", sessionsRevoked },
      });
      return "updated";
    }
    const user = await insertUser(trx, { email: lower, name: "Ops admin", role: "ADMIN", passwordHash });
    await writeAudit(trx, actor, {
      action: "users.bootstrap_admin",
      target: { type: "user", id: user.id },
      after: { email: lower, role: "ADMIN" },
    });
    return "created";
  });
}
