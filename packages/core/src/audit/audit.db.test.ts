import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/index";
import { listAuditEvents, recordAuditEvent, SYSTEM_ACTOR, verifyAuditChain } from "./audit.service";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("audit log", () => {
  it("chains events in insertion order and verifies", async () => {
    for (let i = 0; i < 5; i++)
      await recordAuditEvent(t.db, SYSTEM_ACTOR, { action: "test.event", after: { i } });
    const result = await verifyAuditChain(t.db);
    expect(result).toEqual({ ok: true, checked: 5, firstBroken: null });
  });

  it("keeps a gap-free chain under concurrent writers", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordAuditEvent(t.db, SYSTEM_ACTOR, { action: "test.concurrent", after: { i } }),
      ),
    );
    const result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(true);
    expect(result.checked).toBe(25);
  });

  it("redacts secrets before storing", async () => {
    await recordAuditEvent(t.db, SYSTEM_ACTOR, {
      action: "test.secret",
      after: { name: "x", password: "hunter2", nested: { apiKey: "sk_live_1" } },
    });
    const {
      items: [event],
    } = await listAuditEvents(t.db, { action: "test.secret" });
    expect(event?.after).toEqual({ name: "x", password: "[redacted]", nested: { apiKey: "[redacted]" } });
  });

  it("refuses UPDATE, DELETE and TRUNCATE in the database", async () => {
    await expect(sql`UPDATE audit_log SET action = 'x'`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(t.db)).checked).toBe(26);
  });

  it("reports the first tampered row when someone bypasses the triggers", async () => {
    // A superuser can switch triggers off; the chain still tells.
    await t.db.connection().execute(async (conn) => {
      await sql`SET session_replication_role = replica`.execute(conn);
      await sql`UPDATE audit_log SET after = '{"i": 999}' WHERE seq = 3`.execute(conn);
      await sql`SET session_replication_role = origin`.execute(conn);
    });
    const result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toEqual({ seq: "3", reason: "its content no longer matches its hash" });
  });

  it("reports a deleted row as a missing link", async () => {
    await t.db.connection().execute(async (conn) => {
      await sql`SET session_replication_role = replica`.execute(conn);
      await sql`UPDATE audit_log SET after = '{"i": 2}' WHERE seq = 3`.execute(conn);
      await sql`DELETE FROM audit_log WHERE seq = 2`.execute(conn);
      await sql`SET session_replication_role = origin`.execute(conn);
    });
    const result = await verifyAuditChain(t.db);
    expect(result.firstBroken?.seq).toBe("3");
    expect(result.firstBroken?.reason).toMatch(/row 2 is missing/);
  });
});
