// A replay run whose worker died between two saves of its counts is resumed by the sweep. The
// resumed run must report what the run did, not what it last saved: events the dead worker
// processed after its last save count, and an event it already attempted and failed is neither
// attempted again nor counted twice. And a run in which an event fails again goes on past it.
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { createFailedWebhookEvents, createTestDatabase, type TestDatabase } from "../testing/index";
import { processWebhookEvents } from "./process.service";
import { executeReplayRun, resumeStalledReplayRuns, startReplay } from "./replay.service";
import { claimEventsForRun, claimReplayRun, updateReplayRun } from "./webhooks.queries";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const opts = { maxAttempts: 3, backoffBaseSeconds: 0.05 };

/** Orders whose number is in `numbers` cannot be paid: their event's processing fails. */
async function refusePayment(numbers: string[]) {
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION refuse_payment() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN
        IF NEW.order_number = ANY(ARRAY[${numbers.map((n) => `'${n}'`).join(",")}]) THEN
          RAISE EXCEPTION 'card network says no';
        END IF;
        RETURN NEW;
      END $$`,
    )
    .execute(t.db);
  await sql`CREATE OR REPLACE TRIGGER refuse_payment BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION refuse_payment()`.execute(
    t.db,
  );
}

/** A run that claimed `eventIds`, processed `before` of them, saved `saved` and then died. */
async function runThatDied(eventIds: string[], before: string[], saved: { done: number; succeeded: number }) {
  const run = await startReplay(t.db, SYSTEM_ACTOR, { filter: { status: "FAILED" } }, { enqueue: false });
  await claimReplayRun(t.db, run.id);
  expect(await claimEventsForRun(t.db, run.id, eventIds)).toHaveLength(eventIds.length);
  await updateReplayRun(t.db, run.id, saved);
  await processWebhookEvents(t.db, before, { ...opts, trigger: "REPLAY", replayRunId: run.id });
  await sql`UPDATE webhook_replay_runs SET heartbeat_at = now() - interval '10 minutes' WHERE id = ${run.id}`.execute(
    t.db,
  );
  return run;
}

async function attemptsByRun(runId: string) {
  const { rows } = await sql<{ eventId: string; n: number }>`
    SELECT event_id, count(*)::int AS n FROM webhook_attempts WHERE replay_run_id = ${runId} GROUP BY event_id
  `.execute(t.db);
  return new Map(rows.map((r) => [r.eventId, r.n]));
}

it("a resumed run counts what its dead worker did after the last save and attempts no event twice", async () => {
  const { eventIds } = await createFailedWebhookEvents(t.db, { count: 10, tag: "resume" });
  await refusePayment(["RG-resume-1"]);
  try {
    // Saved after the first event; then events 1–3 were processed (1 failed) before the worker died.
    const run = await runThatDied(eventIds, eventIds.slice(0, 4), { done: 1, succeeded: 1 });

    expect(await resumeStalledReplayRuns(t.db)).toEqual({ resumed: 1, cancelled: 0 });
    const final = await executeReplayRun(t.appDb, run.id, opts);

    expect(final).toMatchObject({
      status: "COMPLETED",
      total: 10,
      done: 10,
      succeeded: 9,
      failed: 1,
      skipped: 0,
    });
    const attempts = await attemptsByRun(run.id);
    expect(attempts.size).toBe(10);
    expect([...attempts.values()].every((n) => n === 1)).toBe(true);
    const { rows } = await sql<{ paid: number; sales: number }>`
      SELECT (SELECT count(*)::int FROM orders WHERE order_number LIKE 'RG-resume-%' AND status = 'PAID') AS paid,
             (SELECT count(*)::int FROM inventory_transactions t JOIN orders o ON o.id = t.order_id
              WHERE t.type = 'SALE' AND o.order_number LIKE 'RG-resume-%') AS sales
    `.execute(t.db);
    expect(rows[0]).toEqual({ paid: 9, sales: 9 });
  } finally {
    await sql`DROP TRIGGER refuse_payment ON orders`.execute(t.db);
  }
});

it("a dead run finished as CANCELLED reports the events its worker processed", async () => {
  const { eventIds } = await createFailedWebhookEvents(t.db, { count: 6, tag: "cancelled" });
  const run = await runThatDied(eventIds, eventIds.slice(0, 4), { done: 0, succeeded: 0 });
  await sql`UPDATE webhook_replay_runs SET status = 'CANCELLING' WHERE id = ${run.id}`.execute(t.db);

  expect(await resumeStalledReplayRuns(t.db)).toEqual({ resumed: 0, cancelled: 1 });

  const { rows } = await sql<{ status: string; done: number; succeeded: number; held: number }>`
    SELECT status, done, succeeded,
      (SELECT count(*)::int FROM webhook_events WHERE replay_run_id = r.id) AS held
    FROM webhook_replay_runs r WHERE id = ${run.id}
  `.execute(t.db);
  expect(rows[0]).toEqual({ status: "CANCELLED", done: 4, succeeded: 4, held: 0 });
});

it("a run in which an event fails again attempts it once and completes", async () => {
  // Events received in one transaction share a timestamp with microseconds; the page after the
  // failed one must not start at a millisecond-rounded time that selects it again.
  const from = new Date().toISOString();
  const { eventIds } = await createFailedWebhookEvents(t.db, { count: 5, tag: "again" });
  await refusePayment(["RG-again-4"]);
  try {
    const filter = { status: "FAILED" as const, from };
    const run = await startReplay(t.db, SYSTEM_ACTOR, { filter }, { enqueue: false });
    const final = await executeReplayRun(t.appDb, run.id, { ...opts, batchSize: 2 });
    expect(final).toMatchObject({ status: "COMPLETED", done: 5, succeeded: 4, failed: 1 });
    const attempts = await attemptsByRun(run.id);
    expect([...attempts.keys()].sort()).toEqual([...eventIds].sort());
    expect([...attempts.values()].every((n) => n === 1)).toBe(true);
  } finally {
    await sql`DROP TRIGGER refuse_payment ON orders`.execute(t.db);
  }
}, 20_000);
