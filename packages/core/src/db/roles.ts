// The database role model (ARCHITECTURE.md "Database roles"): migrations run as the owning role;
// servers and workers log in as roles that are members of APP_ROLE (no ownership, no UPDATE or
// DELETE on append-only tables). Roles are cluster-wide, so they are created when missing and
// never dropped: several databases (test runs, worktrees) share them.
import { type Kysely, sql } from "kysely";

/** The NOLOGIN group role holding the application's grants (created by a migration). */
export const APP_ROLE = "radha_app";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- used before and after typed schemas exist
type AnyDb = Kysely<any>;

const codeOf = (e: unknown) => (e as { code?: unknown } | null)?.code;

/** Creates LOGIN role `name` (a member of APP_ROLE) when missing; run as a superuser or CREATEROLE role. */
export async function ensureAppLoginRole(db: AnyDb, name: string, password: string): Promise<void> {
  const exists = await sql<{ n: number }>`SELECT 1 AS n FROM pg_roles WHERE rolname = ${name}`.execute(db);
  if (exists.rows.length === 0) {
    try {
      await sql`CREATE ROLE ${sql.id(name)} LOGIN PASSWORD ${sql.lit(password)}`.execute(db);
    } catch (e) {
      // Another run created it at the same moment.
      if (codeOf(e) !== "42710" && codeOf(e) !== "23505") throw e;
    }
  }
  const member = await sql<{ n: number }>`
    SELECT 1 AS n FROM pg_auth_members m
    JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
    WHERE r.rolname = ${APP_ROLE} AND u.rolname = ${name}`.execute(db);
  if (member.rows.length > 0) return;
  for (let attempt = 0; ; attempt++) {
    try {
      await sql`GRANT ${sql.id(APP_ROLE)} TO ${sql.id(name)}`.execute(db);
      return;
    } catch (e) {
      // "tuple concurrently updated" when two runs grant at once: try again.
      if (attempt >= 5 || codeOf(e) !== "XX000") throw e;
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
  }
}

/** `url` with another user and password. */
export function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

export interface RuntimeRole {
  user: string;
  superuser: boolean;
  /** Tables in `public` this role owns (it could ALTER them or disable their triggers). */
  ownedTables: number;
  appMember: boolean;
}

/** Who `db` runs as, so a start can warn when the app runs with owner rights. */
export async function describeRuntimeRole(db: AnyDb): Promise<RuntimeRole> {
  const { rows } = await sql<{ user: string; superuser: boolean; owned: string; member: boolean }>`
    SELECT current_user AS user,
      (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
      (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user)::text AS owned,
      coalesce(pg_has_role(current_user, ${APP_ROLE}, 'MEMBER'), false) AS member`.execute(db);
  const r = rows[0];
  if (!r) throw new Error("no answer from current_user");
  return { user: r.user, superuser: r.superuser, ownedTables: Number(r.owned), appMember: r.member };
}
