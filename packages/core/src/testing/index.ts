export * from "./factories";
export * from "./inventory-factories";
export * from "./webhook-factories";
export * from "./payment-payloads";
export * from "./helpers";
// Test helpers: one migrated template database, cloned into a fresh database per test file.
// Uses DATABASE_URL (a server we may create databases on); the test runner script starts an
// embedded Postgres and sets it when none is given. Missing Postgres is an error, never a skip.
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { createDb } from "../db/client";
import { ensureAppLoginRole, withCredentials } from "../db/roles";
import type { Db } from "../db/database";
import { migrate } from "../db/migrate";
import { loadTestEnv } from "./env";

function serverUrl(): string {
  const url = loadTestEnv().DATABASE_URL;
  if (!url)
    throw new Error(
      "DATABASE_URL is not set: run tests through `pnpm test`, which provides a Postgres, or set it to a Postgres 15+ server",
    );
  return url;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: withDatabase(serverUrl(), "postgres"),
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
  } catch (cause) {
    throw new Error(
      `Cannot reach PostgreSQL at DATABASE_URL (${new URL(serverUrl()).host}); tests need a real database`,
      { cause },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// Each package's test run gets its own template and prefix, so turbo can run them at once.
// The cwd hash keeps two checkouts (git worktrees) of the same package apart too.
const SCOPE = `${path
  .basename(process.cwd())
  .replace(/[^a-z0-9]/gi, "_")
  .toLowerCase()
  .slice(0, 12)}_${createHash("sha1").update(process.cwd()).digest("hex").slice(0, 6)}`;
const TEMPLATE = `radha_tpl_${SCOPE}`;
const PREFIX = `radha_t_${SCOPE}_`;

async function dropLeftovers(c: pg.Client): Promise<void> {
  const { rows } = await c.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE $1",
    [`${PREFIX}%`],
  );
  for (const r of rows) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
}

/** vitest globalTeardown: drops what this package's run created, even after a crash. */
export async function dropTestDatabases(): Promise<void> {
  await admin(async (c) => {
    await dropLeftovers(c);
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
  });
}

/** Called once from vitest globalSetup: (re)creates the migrated template database. */
export async function prepareTemplateDatabase(): Promise<void> {
  await admin(async (c) => {
    await dropLeftovers(c);
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${TEMPLATE}`);
  });
  const { db } = createDb({ connectionString: withDatabase(serverUrl(), TEMPLATE), max: 1 });
  try {
    await migrate(db, withDatabase(serverUrl(), TEMPLATE));
    await ensureAppLoginRole(db, TEST_APP_LOGIN.user, TEST_APP_LOGIN.password);
  } finally {
    await db.destroy();
  }
}

/**
 * The login role the app runs as in tests: a member of the application role, so a missing grant
 * fails a test. Shared by every run on the server (roles are cluster-wide; never dropped).
 */
export const TEST_APP_LOGIN = { user: "radha_app_test", password: "radha-app-test" } as const;

export interface TestDatabase {
  /** The owner's handle (the server's superuser): for setup, factories and assertions. */
  db: Db;
  url: string;
  /** The application role's handle and URL: what servers, workers and API deps use. */
  appDb: Db;
  appUrl: string;
  name: string;
  drop(): Promise<void>;
}

/** Drops roles a test created (roles are cluster-wide and the test server is shared). */
export async function dropTestRoles(...names: string[]): Promise<void> {
  await admin(async (c) => {
    for (const name of names) await c.query(`DROP ROLE IF EXISTS "${name.replace(/"/g, '""')}"`);
  });
}

/** A fresh, migrated, empty database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${PREFIX}${randomBytes(5).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`));
  const url = withDatabase(serverUrl(), name);
  const { db } = createDb({ connectionString: url, max: 8 });
  const appUrl = withCredentials(url, TEST_APP_LOGIN.user, TEST_APP_LOGIN.password);
  const { db: appDb } = createDb({ connectionString: appUrl, max: 8 });
  return {
    db,
    url,
    appDb,
    appUrl,
    name,
    async drop() {
      await appDb.destroy();
      await db.destroy();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
export * from "./services";
export * from "./secops";
