// Benchmark: 10,000 FAILED payment_intent.succeeded events replayed end to end (replayStart →
// graphile-worker job → per-event transaction: lock event, lock order, stock ledger, order PAID,
// audit, attempt row) with the rate limit off, next to one set-based SQL statement writing the
// same order, event, attempt and ledger changes on an identical database in the same run.
// Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { loadEnv } from "@radha/core/env";
import { createMemoryStore } from "@radha/core/shared-store";
import { createFailedWebhookEvents, createTestDatabase, dropTestDatabases, prepareTemplateDatabase } from "@radha/core/testing";
import { getReplayRun, startReplay } from "@radha/core/webhooks";
import type { Db } from "@radha/core/db";
import { createDeps } from "../src/deps";
import { startWorker } from "../src/jobs/worker";

const EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 10_000);
const CONCURRENCY = 8;

/** The floor: every effect of the replay as a handful of set-based statements. */
async function baseline(db: Db): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`
      WITH ev AS (
        UPDATE webhook_events e SET status = 'PROCESSED', attempt_count = attempt_count + 1, processed_at = now(), last_error = NULL,
          order_id = o.id
        FROM orders o WHERE o.payment_reference = e.payment_reference AND e.status = 'FAILED'
        RETURNING e.id, e.attempt_count, o.id AS order_id
      ), att AS (
        INSERT INTO webhook_attempts (event_id, number, trigger, operator, started_at, outcome)
        SELECT id, attempt_count, 'REPLAY', 'bench', now(), 'PROCESSED' FROM ev RETURNING event_id
      )
      UPDATE orders o SET status = 'PAID', paid_at = now(), updated_at = now() FROM ev WHERE o.id = ev.order_id
    `.execute(trx);
    await sql`
      WITH sold AS (
        SELECT i.variant_id, i.order_id, i.quantity, v.product_id, v.stock_quantity,
               sum(i.quantity) OVER (PARTITION BY i.variant_id ORDER BY i.id) AS running
        FROM order_items i JOIN product_variants v ON v.id = i.variant_id
      ), ledger AS (
        INSERT INTO inventory_transactions (type, product_id, variant_id, quantity, previous_stock, new_stock, reason, actor_type, order_id)
        SELECT 'SALE', product_id, variant_id, -quantity, stock_quantity - running + quantity, stock_quantity - running, 'baseline', 'SYSTEM', order_id FROM sold
        RETURNING variant_id, quantity
      )
      UPDATE product_variants v SET stock_quantity = v.stock_quantity + d.delta
      FROM (SELECT variant_id, sum(quantity) AS delta FROM ledger GROUP BY variant_id) d WHERE v.id = d.variant_id
    `.execute(trx);
  });
}

async function main(): Promise<void> {
  await prepareTemplateDatabase();
  const [ours, theirs] = [await createTestDatabase(), await createTestDatabase()];
  const env = { ...loadEnv(), LOG_LEVEL: "warn" as const };
  const deps = createDeps(env, { databaseUrl: ours.url, store: createMemoryStore() });
  try {
    const setupStart = performance.now();
    const { orders } = await createFailedWebhookEvents(ours.db, { count: EVENTS, tag: "bench", variants: 200 });
    await createFailedWebhookEvents(theirs.db, { count: EVENTS, tag: "bench", variants: 200 });
    await sql`ANALYZE`.execute(ours.db);
    await sql`ANALYZE`.execute(theirs.db);
    const setupMs = performance.now() - setupStart;

    const baseStart = performance.now();
    await baseline(theirs.db);
    const baselineMs = performance.now() - baseStart;

    const worker = await startWorker(deps, ours.url, { concurrency: 2, pollInterval: 100, crontab: false });
    const start = performance.now();
    const run = await startReplay(deps.db, SYSTEM_ACTOR, { filter: { provider: "STRIPE", status: "FAILED" }, concurrency: CONCURRENCY });
    let final = await getReplayRun(deps.db, run.id);
    while (!["COMPLETED", "FAILED", "CANCELLED"].includes(final.status)) {
      await new Promise((r) => setTimeout(r, 50));
      final = await getReplayRun(deps.db, run.id);
    }
    const replayMs = performance.now() - start;
    await worker.stop();

    const paid = await ours.db.selectFrom("orders").select((eb) => eb.fn.countAll<string>().as("n")).where("status", "=", "PAID").where("id", "in", orders.map((o) => o.id)).executeTakeFirstOrThrow();
    const sales = await ours.db.selectFrom("inventoryTransactions").select((eb) => eb.fn.countAll<string>().as("n")).where("type", "=", "SALE").executeTakeFirstOrThrow();
    console.log(`\nBulk replay benchmark: ${EVENTS} FAILED events, rate limit off, run concurrency ${CONCURRENCY}, one worker process (setup ${(setupMs / 1000).toFixed(1)} s, not timed)\n`);
    console.log("| what                                                   |   time s | events/s | ratio  | target  |");
    console.log("|--------------------------------------------------------|----------|----------|--------|---------|");
    console.log(`| baseline: set-based SQL, same effects, one transaction  | ${(baselineMs / 1000).toFixed(2).padStart(8)} | ${((EVENTS / baselineMs) * 1000).toFixed(0).padStart(8)} |  1.00× | -       |`);
    console.log(`| replayStart → worker → every event processed           | ${(replayMs / 1000).toFixed(2).padStart(8)} | ${((EVENTS / replayMs) * 1000).toFixed(0).padStart(8)} | ${(replayMs / baselineMs).toFixed(1).padStart(5)}× | < 20 s  |`);
    console.log(`\nrun ${final.status}: ${final.succeeded} succeeded, ${final.failed} failed, ${final.skipped} skipped; ${paid.n} orders PAID, ${sales.n} SALE ledger rows. ${replayMs < 20_000 && final.succeeded === EVENTS ? "within" : "OUTSIDE"} target.\n`);
  } finally {
    await deps.close();
    await ours.drop();
    await theirs.drop();
    await dropTestDatabases();
  }
}

await main();
