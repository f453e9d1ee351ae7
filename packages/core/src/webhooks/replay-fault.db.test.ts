// A replay run of thousands of events must not end FAILED because one of its own statements met a
// fault: here its connection is terminated (what a database restart or failover does) while it
// waits to claim its events. The run retries the statement on a new connection and completes.
// Nor may a run whose worker was killed hold its events for ever: the minute sweep resumes it.
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import {
  createFailedWebhookEvents,
  createTestDatabase,
  holdEventRowLock,
  type TestDatabase,
} from "../testing/index";
import { executeReplayRun, resumeStalledReplayRuns, startReplay } from "./replay.service";
import { claimEventsForRun, claimReplayRun } from "./webhooks.queries";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

it("a replay whose connection is terminated mid-run retries and completes, each event once", async () => {
  const { eventIds } = await createFailedWebhookEvents(t.db, { count: 40, tag: "fault" });
  const run = await startReplay(t.db, SYSTEM_ACTOR, { filter: { status: "FAILED" } }, { enqueue: false });

  // Another transaction holds one event row, so the run's claim waits on it.
  const lock = await holdEventRowLock(t.db, eventIds[7]!);

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
  await lock.release();

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

it("the sweep resumes a RUNNING run whose worker died and finishes a CANCELLING one", async () => {
  const a = await createFailedWebhookEvents(t.db, { count: 10, tag: "stall-a" });
  const b = await createFailedWebhookEvents(t.db, { count: 5, tag: "stall-b" });
  const filter = { status: "FAILED" as const };
  const [runA, runB] = [
    await startReplay(t.db, SYSTEM_ACTOR, { filter }, { enqueue: false }),
    await startReplay(t.db, SYSTEM_ACTOR, { filter }, { enqueue: false }),
  ];
  // Both were executing, holding their events, when their worker was killed 10 minutes ago;
  // B had been asked to cancel.
  await claimReplayRun(t.db, runA.id);
  await claimReplayRun(t.db, runB.id);
  expect(await claimEventsForRun(t.db, runA.id, a.eventIds)).toHaveLength(10);
  expect(await claimEventsForRun(t.db, runB.id, b.eventIds)).toHaveLength(5);
  await sql`UPDATE webhook_replay_runs SET heartbeat_at = now() - interval '10 minutes' WHERE id IN (${runA.id}, ${runB.id})`.execute(
    t.db,
  );
  await sql`UPDATE webhook_replay_runs SET status = 'CANCELLING' WHERE id = ${runB.id}`.execute(t.db);
  // A third run beat a moment ago: alive, left alone.
  const runC = await startReplay(t.db, SYSTEM_ACTOR, { filter }, { enqueue: false });
  await claimReplayRun(t.db, runC.id);

  expect(await resumeStalledReplayRuns(t.db)).toEqual({ resumed: 1, cancelled: 1 });
  const { rows: jobs } = await sql<{ key: string; task: string; attempts: number }>`
    SELECT key, task_identifier AS task, attempts FROM graphile_worker.jobs WHERE key LIKE 'replay:%'
  `.execute(t.db);
  expect(jobs).toEqual([{ key: `replay:${runA.id}`, task: "webhook_replay_run", attempts: 0 }]);
  const { rows: runs } = await sql<{ id: string; status: string; finished: boolean; held: number }>`
    SELECT r.id, r.status, r.finished_at IS NOT NULL AS finished,
      (SELECT count(*)::int FROM webhook_events e WHERE e.replay_run_id = r.id) AS held
    FROM webhook_replay_runs r WHERE r.id IN (${runA.id}, ${runB.id})
  `.execute(t.db);
  expect(runs.find((r) => r.id === runB.id)).toMatchObject({ status: "CANCELLED", finished: true, held: 0 });
  expect(runs.find((r) => r.id === runA.id)).toMatchObject({ status: "RUNNING", held: 10 });
  // Queued again with a fresh heartbeat: the next sweeps leave it to its new job.
  expect(await resumeStalledReplayRuns(t.db)).toEqual({ resumed: 0, cancelled: 0 });

  // The queued job resumes A, which replays its own events and B's, now released.
  await sql`UPDATE webhook_replay_runs SET status = 'CANCELLED' WHERE id = ${runC.id}`.execute(t.db);
  const final = await executeReplayRun(t.db, runA.id, { maxAttempts: 3, backoffBaseSeconds: 0.05 });
  expect(final).toMatchObject({ status: "COMPLETED", succeeded: 15, failed: 0 });
});

it("a chunk retried after a fault counts the events its first attempt settled as succeeded", async () => {
  const { eventIds } = await createFailedWebhookEvents(t.db, { count: 12, tag: "retry" });
  const target = eventIds[5]!;
  // The target's attempt cannot be recorded three times (serialization failures): in the chunk's
  // batch, then on its own, then as its failure. The other eleven have committed on their own by
  // then, and the chunk fails before its progress is recorded; its retry finds them settled.
  await sql`CREATE SEQUENCE retry_fault_seq`.execute(t.db);
  await sql
    .raw(
      `CREATE FUNCTION retry_fault() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN
        IF NEW.event_id = '${target}'::uuid THEN
          IF nextval('retry_fault_seq') <= 3 THEN
            RAISE EXCEPTION 'injected fault' USING ERRCODE = '40001';
          END IF;
        END IF;
        RETURN NEW;
      END $$`,
    )
    .execute(t.db);
  await sql`CREATE TRIGGER retry_fault BEFORE INSERT ON webhook_attempts FOR EACH ROW EXECUTE FUNCTION retry_fault()`.execute(
    t.db,
  );
  try {
    const run = await startReplay(t.db, SYSTEM_ACTOR, { filter: { status: "FAILED" } }, { enqueue: false });
    const final = await executeReplayRun(t.appDb, run.id, { maxAttempts: 3, backoffBaseSeconds: 0.05 });
    const { rows } = await sql<{ fired: string }>`SELECT last_value AS fired FROM retry_fault_seq`.execute(
      t.db,
    );
    expect(Number(rows[0]!.fired)).toBeGreaterThan(3);
    expect(final).toMatchObject({
      status: "COMPLETED",
      total: 12,
      done: 12,
      succeeded: 12,
      failed: 0,
      skipped: 0,
    });
  } finally {
    await sql`DROP TRIGGER retry_fault ON webhook_attempts`.execute(t.db);
    await sql`DROP FUNCTION retry_fault()`.execute(t.db);
  }
});
