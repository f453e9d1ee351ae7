// The application role (what servers and workers run as) can read and write data but cannot
// change the schema, switch off the audit triggers, or rewrite the append-only tables.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAuditEvent, SYSTEM_ACTOR, verifyAuditChain } from "../audit/audit.service";
import { createTestDatabase, type TestDatabase } from "../testing/index";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await recordAuditEvent(t.appDb, SYSTEM_ACTOR, { action: "test.roles", after: { n: 1 } });
});
afterAll(() => t.drop());

/** The SQLSTATE and message a statement run as the application role fails with. */
async function refusal(statement: string): Promise<{ code: string; message: string }> {
  const error = await sql
    .raw(statement)
    .execute(t.appDb)
    .then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
  if (!error) throw new Error(`the application role was allowed: ${statement}`);
  return { code: error.code, message: error.message };
}

describe("application role", () => {
  it("is not the owner nor a superuser", async () => {
    const { rows } = await sql<{ user: string; superuser: boolean; owns: string }>`
      SELECT current_user AS user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
        (SELECT count(*) FROM pg_tables WHERE tableowner = current_user)::text AS owns`.execute(t.appDb);
    expect(rows[0]).toEqual({ user: "radha_app_test", superuser: false, owns: "0" });
  });

  it("cannot disable the audit trigger, alter or drop tables", async () => {
    for (const statement of [
      "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete",
      "ALTER TABLE audit_log DISABLE TRIGGER ALL",
      "DROP TRIGGER audit_log_chain ON audit_log",
      "ALTER TABLE users ADD COLUMN sneaky text",
      "DROP TABLE webhook_events",
      "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    ])
      expect((await refusal(statement)).message, statement).toMatch(/must be owner|permission denied/);
  });

  it("cannot UPDATE, DELETE or TRUNCATE append-only tables (refused by grants, before any trigger)", async () => {
    for (const table of ["audit_log", "inventory_transactions", "webhook_attempts", "webhook_rejections"]) {
      for (const statement of [`UPDATE ${table} SET id = id`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
        const r = await refusal(statement);
        expect(r.code, statement).toBe("42501");
        expect(r.message, statement).toBe(`permission denied for table ${table}`);
      }
    }
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checked: 1 });
  });

  it("cannot extend or shrink the append-only list (only migrations do)", async () => {
    expect((await refusal("DELETE FROM db_append_only_tables")).code).toBe("42501");
    expect((await refusal("INSERT INTO kysely_migration (name, timestamp) VALUES ('x', 'y')")).code).toBe(
      "42501",
    );
  });

  it("gets the application grants on tables a later migration creates (default privileges)", async () => {
    await sql`CREATE TABLE later_table (id serial PRIMARY KEY, v text)`.execute(t.db);
    await sql`INSERT INTO later_table (v) VALUES ('a')`.execute(t.appDb);
    await sql`UPDATE later_table SET v = 'b'`.execute(t.appDb);
    const { rows } = await sql<{ v: string }>`SELECT v FROM later_table`.execute(t.appDb);
    expect(rows).toEqual([{ v: "b" }]);
    expect((await refusal("ALTER TABLE later_table ADD COLUMN w text")).message).toMatch(/must be owner/);
  });
});
