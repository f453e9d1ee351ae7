// Where the database cannot be rotated with alternating login roles, rotation explains what it
// would do and stops without changing anything. (The rotation itself, under a running server:
// apps/server/src/db-password-rotation.db.test.ts.)
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { createTestDatabase, type TestDatabase } from "../testing";
import { planDbPasswordRotation, rotateDbPassword, withDbPasswordDeps } from "./db-password.service";

let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "radha-db-pw-"));
});
afterAll(async () => {
  await database.drop();
  await rm(dir, { recursive: true, force: true });
});

const rotate = (settings: { credentialsFile?: string; staticUrl?: string }) =>
  withDbPasswordDeps({ adminUrl: database.url, ...settings }, (d) =>
    rotateDbPassword(d, SYSTEM_ACTOR, { reason: "test rotation" }),
  );
const plan = (settings: { credentialsFile?: string; staticUrl?: string }) =>
  withDbPasswordDeps({ adminUrl: database.url, ...settings }, (d) => planDbPasswordRotation(d));

it("the embedded demo (no DATABASE_URL, no file): nothing to rotate, the steps are still shown", async () => {
  const p = await plan({});
  expect(p.managed).toBe(false);
  expect(p.reason).toMatch(/embedded demo/);
  expect(p.steps.length).toBeGreaterThan(3);
  await expect(rotate({})).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
  // Without any admin URL at all the message says the same.
  await expect(withDbPasswordDeps({}, () => Promise.resolve(1))).rejects.toThrow(/embedded demo/);
});

it("DATABASE_URL in the environment: a restart would be needed, so it says to use DATABASE_URL_FILE", async () => {
  const p = await plan({ staticUrl: database.appUrl });
  expect(p).toMatchObject({ managed: false });
  expect(p.reason).toMatch(/DATABASE_URL_FILE/);
  await expect(rotate({ staticUrl: database.appUrl })).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
});

it("a superuser URL or a role outside a login-role pair is refused; the file and the roles are untouched", async () => {
  const file = path.join(dir, "url");
  const passwordOf = async (role: string) =>
    (
      await sql<{ v: string | null }>`SELECT rolpassword AS v FROM pg_authid WHERE rolname = ${role}`.execute(
        database.db,
      )
    ).rows[0]?.v ?? null;
  for (const [url, why] of [
    [database.url, /superuser/],
    [database.appUrl, /not one of a login-role pair/],
  ] as const) {
    await writeFile(file, `${url}\n`);
    const role = decodeURIComponent(new URL(url).username);
    const before = await passwordOf(role);
    const p = await plan({ credentialsFile: file });
    expect(p.managed).toBe(false);
    expect(p.reason).toMatch(why);
    await expect(rotate({ credentialsFile: file })).rejects.toThrow(why);
    expect(await readFile(file, "utf8")).toBe(`${url}\n`);
    expect(await passwordOf(role)).toBe(before);
  }
  const audited = await database.db
    .selectFrom("auditLog")
    .select("action")
    .where("action", "like", "db.%")
    .execute();
  expect(audited).toEqual([]);
});
