// Benchmarks for webhook operations. Prints figures next to a baseline measured in the same run;
// asserts nothing. Runs against DATABASE_URL (creates and drops its own databases).
//   1. Ingest: signed Stripe requests from 64 concurrent senders on loopback to a server child
//      process, next to pgbench's single-row INSERT … ON CONFLICT DO NOTHING into an equivalent
//      table, 64 clients, same database server.
//   2. Bulk replay: 10,000 FAILED events replayed and processed end to end, rate limit off.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { createDb } from "@radha/core/db";
import {
  createTestDatabase,
  dropTestDatabases,
  prepareTemplateDatabase,
  signStripe,
  stripePayloads,
} from "@radha/core/testing";
import { executeReplayRun, startReplay } from "@radha/core/webhooks";
import {
  pct,
  pgbenchInsertTps,
  sampleRss,
  sendAll,
  startServer,
  topSelfTime,
  WEBHOOK_SECRET,
  webhookRequest,
} from "./lib";

/* eslint-disable no-restricted-properties -- the bench's own knobs */
const env = process.env;
/** BENCH_ONLY=ingest|replay|cluster: one section (all by default). */
const ONLY = env.BENCH_ONLY;
/** BENCH_PROFILE=1: the ingest server runs with --cpu-prof; its top self-time functions are printed. */
const PROFILE = env.BENCH_PROFILE === "1";
const INGEST_REQUESTS = Number(env.BENCH_INGEST_REQUESTS ?? 12_800);
const REPLAY_EVENTS = Number(env.BENCH_REPLAY_EVENTS ?? 10_000);
/* eslint-enable no-restricted-properties */
const SENDERS = 64;
const PGBENCH_TX_PER_CLIENT = 200;

async function ingest(): Promise<{
  eventsPerSecond: number;
  p50: number;
  p99: number;
  pgbenchTps: number;
  accepted: number;
  errors: number;
  rss: { first: number; last: number; max: number };
  profile?: string[];
}> {
  const t = await createTestDatabase();
  const profDir = PROFILE ? mkdtempSync(path.join(tmpdir(), "radha-ingest-prof-")) : undefined;
  const server = await startServer({
    databaseUrl: t.appUrl,
    env: { OPS_MIGRATION_DATABASE_URL: t.url },
    cpuProfDir: profDir,
  });
  let stopped = false;
  try {
    // Bodies and signatures are made before the clock starts: signing is the sender's work.
    const requests = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const body = JSON.stringify(stripePayloads.succeeded(`pi_${prefix}_${i}`));
        return webhookRequest(body, signStripe(body, WEBHOOK_SECRET));
      });
    // A short unmeasured warm-up: the JIT and the pools, as on a server that has been running.
    await sendAll([server.port], requests("warm", SENDERS * 10), SENDERS);
    const measured = requests("bench", INGEST_REQUESTS);
    const rss = sampleRss(server.pid);
    const sent = await sendAll([server.port], measured, SENDERS);
    const rssSeen = rss.stop();
    await server.stop();
    stopped = true;

    // Baseline: pgbench, 64 clients, one INSERT … ON CONFLICT DO NOTHING per transaction into a
    // table shaped like webhook_events (unique provider + event id, jsonb payload, raw body).
    const sample = JSON.stringify(stripePayloads.succeeded("pi_sample"));
    const tps = await pgbenchInsertTps(t.db, t.url, sample, SENDERS, PGBENCH_TX_PER_CLIENT);
    return {
      eventsPerSecond: sent.accepted / sent.seconds,
      p50: pct(sent.latencies, 50),
      p99: pct(sent.latencies, 99),
      pgbenchTps: tps,
      accepted: sent.accepted,
      errors: sent.errors,
      rss: rssSeen,
      ...(profDir ? { profile: topSelfTime(profDir, 25) } : {}),
    };
  } finally {
    if (!stopped) await server.stop();
    await t.drop();
  }
}

async function replay(): Promise<{ seconds: number; succeeded: number; failed: number }> {
  const t = await createTestDatabase();
  try {
    // 10,000 PENDING orders over 1,000 SKUs (one item each, stock on hand), one FAILED event each.
    await sql`
      INSERT INTO products (name, slug, price_minor) VALUES ('Bench Saree', 'bench-saree', 100000);
      INSERT INTO product_variants (product_id, sku, stock_quantity) SELECT id, 'BENCH-' || g, 1000000 FROM products, generate_series(1, 1000) g;
      INSERT INTO inventory_transactions (type, product_id, variant_id, quantity, previous_stock, new_stock, reason, actor_type)
        SELECT 'RESTOCK', product_id, id, stock_quantity, 0, stock_quantity, 'bench opening stock', 'SYSTEM' FROM product_variants;
      INSERT INTO orders (order_number, email, status, payment_provider, payment_reference, total_minor)
        SELECT 'RG-B-' || g, 'b@example.test', 'PENDING', 'STRIPE', 'pi_replay_' || g, 100000 FROM generate_series(1, ${sql.lit(REPLAY_EVENTS)}::int) g;
      INSERT INTO order_items (order_id, variant_id, quantity, unit_price_minor)
        SELECT o.id, (SELECT id FROM product_variants ORDER BY id OFFSET (substr(o.order_number, 6)::int % 1000) LIMIT 1), 1, 100000 FROM orders o;
      ANALYZE;
    `.execute(t.db);
    await sql`
      INSERT INTO webhook_events (provider, provider_event_id, event_type, payload, raw_body, payment_reference, status, attempt_count, last_error)
      SELECT 'STRIPE', 'evt_replay_' || g, 'payment_intent.succeeded', p, p::text, 'pi_replay_' || g, 'FAILED', 1, 'simulated outage'
      FROM generate_series(1, ${sql.lit(REPLAY_EVENTS)}::int) g,
           LATERAL (SELECT jsonb_build_object('id', 'evt_replay_' || g, 'type', 'payment_intent.succeeded', 'data', jsonb_build_object('object', jsonb_build_object('id', 'pi_replay_' || g, 'object', 'payment_intent'))) AS p) x;
      ANALYZE;
    `.execute(t.db);
    // The worker's own pool size (OPS_DB_POOL_MAX default) and a concurrency that keeps it busy.
    const { db } = createDb({ connectionString: t.url, max: 20 });
    try {
      const run = await startReplay(
        db,
        SYSTEM_ACTOR,
        { filter: { provider: "STRIPE", status: "FAILED" }, concurrency: 16 },
        { enqueue: false },
      );
      const t0 = performance.now();
      const final = await executeReplayRun(db, run.id, {
        maxAttempts: 8,
        backoffBaseSeconds: 30,
        batchSize: 500,
      });
      return { seconds: (performance.now() - t0) / 1000, succeeded: final.succeeded, failed: final.failed };
    } finally {
      await db.destroy();
    }
  } finally {
    await t.drop();
  }
}

const row = (a: string, b: string, c: string, d: string) =>
  console.log(`${a.padEnd(48)}${b.padStart(16)}${c.padStart(14)}  ${d}`);
const mb = (v: number) => `${v.toFixed(0)} MB`;

await prepareTemplateDatabase();
try {
  console.log("\nWebhook benchmarks (this machine, this run; 2 cores shared with whatever else runs)");
  row("measure", "figure", "vs baseline", "target");
  if (!ONLY || ONLY === "ingest") {
    const i = await ingest();
    row(
      `ingest: ${SENDERS} senders, ${i.accepted} signed events`,
      `${i.eventsPerSecond.toFixed(0)} ev/s`,
      `${(i.eventsPerSecond / i.pgbenchTps).toFixed(2)}×`,
      "≥ 1.00× pgbench",
    );
    row("  baseline: pgbench INSERT … ON CONFLICT", `${i.pgbenchTps.toFixed(0)} tps`, "1.00×", "");
    row("  ingest latency p50", `${i.p50.toFixed(1)} ms`, "", "");
    row("  ingest latency p99", `${i.p99.toFixed(1)} ms`, "", "< 25 ms");
    row("  non-2xx or failed requests", String(i.errors), "", "0");
    row("  server RSS first / max / last", `${mb(i.rss.first)} / ${mb(i.rss.max)} / ${mb(i.rss.last)}`, "", "max < 250 MB");
    if (i.profile) console.log(["  server CPU profile, top self time:", ...i.profile.map((l) => `    ${l}`)].join("\n"));
  }
  if (!ONLY || ONLY === "replay") {
    const r = await replay();
    row(
      `bulk replay: ${REPLAY_EVENTS} FAILED events, no rate limit`,
      `${r.seconds.toFixed(2)} s`,
      "",
      "< 8 s",
    );
    row("  succeeded / failed", `${r.succeeded} / ${r.failed}`, "", "");
  }
} finally {
  await dropTestDatabases();
}
