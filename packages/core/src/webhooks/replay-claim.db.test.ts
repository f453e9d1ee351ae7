// A replay's claim and another run's processing batch lock the same event rows. Both must take
// them in id order: a claim that locked in the heap's order (what a seq or bitmap scan reads)
// deadlocked with a batch, failed its run and left it unfinished (seen in CI: 1 run in 3 of the
// overlapping-replays test).
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import {
  createTestDatabase,
  lockWaiters,
  storeWebhookEvent,
  type TestDatabase,
  waitFor,
} from "../testing/index";
import { startReplay } from "./replay.service";
import { claimEventsForRun, releaseEventsFromRun } from "./webhooks.queries";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

it("claims and releases in id order, so a batch locking in id order never deadlocks with them", async () => {
  const stored = [];
  for (let i = 0; i < 2; i++) {
    stored.push(
      await storeWebhookEvent(t.db, {
        provider: "STRIPE",
        payload: { id: `evt_claim_${i}`, type: "payment_intent.succeeded" },
        paymentReference: `pi_claim_${i}`,
        status: "FAILED",
      }),
    );
  }
  const [lo, hi] = stored.map((e) => e.id).sort() as [string, string];
  // Move the lower id's row to the end of the heap: a scan in heap order now meets hi first.
  await sql`UPDATE webhook_events SET last_error = 'moved' WHERE id = ${lo}`.execute(t.db);
  const run = await startReplay(t.db, SYSTEM_ACTOR, { filter: { status: "FAILED" } }, { enqueue: false });

  for (const step of ["claim", "release"] as const) {
    // A processing batch holds lo and will ask for hi next, as lockEventsForProcessing does.
    let held!: () => void;
    let goOn!: () => void;
    const batchHoldsLo = new Promise<void>((r) => (held = r));
    const batchMayGoOn = new Promise<void>((r) => (goOn = r));
    const batch = t.db.transaction().execute(async (trx) => {
      await sql`SELECT id FROM webhook_events WHERE id = ${lo} FOR UPDATE`.execute(trx);
      held();
      await batchMayGoOn;
      await sql`SELECT id FROM webhook_events WHERE id = ${hi} FOR UPDATE`.execute(trx);
    });
    await batchHoldsLo;
    // The claim (or release) runs on its own connection, made to read the heap in order.
    const statement = t.db.connection().execute(async (conn) => {
      await sql`SET enable_indexscan = off`.execute(conn);
      await sql`SET enable_bitmapscan = off`.execute(conn);
      try {
        if (step === "claim") return await claimEventsForRun(conn, run.id, [hi, lo]);
        await releaseEventsFromRun(conn, run.id, [hi, lo]);
        return [];
      } finally {
        await sql`RESET ALL`.execute(conn);
      }
    });
    // Let the statement reach the lock it waits for, then let the batch go on to hi. Locking
    // in heap order, the statement would hold hi by now: Postgres finds a deadlock and fails one.
    await waitFor(async () => (await lockWaiters(t.db)) > 0);
    goOn();
    const [batchResult, statementResult] = await Promise.allSettled([batch, statement]);
    expect(batchResult.status).toBe("fulfilled");
    expect(statementResult.status).toBe("fulfilled");
    const claimed = statementResult.status === "fulfilled" ? statementResult.value : [];
    if (step === "claim") expect(claimed.sort()).toEqual([lo, hi]);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM webhook_events WHERE replay_run_id = ${run.id}`.execute(t.db);
    expect(rows[0]!.n).toBe(step === "claim" ? 2 : 0);
  }
});
