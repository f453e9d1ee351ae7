// A live replay run is never taken for stalled. Its chunk here waits on a row lock past the stall
// threshold, as it would behind a slow database or a long lock wait, so no progress is saved
// meanwhile: the sweep must not queue the run again, and a second execution of it (a job queued
// anyway) must exit without processing anything. Otherwise two executions compete on the same run
// and its counts double.
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import {
  createFailedWebhookEvents,
  createTestDatabase,
  holdEventRowLock,
  lockWaiters,
  type TestDatabase,
  waitFor,
} from "../testing/index";
import { executeReplayRun, resumeStalledReplayRuns, startReplay } from "./replay.service";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const processing = { maxAttempts: 3, backoffBaseSeconds: 0.05, heartbeatMs: 50 };

it("a run whose chunk waits past the stall threshold is neither resumed nor executed twice", async () => {
  const { eventIds } = await createFailedWebhookEvents(t.db, { count: 20, tag: "live" });
  const run = await startReplay(t.db, SYSTEM_ACTOR, { filter: { status: "FAILED" } }, { enqueue: false });

  // Another transaction holds one event row, so the run's chunk waits on it.
  const lock = await holdEventRowLock(t.db, eventIds[7]!);

  const execution = executeReplayRun(t.appDb, run.id, processing);
  try {
    await waitFor(async () => (await lockWaiters(t.db)) > 0);
    // The run beats while its chunk waits.
    const beatBefore = await heartbeat(run.id);
    await waitFor(async () => (await heartbeat(run.id)) > beatBefore);

    // Every heartbeat is older than a threshold in the future: the run looks stalled, yet it is live.
    const stalledBefore = new Date(Date.now() + 60_000);
    expect(await resumeStalledReplayRuns(t.db, stalledBefore)).toEqual({ resumed: 0, cancelled: 0 });
    const { rows: jobs } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = ${`replay:${run.id}`}`.execute(t.db);
    expect(jobs[0]!.n).toBe(0);

    // A second execution returns at once, the row still held, having processed nothing.
    const second = await executeReplayRun(t.appDb, run.id, processing);
    expect(second).toMatchObject({ status: "RUNNING", done: 0, succeeded: 0 });
    expect(await attemptsOf(run.id)).toBe(0);
  } finally {
    await lock.release();
  }

  const final = await execution;
  expect(final).toMatchObject({ status: "COMPLETED", done: 20, succeeded: 20, failed: 0, skipped: 0 });
  expect(await attemptsOf(run.id)).toBe(20);
  // Finished: the sweep has nothing to do, and its lock is free for nobody to need.
  expect(await resumeStalledReplayRuns(t.db, new Date(Date.now() + 60_000))).toEqual({
    resumed: 0,
    cancelled: 0,
  });
});

async function heartbeat(runId: string): Promise<number> {
  const { rows } = await sql<{ at: Date }>`
    SELECT heartbeat_at AS at FROM webhook_replay_runs WHERE id = ${runId}`.execute(t.db);
  return rows[0]!.at.getTime();
}

async function attemptsOf(runId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM webhook_attempts WHERE replay_run_id = ${runId}`.execute(t.db);
  return rows[0]!.n;
}
