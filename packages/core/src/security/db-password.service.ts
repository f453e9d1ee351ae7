// Database password rotation with alternating login roles (ARCHITECTURE.md "Database
// credentials"). Two LOGIN roles, <prefix>_a and <prefix>_b, are members of the NOLOGIN
// application role radha_app (they inherit its grants). The servers log in as one of them, read
// from the credentials file (DATABASE_URL_FILE). A rotation: a new random password on the idle
// role → a connection with it proves it → the file names it → every server re-reads the file and
// moves its pool (new connections use the new role, the old pool drains) → once no session of
// the old role is left, the old role's password is replaced with one nobody knows, so the old
// secret is useless. The application role cannot ALTER ROLE: the rotation runs on an admin
// connection (OPS_DB_ADMIN_URL, else OPS_MIGRATION_DATABASE_URL) of a superuser or CREATEROLE
// role. Passwords go to PostgreSQL as SCRAM verifiers only, and are never logged or audited.
import { type Actor, writeAudit } from "../audit/audit.service";
import { createDb } from "../db/client";
import { readDatabaseUrlFile, writeDatabaseUrlFile } from "../db/credentials";
import type { Db, DbOrTrx } from "../db/database";
import { APP_ROLE, withCredentials } from "../db/roles";
import { newDatabasePassword, scramVerifier } from "../db/scram";
import { userOfUrl } from "../db/swappable-pool";
import { DomainError } from "../errors";
import {
  alterRoleLoginInherit,
  alterRolePassword,
  createLoginRole,
  grantAppRole,
  releaseRotationLock,
  selectAdminRights,
  selectLoginCheck,
  selectRole,
  selectRoleSessions,
  terminateIdleSessions,
  tryRotationLock,
} from "./db-roles.queries";
import {
  ZRotateDbPassword,
  ZSetupLoginRoles,
  type TDbPasswordPlan,
  type TDbPasswordRotation,
  type TDbRoleSessions,
  type TLoginRolesSetup,
} from "./secops.schema";

export interface DbPasswordDeps {
  /** A superuser or CREATEROLE connection to the application's database. */
  adminDb: Db;
  /** The URL adminDb connects with (host, port, database and options for a first credentials file). */
  adminUrl: string;
  /** DATABASE_URL_FILE: the file the servers read. Unset: rotation refuses (a restart would be needed). */
  credentialsFile?: string | undefined;
  /** DATABASE_URL, when the servers read their credentials from the environment instead. */
  staticUrl?: string | undefined;
  /** Switches this process's own pool at once (the server running the rotation); others watch the file. */
  applyLocally?: ((url: string) => void) | undefined;
  /** How long to wait for the old role's sessions to end before giving up on replacing its password. */
  drainTimeoutMs?: number;
  pollMs?: number;
}

const PAIR = /^(.+)_(a|b)$/;
const partnerOf = (role: string) => {
  const m = PAIR.exec(role);
  return m ? `${m[1]}_${m[2] === "a" ? "b" : "a"}` : null;
};

/** Sessions in this database per login role and application (the rotating connection excluded). */
export const dbRoleSessions = selectRoleSessions;
const roleRow = selectRole;
const adminRights = selectAdminRights;

function stepsFor(active: string, idle: string, file: string): string[] {
  return [
    `set a new random password on the idle login role ${idle}`,
    `connect as ${idle} with it and check it holds ${APP_ROLE}'s rights`,
    `write the new URL (user ${idle}) to ${file}`,
    `servers reading ${file} switch their pools: new connections as ${idle}, ${active}'s connections drain`,
    `once no session of ${active} is left, replace ${active}'s password so the old secret is useless`,
  ];
}

const GENERIC_STEPS = stepsFor("<active>", "<idle>", "DATABASE_URL_FILE");

/** What a rotation would do here, or why it cannot run (nothing is changed). */
export async function planDbPasswordRotation(deps: DbPasswordDeps): Promise<TDbPasswordPlan> {
  const unmanaged = (reason: string, extra: Partial<TDbPasswordPlan> = {}): TDbPasswordPlan => ({
    managed: false,
    reason,
    activeRole: null,
    idleRole: null,
    credentialsFile: deps.credentialsFile ?? null,
    sessions: [],
    steps: GENERIC_STEPS,
    ...extra,
  });
  if (!deps.credentialsFile) {
    if (!deps.staticUrl)
      return unmanaged(
        "The servers use the embedded demo database (no DATABASE_URL or DATABASE_URL_FILE): it trusts local connections and has no password to rotate.",
      );
    return unmanaged(
      "The servers read DATABASE_URL from their environment, so a new password would need a restart. Put the URL in a file, set DATABASE_URL_FILE to it instead of DATABASE_URL, then run `ops db setup-login-roles`.",
    );
  }
  let url: string;
  try {
    url = readDatabaseUrlFile(deps.credentialsFile);
  } catch (e) {
    return unmanaged(
      `${(e as Error).message}. Run \`ops db setup-login-roles\` to create the login roles and the file.`,
    );
  }
  const active = userOfUrl(url);
  const admin = await adminRights(deps.adminDb);
  const activeRow = await roleRow(deps.adminDb, active);
  const file = deps.credentialsFile;
  if (!activeRow) return unmanaged(`The role ${active} in ${file} does not exist.`);
  if (activeRow.rolsuper)
    return unmanaged(
      `${file} logs in as ${active}, a superuser. Rotating a superuser's password under running servers is not done here: run the servers as an application login role (\`ops db setup-login-roles\`).`,
      { activeRole: active },
    );
  const idle = partnerOf(active);
  if (!idle)
    return unmanaged(
      `${active} is not one of a login-role pair (<prefix>_a / <prefix>_b). Run \`ops db setup-login-roles\` to create the pair; the servers then switch to it.`,
      { activeRole: active },
    );
  const idleRow = await roleRow(deps.adminDb, idle);
  const base = { activeRole: active, idleRole: idle, steps: stepsFor(active, idle, file) };
  if (!idleRow)
    return unmanaged(`The partner role ${idle} does not exist: run \`ops db setup-login-roles\`.`, base);
  for (const r of [activeRow, idleRow]) {
    if (r.rolsuper || !r.rolcanlogin || !r.member || !r.rolinherit)
      return unmanaged(
        `${r.rolname} must be a non-superuser LOGIN role that inherits ${APP_ROLE} (run \`ops db setup-login-roles\`).`,
        base,
      );
  }
  if (!admin.can)
    return unmanaged(
      `The admin connection (${admin.user}) may not change passwords: set OPS_DB_ADMIN_URL to a superuser or CREATEROLE role's URL for this database.`,
      base,
    );
  const database = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (database && database !== admin.database)
    return unmanaged(
      `The admin connection is to database ${admin.database}, the servers' to ${database}: point OPS_DB_ADMIN_URL at ${database}.`,
      base,
    );
  return {
    managed: true,
    reason: null,
    ...base,
    credentialsFile: file,
    sessions: await dbRoleSessions(deps.adminDb, [active, idle]),
  };
}

/** ALTER ROLE … PASSWORD with a SCRAM verifier (never the password itself). */
async function setPassword(db: DbOrTrx, role: string, password: string): Promise<void> {
  await alterRolePassword(db, role, scramVerifier(password));
}

/** Signs in with `url` and checks it is `role` holding the application role's rights. */
async function verifyLogin(url: string, role: string): Promise<void> {
  const { db } = createDb({ connectionString: url, max: 1, applicationName: "radha-ops-rotate-check" });
  try {
    const who = await selectLoginCheck(db);
    if (who?.user !== role || !who.rights)
      throw new Error(`signed in as ${who?.user ?? "nobody"} without ${APP_ROLE}'s rights`);
  } catch (cause) {
    throw new DomainError(
      "UNAVAILABLE",
      `The new password for ${role} did not work (${(cause as Error).message}); nothing was switched.`,
      { cause },
    );
  } finally {
    await db.destroy();
  }
}

async function waitForDrain(deps: DbPasswordDeps, role: string): Promise<TDbRoleSessions[]> {
  const timeout = deps.drainTimeoutMs ?? 60_000;
  const poll = deps.pollMs ?? 250;
  const start = Date.now();
  let terminatedIdle = false;
  for (;;) {
    const left = await dbRoleSessions(deps.adminDb, [role]);
    if (left.length === 0) return [];
    const elapsed = Date.now() - start;
    if (elapsed >= timeout) return left;
    // Half way: sessions of the old role that sit idle (graphile-worker's LISTEN connection, idle
    // pooled connections of a process that has already switched) are ended; their owners
    // reconnect through the new pool. Busy ones and open transactions are left to finish.
    if (!terminatedIdle && elapsed >= timeout / 2) {
      terminatedIdle = true;
      await terminateIdleSessions(deps.adminDb, role).catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, poll));
  }
}

async function requirePlan(
  deps: DbPasswordDeps,
): Promise<TDbPasswordPlan & { activeRole: string; idleRole: string; credentialsFile: string }> {
  const plan = await planDbPasswordRotation(deps);
  if (!plan.managed || !plan.activeRole || !plan.idleRole || !plan.credentialsFile)
    throw new DomainError("PRECONDITION_FAILED", plan.reason ?? "This database cannot be rotated this way.");
  return plan as TDbPasswordPlan & { activeRole: string; idleRole: string; credentialsFile: string };
}

/** Replaces `role`'s password with a random one nobody keeps, with its audit event, in one transaction. */
async function retirePassword(
  deps: DbPasswordDeps,
  actor: Actor,
  event: { action: string; role: string; activeRole: string; reason: string; file: string },
): Promise<TDbPasswordRotation> {
  await deps.adminDb.transaction().execute(async (trx) => {
    await setPassword(trx, event.role, newDatabasePassword());
    await writeAudit(trx, actor, {
      action: event.action,
      target: { type: "db_login_role", id: event.activeRole },
      before: { activeRole: event.role },
      after: { activeRole: event.activeRole, previousRole: event.role, previousRoleRetired: true },
      reason: event.reason,
    });
  });
  return {
    activeRole: event.activeRole,
    previousRole: event.role,
    credentialsFile: event.file,
    previousPasswordReplaced: true,
    lingeringSessions: [],
  };
}

/** `ops db rotate-password`: the whole rotation (see the file comment). */
export async function rotateDbPassword(
  deps: DbPasswordDeps,
  actor: Actor,
  rawInput: unknown,
): Promise<TDbPasswordRotation> {
  const { reason } = ZRotateDbPassword.parse(rawInput);
  const plan = await requirePlan(deps);
  const { activeRole: previous, idleRole: next, credentialsFile: file } = plan;
  // Another rotation of this database at the same moment would swap the roles back under us:
  // a session lock, held on one connection of its own for the whole rotation.
  return deps.adminDb.connection().execute(async (conn) => {
    if (!(await tryRotationLock(conn)))
      throw new DomainError(
        "CONFLICT",
        "Another password rotation is running on this database; try again when it has finished.",
      );
    try {
      const password = newDatabasePassword();
      await setPassword(deps.adminDb, next, password);
      const newUrl = withCredentials(readDatabaseUrlFile(file), next, password);
      await verifyLogin(newUrl, next);
      await writeDatabaseUrlFile(file, newUrl);
      deps.applyLocally?.(newUrl);
      const lingering = await waitForDrain(deps, previous);
      if (lingering.length === 0) {
        return await retirePassword(deps, actor, {
          action: "db.password_rotated",
          role: previous,
          activeRole: next,
          reason,
          file,
        });
      }
      // The switch is made; the old password stays valid until its sessions are gone (`--finish`).
      await deps.adminDb
        .transaction()
        .execute((trx) =>
          writeAudit(trx, actor, {
            action: "db.password_rotated",
            target: { type: "db_login_role", id: next },
            before: { activeRole: previous },
            after: {
              activeRole: next,
              previousRole: previous,
              previousRoleRetired: false,
              lingeringSessions: lingering,
            },
            reason,
          }),
        );
      return {
        activeRole: next,
        previousRole: previous,
        credentialsFile: file,
        previousPasswordReplaced: false,
        lingeringSessions: lingering,
      };
    } finally {
      await releaseRotationLock(conn).catch(() => undefined);
    }
  });
}

/**
 * `ops db rotate-password --finish`: after a rotation that left sessions of the previous role,
 * replaces that role's password once they are gone (waits like the rotation does).
 */
export async function finishDbPasswordRotation(
  deps: DbPasswordDeps,
  actor: Actor,
  rawInput: unknown,
): Promise<TDbPasswordRotation> {
  const { reason } = ZRotateDbPassword.parse(rawInput);
  const plan = await requirePlan(deps);
  const { activeRole: active, idleRole: previous, credentialsFile: file } = plan;
  const lingering = await waitForDrain(deps, previous);
  if (lingering.length > 0)
    throw new DomainError(
      "CONFLICT",
      `Sessions of ${previous} remain (${lingering.map((s) => `${s.applicationName || "?"}: ${s.count}`).join(", ")}): those processes have not switched to ${file} yet; its password is unchanged.`,
    );
  return retirePassword(deps, actor, {
    action: "db.password_retired",
    role: previous,
    activeRole: active,
    reason,
    file,
  });
}

/**
 * `ops db setup-login-roles`: creates <prefix>_a and <prefix>_b (LOGIN, members of radha_app)
 * and points the credentials file at <prefix>_a with a new random password. Run again: roles
 * that exist are kept, and a file already naming one of them is left alone.
 */
export async function setupLoginRoles(
  deps: DbPasswordDeps,
  actor: Actor,
  rawInput: unknown,
): Promise<TLoginRolesSetup> {
  const { prefix, reason } = ZSetupLoginRoles.parse(rawInput);
  const file = deps.credentialsFile;
  if (!file)
    throw new DomainError(
      "PRECONDITION_FAILED",
      deps.staticUrl
        ? "DATABASE_URL is set: the servers would not see new credentials without a restart. Set DATABASE_URL_FILE (a path the servers read) instead of DATABASE_URL, then run this again."
        : "No DATABASE_URL_FILE: set it to the credentials file the servers read (the embedded demo database has no passwords to manage).",
    );
  const admin = await adminRights(deps.adminDb);
  if (!admin.can)
    throw new DomainError(
      "PRECONDITION_FAILED",
      `The admin connection (${admin.user}) may not create roles: set OPS_DB_ADMIN_URL to a superuser or CREATEROLE role's URL for this database.`,
    );
  const roles = [`${prefix}_a`, `${prefix}_b`];
  const created: string[] = [];
  for (const role of roles) {
    const row = await roleRow(deps.adminDb, role);
    if (row?.rolsuper)
      throw new DomainError("CONFLICT", `${role} exists and is a superuser; choose another --prefix.`);
    if (!row) {
      try {
        await createLoginRole(deps.adminDb, role, scramVerifier(newDatabasePassword()));
        created.push(role);
      } catch (e) {
        if ((e as { code?: string }).code !== "42710") throw e;
      }
    } else if (!row.rolcanlogin || !row.rolinherit) {
      await alterRoleLoginInherit(deps.adminDb, role);
    }
    if (!row?.member) await grantAppRole(deps.adminDb, role);
  }
  let current: string | undefined;
  try {
    current = readDatabaseUrlFile(file);
  } catch {
    current = undefined;
  }
  const currentRole = current ? userOfUrl(current) : undefined;
  if (currentRole && roles.includes(currentRole)) {
    if (created.length > 0)
      await deps.adminDb
        .transaction()
        .execute((trx) =>
          writeAudit(trx, actor, {
            action: "db.login_roles_created",
            target: { type: "db_login_role", id: currentRole },
            after: { roles, created },
            reason,
          }),
        );
    return { roles, created, activeRole: currentRole, credentialsFile: file, fileWritten: false };
  }
  const [first] = roles as [string, string];
  const password = newDatabasePassword();
  await setPassword(deps.adminDb, first, password);
  const url = withCredentials(current ?? deps.adminUrl, first, password);
  await verifyLogin(url, first);
  await writeDatabaseUrlFile(file, url);
  deps.applyLocally?.(url);
  await deps.adminDb
    .transaction()
    .execute((trx) =>
      writeAudit(trx, actor, {
        action: "db.login_roles_created",
        target: { type: "db_login_role", id: first },
        before: { activeRole: currentRole ?? null },
        after: { roles, created, activeRole: first },
        reason,
      }),
    );
  return { roles, created, activeRole: first, credentialsFile: file, fileWritten: true };
}

/** Where a process finds what a rotation needs (the server's and the CLI's environment). */
export interface DbPasswordSettings {
  /** OPS_DB_ADMIN_URL, else OPS_MIGRATION_DATABASE_URL. */
  adminUrl?: string | undefined;
  credentialsFile?: string | undefined;
  staticUrl?: string | undefined;
  applyLocally?: ((url: string) => void) | undefined;
  drainTimeoutMs?: number | undefined;
}

/** Opens the admin connection for one rotation (or plan) and closes it after. */
export async function withDbPasswordDeps<T>(
  settings: DbPasswordSettings,
  fn: (deps: DbPasswordDeps) => Promise<T>,
): Promise<T> {
  if (!settings.adminUrl)
    throw new DomainError(
      "PRECONDITION_FAILED",
      settings.credentialsFile || settings.staticUrl
        ? "No admin connection for password rotation: set OPS_DB_ADMIN_URL (a superuser or CREATEROLE role's URL for this database) or OPS_MIGRATION_DATABASE_URL. The application role cannot change passwords."
        : "The embedded demo database has no passwords to rotate (no DATABASE_URL or DATABASE_URL_FILE).",
    );
  const { db } = createDb({
    connectionString: settings.adminUrl,
    max: 3,
    applicationName: "radha-ops-rotate",
  });
  try {
    return await fn({
      adminDb: db,
      adminUrl: settings.adminUrl,
      credentialsFile: settings.credentialsFile,
      staticUrl: settings.staticUrl,
      applyLocally: settings.applyLocally,
      ...(settings.drainTimeoutMs !== undefined ? { drainTimeoutMs: settings.drainTimeoutMs } : {}),
    });
  } finally {
    await db.destroy();
  }
}
