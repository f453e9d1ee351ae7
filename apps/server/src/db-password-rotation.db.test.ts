// Database password rotation against the machine's Postgres with two login roles of this run's
// own, while a running server answers a steady stream of requests: no request fails, the
// server's connections move to the new login role without a restart (it follows
// DATABASE_URL_FILE), and the old password no longer matches its role's stored verifier. (The
// machine's Postgres trusts 127.0.0.1, so "no longer signs in" is checked against
// pg_authid.rolpassword — the SCRAM verifier PostgreSQL would check a password against.)
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApi, type TestApi } from "@radha/api/testing";
import { readDatabaseUrlFile, scramVerifierAccepts, userOfUrl } from "@radha/core/db";
import {
  rotateDbPassword,
  setupLoginRoles,
  withDbPasswordDeps,
  type TDbPasswordRotation,
} from "@radha/core/security";
import { createMemoryStore } from "@radha/core/shared-store";
import {
  createTestDatabase,
  dropTestRoles,
  TEST_MASTER_KEY_BASE64,
  type TestDatabase,
} from "@radha/core/testing";
import { buildApp, type App } from "./app";
import { createDeps, type AppDeps } from "./deps";
import { loadEnv } from "./env";
import { startWorker, type WorkerHandle } from "./jobs/worker";

const ACTOR = { type: "SYSTEM" as const, id: null, label: "test" };
const prefix = `rot_${randomBytes(4).toString("hex")}`;
const [roleA, roleB] = [`${prefix}_a`, `${prefix}_b`];

let database: TestDatabase;
let dir: string;
let file: string;
let deps: AppDeps;
let app: App;
let api: TestApi;
let base: string;
let worker: WorkerHandle;

const passwordIn = (url: string) => decodeURIComponent(new URL(url).password);
const verifierOf = async (role: string) =>
  (
    await sql<{ v: string }>`SELECT rolpassword AS v FROM pg_authid WHERE rolname = ${role}`.execute(
      database.db,
    )
  ).rows[0]?.v ?? "";
/** The roles the server's (or its inline worker's) connections log in as, right now. */
const serverRoles = async (applicationName = "radha-ops-server") =>
  (
    await sql<{ usename: string }>`
      SELECT DISTINCT usename FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = ${applicationName}`.execute(database.db)
  ).rows.map((r) => r.usename);

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "radha-db-url-"));
  file = path.join(dir, "database-url");
  // The setup path an operator takes: the pair of login roles and the credentials file.
  const setup = await withDbPasswordDeps({ adminUrl: database.url, credentialsFile: file }, (d) =>
    setupLoginRoles(d, ACTOR, { prefix, reason: "test: enable rotation" }),
  );
  expect(setup).toMatchObject({
    roles: [roleA, roleB],
    created: [roleA, roleB],
    activeRole: roleA,
    fileWritten: true,
  });
  const env = {
    ...loadEnv({
      OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64,
      DATABASE_URL: "",
      DATABASE_URL_FILE: file,
      OPS_DB_ADMIN_URL: database.url,
      OPS_BACKUP_DIR: dir,
    }),
    LOG_LEVEL: "silent" as const,
  };
  deps = createDeps(env, { ownerUrl: database.url, store: createMemoryStore() });
  api = await createTestApi({ database, deps });
  app = await buildApp(deps, { logLevel: "silent" });
  base = await app.server.listen({ port: 0, host: "127.0.0.1" });
  // The inline job worker too: its pool (and graphile-worker's LISTEN connection) must follow.
  worker = await startWorker(deps, deps.databasePool.currentUrl, {
    concurrency: 2,
    pollInterval: 100,
    crontab: false,
  });
}, 60_000);

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- beforeAll may have failed part way
  await worker?.stop();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  await app?.stop();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  await deps?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  await api?.close();
  // Roles are cluster-wide and the machine's Postgres is shared: drop this run's pair.
  await dropTestRoles(roleA, roleB);
  await rm(dir, { recursive: true, force: true });
});

it("rotates the password under a steady stream of requests: none fails, the server moves to the other login role, the old password is useless", async () => {
  const admin = await api.signIn("ADMIN");
  let stop = false;
  const outcomes = { ok: 0, failed: [] as string[] };
  const client = async () => {
    while (!stop) {
      // A signed-in query (session check + signing keys) and the readiness check (a database ping).
      for (const [url, headers] of [
        [`${base}/api/trpc/security.keys`, { authorization: `Bearer ${admin.accessToken}` }],
        [`${base}/api/health`, {}],
      ] as const) {
        const res = await fetch(url, { headers }).catch((e: unknown) => ({
          status: 0,
          text: () => Promise.resolve(String(e)),
        }));
        if (res.status === 200) outcomes.ok++;
        else outcomes.failed.push(`${url} ${res.status} ${(await res.text()).slice(0, 200)}`);
      }
    }
  };
  const clients = Array.from({ length: 6 }, client);
  const waitForRequests = async (n: number) => {
    const target = outcomes.ok + n;
    while (outcomes.ok < target && outcomes.failed.length === 0) await new Promise((r) => setTimeout(r, 20));
  };

  await waitForRequests(50);
  expect(await serverRoles()).toEqual([roleA]);
  expect(await serverRoles("radha-ops-worker")).toEqual([roleA]);
  const oldPassword = passwordIn(readDatabaseUrlFile(file));

  // Rotation 1: a → b. The server is not told directly: it follows the file.
  const rotate = () =>
    withDbPasswordDeps({ adminUrl: database.url, credentialsFile: file, drainTimeoutMs: 10_000 }, (d) =>
      rotateDbPassword(d, ACTOR, { reason: "test: scheduled rotation" }),
    );
  const first: TDbPasswordRotation = await rotate();
  expect(first).toMatchObject({ activeRole: roleB, previousRole: roleA, previousPasswordReplaced: true });
  await waitForRequests(50);
  expect(await serverRoles()).toEqual([roleB]);
  expect(await serverRoles("radha-ops-worker")).toEqual([roleB]);
  const newUrl = readDatabaseUrlFile(file);
  expect(userOfUrl(newUrl)).toBe(roleB);
  // The old secret does not match a's verifier any more; the new one matches b's.
  expect(scramVerifierAccepts(await verifierOf(roleA), oldPassword)).toBe(false);
  expect(scramVerifierAccepts(await verifierOf(roleB), passwordIn(newUrl))).toBe(true);

  // Rotation 2: back to a, with a password nobody has seen.
  const second = await rotate();
  expect(second).toMatchObject({ activeRole: roleA, previousRole: roleB, previousPasswordReplaced: true });
  await waitForRequests(50);
  expect(await serverRoles()).toEqual([roleA]);
  expect(scramVerifierAccepts(await verifierOf(roleB), passwordIn(newUrl))).toBe(false);
  expect(scramVerifierAccepts(await verifierOf(roleA), oldPassword)).toBe(false);

  stop = true;
  await Promise.all(clients);
  expect(outcomes.failed).toEqual([]);
  expect(outcomes.ok).toBeGreaterThan(150);

  // Audited with the reason, naming roles only: no password (old or new) in the audit log.
  const events = await database.db
    .selectFrom("auditLog")
    .select(["action", "reason", "before", "after"])
    .where("action", "like", "db.%")
    .orderBy("seq")
    .execute();
  expect(events.map((e) => e.action)).toEqual([
    "db.login_roles_created",
    "db.password_rotated",
    "db.password_rotated",
  ]);
  expect(events[1]).toMatchObject({
    reason: "test: scheduled rotation",
    after: { activeRole: roleB, previousRole: roleA, previousRoleRetired: true },
  });
  const logged = JSON.stringify(events);
  for (const secret of [oldPassword, passwordIn(newUrl), passwordIn(readDatabaseUrlFile(file))])
    expect(logged).not.toContain(secret);
  // The credentials file is the owner's only.
  expect((await import("node:fs")).statSync(file).mode & 0o777).toBe(0o600);
  expect(await readFile(file, "utf8")).toMatch(new RegExp(`^postgres(ql)?://${roleA}:`));
}, 120_000);
