// SQL for database password rotation (db-password.service.ts): login roles, their sessions,
// passwords as SCRAM verifiers. Role names go in as identifiers, never as text.
import { type Kysely, sql } from "kysely";
import type { DbOrTrx } from "../db/database";
import { APP_ROLE } from "../db/roles";
import type { TDbRoleSessions } from "./secops.schema";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- cluster catalogs, not the app schema
type AnyDb = DbOrTrx | Kysely<any>;

export interface RoleRow {
  rolname: string;
  rolsuper: boolean;
  rolcanlogin: boolean;
  rolinherit: boolean;
  member: boolean;
}

export async function selectRole(db: AnyDb, name: string): Promise<RoleRow | undefined> {
  const { rows } = await sql<RoleRow>`
    SELECT rolname, rolsuper, rolcanlogin, rolinherit,
      pg_has_role(oid, ${APP_ROLE}, 'MEMBER') AS member
    FROM pg_roles WHERE rolname = ${name}`.execute(db);
  return rows[0];
}

/** Who the connection is, in which database, and whether it may change other roles' passwords. */
export async function selectAdminRights(
  db: AnyDb,
): Promise<{ user: string; can: boolean; database: string }> {
  const { rows } = await sql<{ user: string; can: boolean; database: string }>`
    SELECT current_user AS user, current_database() AS database,
      (rolsuper OR rolcreaterole) AS can
    FROM pg_roles WHERE rolname = current_user`.execute(db);
  const r = rows[0];
  if (!r) throw new Error("no answer from current_user");
  return r;
}

/** Sessions in this database per login role and application (the asking connection excluded). */
export async function selectRoleSessions(db: AnyDb, roles: string[]): Promise<TDbRoleSessions[]> {
  if (roles.length === 0) return [];
  const { rows } = await sql<{ role: string; applicationName: string; count: string }>`
    SELECT usename AS role, coalesce(application_name, '') AS "applicationName", count(*)::text AS count
    FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename IN (${sql.join(roles)})
    GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return rows.map((r) => ({ role: r.role, applicationName: r.applicationName, count: Number(r.count) }));
}

/** Ends `role`'s idle sessions in this database (LISTEN connections, idle pooled ones). */
export async function terminateIdleSessions(db: AnyDb, role: string): Promise<void> {
  await sql`
    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = current_database() AND usename = ${role} AND state = 'idle'`.execute(db);
}

/** ALTER ROLE … PASSWORD with a SCRAM verifier (never the password itself). */
export async function alterRolePassword(db: AnyDb, role: string, verifier: string): Promise<void> {
  await sql`ALTER ROLE ${sql.id(role)} PASSWORD ${sql.lit(verifier)}`.execute(db);
}

export async function createLoginRole(db: AnyDb, role: string, verifier: string): Promise<void> {
  await sql`CREATE ROLE ${sql.id(role)} LOGIN INHERIT PASSWORD ${sql.lit(verifier)}`.execute(db);
}

export async function alterRoleLoginInherit(db: AnyDb, role: string): Promise<void> {
  await sql`ALTER ROLE ${sql.id(role)} LOGIN INHERIT`.execute(db);
}

export async function grantAppRole(db: AnyDb, role: string): Promise<void> {
  await sql`GRANT ${sql.id(APP_ROLE)} TO ${sql.id(role)}`.execute(db);
}

/** On a new login: who it is, whether it holds the application role's rights, and that it reads a table. */
export async function selectLoginCheck(db: AnyDb): Promise<{ user: string; rights: boolean } | undefined> {
  const { rows } = await sql<{ user: string; rights: boolean }>`
    SELECT current_user AS user, pg_has_role(current_user, ${APP_ROLE}, 'USAGE') AS rights`.execute(db);
  await sql`SELECT 1 FROM audit_log LIMIT 0`.execute(db);
  return rows[0];
}

const ROTATION_LOCK = 7340101;

export async function tryRotationLock(db: AnyDb): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${ROTATION_LOCK}) AS ok`.execute(
    db,
  );
  return rows[0]?.ok === true;
}

export async function releaseRotationLock(db: AnyDb): Promise<void> {
  await sql`SELECT pg_advisory_unlock(${ROTATION_LOCK})`.execute(db);
}
