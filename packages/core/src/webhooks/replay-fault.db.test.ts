// A replay run of thousands of events must not end FAILED because one of its own statements met a
// fault: here its connection is terminated (what a database restart or failover does) while it
// waits to claim its events. The run retries the statement on a new connection and completes.
// Nor may a run whose worker was killed hold its events for ever: the minute sweep resumes it.
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { createFailedWebhookEvents, createTestDatabase, type TestDatabase } from "../testing/index";
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
