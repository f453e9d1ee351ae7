// A replay run of thousands of events must not end FAILED because one of its own statements met a
// fault: here its connection is terminated (what a database restart or failover does) while it
// waits to claim its events. The run retries the statement on a new connection and completes.
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { createFailedWebhookEvents, createTestDatabase, type TestDatabase } from "../testing/index";
import { executeReplayRun, startReplay } from "./replay.service";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

it("a replay whose connection is terminated mid-run retries and completes, each event once", async () => {
  const { eventIds } = await createFailedWebhookEvents(t.db, { count: 40, tag: "fault" });
  const run = await startReplay(t.db, SYSTEM_ACTOR, { filter: { status: "FAILED" } }, { enqueue: false });

  // Another transaction holds one event row, so the run's claim waits on it.
  let release!: () => void;
  let held!: () => void;
  const holding = new Promise<void>((r) => (held = r));
  const mayRelease = new Promise<void>((r) => (release = r));
  const holder = t.db.transaction().execute(async (trx) => {
    await sql`SELECT id FROM webhook_events WHERE id = ${eventIds[7]} FOR UPDATE`.execute(trx);
    held();
    await mayRelease;
  });
  await holding;

  // The run executes as the server does: the application's role, its own pool.
  const execution = executeReplayRun(t.appDb, run.id, { maxAttempts: 3, backoffBaseSeconds: 0.05 });
  let terminated = 0;
  for (let i = 0; i < 200 && terminated === 0; i++) {
    await new Promise((r) => setTimeout(r, 25));
    const { rows } = await sql<{ ok: boolean }>`
      SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
    `.execute(t.db);
    terminated = rows.filter((r) => r.ok).length;
  }
  expect(terminated).toBe(1);
  release();
  await holder;

  const final = await execution;
  expect(final.status).toBe("COMPLETED");
  expect(final.error).toBeNull();
  expect(final.done).toBe(40);
  expect(final.succeeded).toBe(40);

  // Every event processed, every order paid, one sale per order: nothing doubled by the retry.
  const { rows } = await sql<{ processed: number; paid: number; sales: number; attempts: number }>`
    SELECT
      (SELECT count(*)::int FROM webhook_events WHERE id = ANY(${eventIds}::uuid[]) AND status = 'PROCESSED') AS processed,
      (SELECT count(*)::int FROM orders WHERE order_number LIKE 'RG-fault-%' AND status = 'PAID') AS paid,
      (SELECT count(*)::int FROM inventory_transactions WHERE type = 'SALE') AS sales,
      (SELECT count(*)::int FROM webhook_attempts WHERE replay_run_id = ${run.id}) AS attempts
  `.execute(t.db);
  expect(rows[0]).toEqual({ processed: 40, paid: 40, sales: 40, attempts: 40 });
});
