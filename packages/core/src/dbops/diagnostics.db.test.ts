import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { createDb } from "../db/client";
import { createTestDatabase, domainErrorOf, type TestDatabase } from "../testing/index";
import { cancelDbBackend, getDbStatus, terminateDbBackend } from "./diagnostics.service";
import { selectOwnPid } from "./dbops.queries";

// pg_dump/pg_restore child processes: minutes, not seconds, on a loaded 2-core machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

let t: TestDatabase;
let other: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  other = await createTestDatabase();
});

afterAll(async () => {
  await t.drop();
  await other.drop();
});

async function connect(url: string, applicationName: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

async function pidOf(c: pg.Client): Promise<number> {
  const { rows } = await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return rows[0]?.pid ?? 0;
}

describe("database diagnostics", () => {
  it("reports connections, long-running queries, blocking chains and the largest relations", async () => {
    const holder = await connect(t.url, "test-holder");
    const waiter = await connect(t.url, "test-waiter");
    await holder.query("BEGIN; LOCK TABLE products IN ACCESS EXCLUSIVE MODE");
    const waiting = waiter.query("SELECT count(*) FROM products").catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1_200));
    const s = await getDbStatus(t.db, { longRunningSeconds: 1 });
    expect(s.database).toBe(t.name);
    expect(s.maxConnections).toBeGreaterThan(0);
    expect(s.byState.some((g) => g.application === "test-holder")).toBe(true);
    const blocked = s.blocking.find((q) => q.application === "test-waiter");
    expect(blocked?.blockedBy).toEqual([await pidOf(holder)]);
    expect(s.blocking.some((q) => q.application === "test-holder")).toBe(true);
    expect(
      s.longRunning.some((q) => q.application === "test-waiter" && q.waitEvent?.startsWith("Lock")),
    ).toBe(true);
    expect(s.largest.length).toBeGreaterThan(0);
    await holder.query("ROLLBACK");
    await waiting;
    await holder.end();
    await waiter.end();
  });

  it("refuses our own connection and a connection to another database", async () => {
    // A one-connection handle: the pid it reports is the one that would send the cancel.
    const { db: single } = createDb({ connectionString: t.url, max: 1 });
    const ownPid = await selectOwnPid(single);
    const own = { error: await domainErrorOf(cancelDbBackend(single, SYSTEM_ACTOR, { pid: ownPid })) };
    const ownTerminate = await domainErrorOf(
      terminateDbBackend(single, SYSTEM_ACTOR, { pid: ownPid, reason: "oops" }),
    );
    expect(ownTerminate.code).toBe("FORBIDDEN");
    await single.destroy();
    expect(own.error.code).toBe("FORBIDDEN");
    expect(own.error.message).toMatch(/own connection/);

    const elsewhere = await connect(other.url, "other-db");
    const pid = await pidOf(elsewhere);
    const e1 = await domainErrorOf(cancelDbBackend(t.db, SYSTEM_ACTOR, { pid }));
    const e2 = await domainErrorOf(
      terminateDbBackend(t.db, SYSTEM_ACTOR, { pid, reason: "runaway", graceMs: 0 }),
    );
    for (const e of [e1, e2]) {
      expect(e.code).toBe("FORBIDDEN");
      expect(e.message).toMatch(new RegExp(`connected to database ${other.name}`));
    }
    await elsewhere.end();
    expect((await domainErrorOf(cancelDbBackend(t.db, SYSTEM_ACTOR, { pid: 2_000_000_000 }))).code).toBe(
      "NOT_FOUND",
    );
  });

  it("terminates a busy session after cancelling and the grace period, audited with the reason", async () => {
    const busy = await connect(t.url, "busy");
    const pid = await pidOf(busy);
    // Ignores cancels (the handler swallows them), so only terminate can end it.
    const running = busy
      .query(
        `DO $$ BEGIN LOOP BEGIN PERFORM pg_sleep(0.2); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$`,
      )
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    const r = await terminateDbBackend(t.db, SYSTEM_ACTOR, { pid, reason: "runaway report", graceMs: 500 });
    expect(r).toMatchObject({ cancelled: true, terminated: true });
    expect(String(await running)).toMatch(/terminat/i);
    const audit = await t.db
      .selectFrom("auditLog")
      .select(["action", "reason", "targetId"])
      .where("action", "=", "db.terminate")
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ reason: "runaway report", targetId: String(pid) });
  });
});
