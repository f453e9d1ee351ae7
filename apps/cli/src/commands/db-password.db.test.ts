// `ops db setup-login-roles` and `ops db rotate-password` as a child process: the setup path, a
// rotation, and the refusal (with the steps it would take) where the database is not managed
// this way. No password ever reaches the output.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, dropTestRoles, type TestDatabase } from "@radha/core/testing";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { runOps } from "../testing";

vi.setConfig({ testTimeout: 180_000 });

const prefix = `rotcli_${randomBytes(4).toString("hex")}`;
let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "radha-cli-dbpw-"));
});
afterAll(async () => {
  await database.drop();
  await dropTestRoles(`${prefix}_a`, `${prefix}_b`);
  await rm(dir, { recursive: true, force: true });
});

it("with DATABASE_URL in the environment it explains what it would do and stops (exit 1, nothing changed)", async () => {
  const r = await runOps({ DATABASE_URL: database.appUrl, OPS_MIGRATION_DATABASE_URL: database.url }, [
    "db",
    "rotate-password",
    "--reason",
    "quarterly",
  ]);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/Cannot rotate here: .*DATABASE_URL_FILE/);
  expect(r.stdout).toMatch(/1\. set a new random password on the idle login role/);
});

it("setup-login-roles writes the credentials file; rotate-password switches roles; no password is printed", async () => {
  const file = path.join(dir, "database-url");
  const env = { DATABASE_URL_FILE: file, OPS_DB_ADMIN_URL: database.url };
  const setup = await runOps(env, [
    "db",
    "setup-login-roles",
    "--prefix",
    prefix,
    "--reason",
    "enable rotation",
  ]);
  expect(setup.stderr).toBe("");
  expect(setup.code).toBe(0);
  expect(setup.stdout).toContain(`now names ${prefix}_a`);
  const first = await readFile(file, "utf8");

  const dry = await runOps(env, ["db", "rotate-password", "--dry-run", "--json"]);
  expect(dry.code).toBe(0);
  expect(JSON.parse(dry.stdout)).toMatchObject({
    managed: true,
    activeRole: `${prefix}_a`,
    idleRole: `${prefix}_b`,
  });

  const rotated = await runOps(env, ["db", "rotate-password", "--reason", "quarterly"]);
  expect(rotated.code).toBe(0);
  expect(rotated.stdout).toContain(`Servers now log in as ${prefix}_b`);
  expect(rotated.stdout).toContain(`${prefix}_a's password was replaced`);
  const second = await readFile(file, "utf8");
  expect(new URL(second.trim()).username).toBe(`${prefix}_b`);
  for (const url of [first, second]) {
    const password = decodeURIComponent(new URL(url.trim()).password);
    for (const out of [setup, dry, rotated]) expect(out.stdout + out.stderr).not.toContain(password);
  }
  // Without --reason: refused before anything changes.
  const noReason = await runOps(env, ["db", "rotate-password"]);
  expect(noReason.code).toBe(1);
  expect(noReason.stderr).toMatch(/--reason/);
  expect(await readFile(file, "utf8")).toBe(second);
});
