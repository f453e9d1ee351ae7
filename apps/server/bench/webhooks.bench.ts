// Benchmarks for webhook operations. Prints figures next to a baseline measured in the same run;
// asserts nothing. Runs against DATABASE_URL (creates and drops its own databases).
//   1. Ingest: signed Stripe requests from 64 concurrent senders on loopback to a server child
//      process, next to pgbench's single-row INSERT … ON CONFLICT DO NOTHING into an equivalent
//      table, 64 clients, same database server.
//   2. Bulk replay: 10,000 FAILED events replayed and processed end to end, rate limit off.
import { spawn, spawnSync } from "node:child_process";
import http from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
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
  TEST_MASTER_KEY_BASE64,
} from "@radha/core/testing";
import { executeReplayRun, startReplay } from "@radha/core/webhooks";

const SENDERS = 64;
const INGEST_REQUESTS = 12_800;
const PGBENCH_TX_PER_CLIENT = 200;
const REPLAY_EVENTS = 10_000;
const SECRET = "whsec_bench_secret";
const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function waitFor(url: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not come up at ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One POST over a keep-alive socket (node:http costs the sender less CPU than fetch). */
function post(agent: http.Agent, port: number, body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/api/webhooks/stripe",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "stripe-signature": signature,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function ingest(): Promise<{
  eventsPerSecond: number;
  p50: number;
  p99: number;
  pgbenchTps: number;
  accepted: number;
}> {
  const t = await createTestDatabase();
  const port = 39000 + Math.floor(Math.random() * 1000);
  const server = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: SERVER_DIR,
    env: {
      // eslint-disable-next-line no-restricted-properties -- the server under test inherits the bench's environment
      ...process.env,
      DATABASE_URL: t.url,
      OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64,
      PORT: String(port),
      HOST: "127.0.0.1",
      OPS_WORKER: "off",
      LOG_LEVEL: "warn",
      STRIPE_WEBHOOK_SECRET: SECRET,
      OPS_SEED: "never",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await waitFor(`http://127.0.0.1:${port}/api/health/live`);
    // Bodies and signatures are made before the clock starts: signing is the sender's work.
    const bodies = Array.from({ length: INGEST_REQUESTS }, (_, i) =>
      JSON.stringify(stripePayloads.succeeded(`pi_bench_${i}`)),
    );
    const signatures = bodies.map((body) => signStripe(body, SECRET));
    const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
    const latencies: number[] = [];
    let next = 0;
    let accepted = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        for (let i = next++; i < bodies.length; i = next++) {
          const body = bodies[i]!;
          const started = performance.now();
          const status = await post(agent, port, body, signatures[i]!);
          latencies.push(performance.now() - started);
          if (status === 200) accepted += 1;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);

    // Baseline: pgbench, 64 clients, one INSERT … ON CONFLICT DO NOTHING per transaction into a
    // table shaped like webhook_events (unique provider + event id, jsonb payload, raw body).
    await sql`CREATE TABLE bench_inbox (LIKE webhook_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`.execute(
      t.db,
    );
    const dir = mkdtempSync(path.join(tmpdir(), "radha-pgbench-"));
    const script = path.join(dir, "insert.sql");
    const sample = bodies[0]!.replace(/'/g, "''");
    writeFileSync(
      script,
      `INSERT INTO bench_inbox (provider, provider_event_id, event_type, payload, raw_body, headers, payment_reference) VALUES ('STRIPE', md5(random()::text || clock_timestamp()::text), 'payment_intent.succeeded', '${sample}'::jsonb, '${sample}', '{}', 'pi_x') ON CONFLICT DO NOTHING;\n`,
    );
    const u = new URL(t.url);
    const pgbench = spawnSync(
      "pgbench",
      [
        "-n",
        "-c",
        String(SENDERS),
        "-j",
        "2",
        "-t",
        String(PGBENCH_TX_PER_CLIENT),
        "-f",
        script,
        "-h",
        u.hostname,
        "-p",
        u.port || "5432",
        "-U",
        decodeURIComponent(u.username || "postgres"),
        u.pathname.slice(1),
      ],
      { encoding: "utf8" },
    );
    const tps = Number(/tps = ([\d.]+)/.exec(pgbench.stdout)?.[1] ?? NaN);
    if (!Number.isFinite(tps)) throw new Error(`pgbench failed: ${pgbench.stderr || pgbench.stdout}`);
    return {
      eventsPerSecond: accepted / seconds,
      p50: pct(latencies, 50),
      p99: pct(latencies, 99),
      pgbenchTps: tps,
      accepted,
    };
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
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

await prepareTemplateDatabase();
try {
  const i = await ingest();
  const r = await replay();
  const row = (a: string, b: string, c: string, d: string) =>
    console.log(`${a.padEnd(44)}${b.padStart(16)}${c.padStart(14)}  ${d}`);
  console.log("\nWebhook benchmarks (this machine, this run)");
  row("measure", "figure", "vs baseline", "target");
  row(
    `ingest: ${SENDERS} senders, ${i.accepted} signed events`,
    `${i.eventsPerSecond.toFixed(0)} ev/s`,
    `${(i.eventsPerSecond / i.pgbenchTps).toFixed(2)}×`,
    "≥ 0.50× pgbench",
  );
  row("  baseline: pgbench INSERT … ON CONFLICT", `${i.pgbenchTps.toFixed(0)} tps`, "1.00×", "");
  row("  ingest latency p50", `${i.p50.toFixed(1)} ms`, "", "");
  row("  ingest latency p99", `${i.p99.toFixed(1)} ms`, "", "< 50 ms");
  row(
    `bulk replay: ${REPLAY_EVENTS} FAILED events, no rate limit`,
    `${r.seconds.toFixed(2)} s`,
    `${((REPLAY_EVENTS * 1) / r.seconds).toFixed(0)}× faster`,
    "< 20 s",
  );
  row("  baseline: runbook's 1 s sleep per event", `${REPLAY_EVENTS} s`, "1×", "");
  row("  succeeded / failed", `${r.succeeded} / ${r.failed}`, "", "");
} finally {
  await dropTestDatabases();
}
