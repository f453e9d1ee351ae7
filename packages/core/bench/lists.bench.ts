// Benchmark: every list and search the console and CLI offer, at production size. Seeds (set-based
// SQL) 1,000,000 webhook events, 1,000,000 audit rows, 1,000,000 ledger rows, 100,000 variants and
// 200,000 orders into its own database (cloned from the migrated template, dropped at the end),
// then calls the same core functions the API routers call — first page and a deep page (the
// keyset cursor after 20 pages) — and prints p50/p95 over N runs, the target, and the indexes the
// plan used (EXPLAIN (FORMAT JSON) of each statement the function sent).
//
// Baseline, measured in the same run on the same data: the same call with index and bitmap scans
// disabled for the session (enable_indexscan/indexonlyscan/bitmapscan = off) — what the query costs
// when no index serves it, i.e. the sequential-scan floor the indexes are meant to beat.
// Prints figures; asserts nothing. Runs against DATABASE_URL, like the tests.
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { listAuditEvents } from "../src/audit/audit.service";
import type { Database, Db } from "../src/db/database";
import { listStock, listStockChanges, listVariantLedger } from "../src/inventory/inventory.queries";
import { listOrders, listReviewEvents } from "../src/orders/orders.queries";
import type { TChangesInput } from "../src/inventory/inventory.schema";
import type { TPage } from "../src/pagination/pagination.schema";
import { createTestDatabase, dropTestDatabases, prepareTemplateDatabase } from "../src/testing/index";
import { previewReplay } from "../src/webhooks/replay.service";
import {
  getWebhookHealth,
  getWebhookHealthSeries,
  listWebhookEvents,
} from "../src/webhooks/webhooks.queries";
import { loadBenchEnv } from "./env";

const env = loadBenchEnv();
const EVENTS = env.BENCH_LISTS_ROWS;
const AUDIT = env.BENCH_LISTS_ROWS;
const LEDGER = env.BENCH_LISTS_ROWS;
const VARIANTS = Math.max(1000, Math.round(env.BENCH_LISTS_ROWS / 10));
const PRODUCTS = VARIANTS / 10;
const ORDERS = Math.max(1000, Math.round(env.BENCH_LISTS_ROWS / 5));
const RUNS = env.BENCH_LISTS_RUNS;
const DEEP_PAGES = 20;
const DAY = 86_400_000;

interface Captured {
  sql: string;
  params: readonly unknown[];
}

/** A Kysely like createDb's, telling `sink` of every statement it sends. */
function loggingDb(url: string, sink: Captured[], options?: string): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: 2, ...(options ? { options } : {}) });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
    log: (e) => {
      if (e.level === "query") sink.push({ sql: e.query.sql, params: e.query.parameters });
    },
  });
  return { db, pool };
}

async function seed(db: Db): Promise<void> {
  const t0 = performance.now();
  // Replica mode skips FK and audit-chain triggers: the rows are written as a restore would.
  await sql`SET session_replication_role = replica`.execute(db);
  await sql`
    INSERT INTO products (name, slug, price_minor, status, category)
    SELECT (ARRAY['Kanjivaram','Banarasi','Chanderi','Patola','Paithani','Tussar','Bandhani','Pochampally'])[1 + g % 8]
        || ' ' || (ARRAY['Ruby','Emerald','Ivory','Indigo','Saffron','Teal','Maroon','Gold','Lotus','Peacock'])[1 + (g / 8) % 10]
        || ' Saree ' || g,
      'bench-saree-' || g, 100000 + g % 50000,
      CASE WHEN g % 20 = 0 THEN 'ARCHIVED' ELSE 'ACTIVE' END, 'Sarees'
    FROM generate_series(1, ${PRODUCTS}::int) g
  `.execute(db);
  await sql`
    INSERT INTO product_variants (product_id, sku, colour, fabric, stock_quantity, is_default)
    SELECT p.id, 'RS-' || lpad(((p.n - 1) * 10 + g)::text, 7, '0'),
      (ARRAY['Red','Green','Blue','Gold','Black'])[1 + g % 5], 'Silk', (p.n * 7 + g * 13) % 60, g = 1
    FROM (SELECT id, row_number() OVER (ORDER BY slug) AS n FROM products) p, generate_series(1, 10) g
  `.execute(db);
  await sql`
    INSERT INTO orders (order_number, email, status, payment_provider, payment_reference, total_minor, created_at, paid_at)
    SELECT 'RS-' || (100000 + g), 'buyer' || (g % 50000) || '@example.com',
      (ARRAY['PAID','PAID','PAID','SHIPPED','DELIVERED','PENDING','FAILED','CANCELLED','REFUNDED','PAID'])[1 + g % 10],
      CASE WHEN g % 2 = 0 THEN 'STRIPE' ELSE 'RAZORPAY' END,
      CASE WHEN g % 2 = 0 THEN 'pi_bench' || g ELSE 'pay_bench' || g END,
      100000 + g % 90000, now() - (${ORDERS}::int - g) * interval '150 seconds',
      now() - (${ORDERS}::int - g) * interval '150 seconds'
    FROM generate_series(1, ${ORDERS}::int) g
  `.execute(db);
  // 30 days of events, newest last; one in 20 failed with one of a few errors.
  await sql`
    INSERT INTO webhook_events (provider, provider_event_id, event_type, payload, raw_bytes, headers,
      payment_reference, order_reference, received_at, status, attempt_count, last_error, processed_at, body_sha256)
    SELECT CASE WHEN g % 2 = 0 THEN 'STRIPE' ELSE 'RAZORPAY' END, 'evt_bench' || g,
      (ARRAY['payment_intent.succeeded','payment.captured','charge.refunded','payment_intent.payment_failed','refund.processed','payment.failed'])[1 + g % 6],
      '{}'::jsonb, '\\x7b7d'::bytea, '{}'::jsonb,
      CASE WHEN g % 2 = 0 THEN 'pi_bench' ELSE 'pay_bench' END || (1 + g % ${ORDERS}::int),
      'RS-' || (100001 + g % ${ORDERS}::int),
      now() - (${EVENTS}::int - g) * (${30 * DAY}::bigint / ${EVENTS}::int) * interval '1 millisecond',
      s.status, 1,
      CASE WHEN s.status = 'FAILED' THEN (ARRAY['gateway timeout after 30s','order RS-' || (100001 + g % ${ORDERS}::int) || ' not found','amount mismatch: expected 1200.00','signature secret rotated'])[1 + (g / 40) % 4] END,
      CASE WHEN s.status IN ('PROCESSED','FAILED','IGNORED','NEEDS_REVIEW')
        THEN now() - (${EVENTS}::int - g) * (${30 * DAY}::bigint / ${EVENTS}::int) * interval '1 millisecond' + (g % 900) * interval '1 millisecond' END,
      md5(g::text)
    FROM generate_series(1, ${EVENTS}::int) g,
      LATERAL (SELECT CASE WHEN (g / 2) % 20 = 7 THEN 'FAILED' WHEN (g / 2) % 50 = 3 THEN 'IGNORED'
        WHEN (g / 2) % 500 = 11 THEN 'NEEDS_REVIEW' WHEN g > ${EVENTS}::int - 200 THEN 'PENDING' ELSE 'PROCESSED' END AS status) s
  `.execute(db);
  await sql`
    INSERT INTO audit_log (seq, occurred_at, actor_type, actor_id, actor_label, action, target_type, target_id, reason, prev_hash, hash)
    SELECT g, now() - (${AUDIT}::int - g) * interval '30 seconds', 'USER', 'user-' || (g % 40), 'staff ' || (g % 40),
      (ARRAY['inventory.adjust','inventory.reset.apply','orders.refund','orders.review.resolve','webhooks.replay.start',
        'users.create','users.role.change','system.flag.set','backups.run','auth.login','auth.login.failed','tokens.create'])[1 + g % 12],
      'variant', 'target-' || (g % 5000), 'bench', repeat('0', 64), md5(g::text) || md5(g::text)
    FROM generate_series(1, ${AUDIT}::int) g
  `.execute(db);
  // A year of ledger movements, ~10 per variant; each row self-consistent (new = previous + quantity).
  await sql`
    INSERT INTO inventory_transactions (type, product_id, variant_id, quantity, previous_stock, new_stock, reason, actor_type, created_at)
    SELECT (ARRAY['SALE','RESTOCK','ADJUSTMENT','RETURN'])[1 + g % 4], v.product_id, v.id,
      CASE WHEN g % 4 = 0 THEN -1 ELSE 2 END, 10, CASE WHEN g % 4 = 0 THEN 9 ELSE 12 END, 'bench', 'SYSTEM',
      now() - (${LEDGER}::int - g) * (${365 * DAY}::bigint / ${LEDGER}::int) * interval '1 millisecond'
    FROM generate_series(1, ${LEDGER}::int) g
    JOIN (SELECT id, product_id, row_number() OVER (ORDER BY id) - 1 AS n FROM product_variants) v
      ON v.n = (g::bigint * 7919) % ${VARIANTS}::int
  `.execute(db);
  await sql`SET session_replication_role = origin`.execute(db);
  // Replica mode also skipped the webhook health rollup's triggers: recount it, as after a bulk load.
  await sql`SELECT rebuild_webhook_health()`.execute(db);
  await sql`VACUUM ANALYZE`.execute(db);
  console.log(
    `seeded ${EVENTS} events, ${AUDIT} audit rows, ${LEDGER} ledger rows, ${VARIANTS} variants, ${ORDERS} orders in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

/** Index names the plan uses, and "Seq Scan t" for tables read whole (small tables left out). */
function planSummary(node: PlanNode, small: Set<string>, out: Set<string>): Set<string> {
  if (node["Index Name"]) out.add(node["Index Name"]);
  if (node["Node Type"] === "Seq Scan" && node["Relation Name"] && !small.has(node["Relation Name"]))
    out.add(`Seq Scan ${node["Relation Name"]}`);
  for (const child of node.Plans ?? []) planSummary(child, small, out);
  return out;
}

const SMALL_TABLES = new Set(["system_config", "inventory_low_stock_alerts", "payments", "refunds"]);

async function explain(pool: pg.Pool, statements: Captured[]): Promise<string> {
  const used = new Set<string>();
  for (const s of statements) {
    if (!/^\s*(select|with)/i.test(s.sql)) continue;
    const { rows } = await pool.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${s.sql}`,
      s.params as unknown[],
    );
    planSummary(rows[0]!["QUERY PLAN"][0].Plan, SMALL_TABLES, used);
  }
  return [...used].join(", ") || "-";
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

interface Case {
  name: string;
  target: number;
  run: (db: Db) => Promise<unknown>;
}

type Lister<I> = (db: Db, input: I) => Promise<TPage<unknown>>;

/** A list's first page and the page after DEEP_PAGES pages (keyset cursor), as two cases. */
async function pages<I extends object>(
  db: Db,
  name: string,
  fn: Lister<I>,
  input: NoInfer<I>,
  target = 50,
): Promise<Case[]> {
  let cursor: string | null = null;
  let depth = 0;
  for (; depth < DEEP_PAGES; depth++) {
    const page: TPage<unknown> = await fn(db, { ...input, cursor });
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  const cases: Case[] = [{ name: `${name}: first page`, target, run: (d) => fn(d, input) }];
  if (cursor && depth > 0) {
    const deep = cursor;
    cases.push({ name: `${name}: page ${depth + 1}`, target, run: (d) => fn(d, { ...input, cursor: deep }) });
  }
  return cases;
}

/**
 * What the health rollup's statement trigger adds to an intake-sized write: a 64-row multi-row
 * INSERT into webhook_events (Stripe-sized bodies), timed with the trigger on and off (disabled
 * inside the transaction), alternating, each rolled back. Returns p50/p95 of both.
 */
async function measureHealthTriggerCost(url: string, rounds: number) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const body = JSON.stringify({
    id: "evt_bench",
    type: "payment_intent.succeeded",
    data: {
      object: { id: "pi_bench", amount: 120000, currency: "inr", metadata: { note: "x".repeat(900) } },
    },
  });
  const columns = 6;
  const rows = Array.from({ length: 64 }, (_, i) => {
    const p = (k: number) => `$${i * columns + k}`;
    return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}::jsonb, ${p(5)}::bytea, ${p(6)})`;
  });
  const text = `INSERT INTO webhook_events (provider, provider_event_id, event_type, payload, raw_bytes, body_sha256)
    VALUES ${rows.join(", ")} ON CONFLICT DO NOTHING`;
  const times = { on: [] as number[], off: [] as number[] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const)) {
        const params = Array.from({ length: 64 }, (_, i) => [
          "STRIPE",
          `evt_trigger_cost_${round}_${i}`,
          "payment_intent.succeeded",
          body,
          Buffer.from(body),
          `trigger-cost-${round}-${i}`,
        ]).flat();
        await client.query("BEGIN");
        if (mode === "off")
          await client.query("ALTER TABLE webhook_events DISABLE TRIGGER webhook_health_insert");
        const start = performance.now();
        await client.query(text, params);
        times[mode].push(performance.now() - start);
        await client.query("ROLLBACK");
      }
    }
  } finally {
    await client.end();
  }
  return {
    on: { p50: pct(times.on, 50), p95: pct(times.on, 95) },
    off: { p50: pct(times.off, 50), p95: pct(times.off, 95) },
  };
}

async function main(): Promise<void> {
  await prepareTemplateDatabase();
  const target = await createTestDatabase();
  const captured: Captured[] = [];
  const fast = loggingDb(target.url, captured);
  const slowLog: Captured[] = [];
  const slow = loggingDb(
    target.url,
    slowLog,
    "-c enable_indexscan=off -c enable_indexonlyscan=off -c enable_bitmapscan=off",
  );
  try {
    await seed(target.db);
    const db = fast.db;
    const { rows: refs } = await sql<{ variantId: string; sku: string; pi: string; orderNumber: string }>`
      SELECT v.id AS variant_id, v.sku, (SELECT payment_reference FROM orders ORDER BY order_number OFFSET ${Math.floor(ORDERS / 3)} LIMIT 1) AS pi,
        (SELECT order_number FROM orders ORDER BY order_number OFFSET ${Math.floor(ORDERS / 2)} LIMIT 1) AS order_number
      FROM (SELECT id, sku FROM product_variants ORDER BY sku OFFSET ${Math.floor(VARIANTS * 0.4321)} LIMIT 1) v
    `.execute(db);
    const ref = refs[0]!;
    const now = Date.now();
    const cases: Case[] = [
      ...(await pages(db, "events provider+status (STRIPE FAILED)", listWebhookEvents, {
        filter: { provider: "STRIPE", status: "FAILED" },
      })),
      ...(await pages(db, "events provider+status (RAZORPAY PROCESSED)", listWebhookEvents, {
        filter: { provider: "RAZORPAY", status: "PROCESSED" },
      })),
      ...(await pages(db, "events status NEEDS_REVIEW (rare)", listWebhookEvents, {
        filter: { status: "NEEDS_REVIEW" },
      })),
      ...(await pages(db, "events by type", listWebhookEvents, { filter: { eventType: "charge.refunded" } })),
      ...(await pages(db, "events date range (one day, 10 days ago)", listWebhookEvents, {
        filter: { from: new Date(now - 10 * DAY).toISOString(), to: new Date(now - 9 * DAY).toISOString() },
      })),
      ...(await pages(db, "events error text 'timeout'", listWebhookEvents, {
        filter: { error: "timeout" },
      })),
      ...(await pages(db, "events error text 'not found' + STRIPE", listWebhookEvents, {
        filter: { error: "not found", provider: "STRIPE" },
      })),
      ...(await pages(db, "events payment reference", listWebhookEvents, { filter: { reference: ref.pi } })),
      ...(await pages(db, "events order reference", listWebhookEvents, {
        filter: { reference: ref.orderNumber },
      })),
      ...(await pages(db, "events unfiltered", listWebhookEvents, {})),
      {
        name: "replay preview (FAILED STRIPE: count + oldest)",
        target: 50,
        run: (d) => previewReplay(d, { status: "FAILED", provider: "STRIPE" }),
      },
      ...(await pages(db, "orders needing review", listReviewEvents, {})),
      {
        name: "webhook health 24 h",
        target: 100,
        run: (d) => getWebhookHealth(d, { windowHours: 24, minVolume: 20 }),
      },
      {
        name: "webhook health 7 d",
        target: 100,
        run: (d) => getWebhookHealth(d, { windowHours: 168, minVolume: 20 }),
      },
      {
        name: "webhook health 30 d (full table)",
        target: 100,
        run: (d) => getWebhookHealth(d, { windowHours: 720, minVolume: 20 }),
      },
      { name: "webhook health series 24 h", target: 100, run: (d) => getWebhookHealthSeries(d, 24) },
      {
        name: "webhook health series 30 d (full table)",
        target: 100,
        run: (d) => getWebhookHealthSeries(d, 720),
      },
      ...(await pages(db, "audit unfiltered", listAuditEvents, {})),
      ...(await pages(db, "audit action prefix 'orders.'", listAuditEvents, { action: "orders." })),
      ...(await pages(db, "audit action prefix 'users.role'", listAuditEvents, { action: "users.role" })),
      ...(await pages(db, "audit actor", listAuditEvents, { actorId: "user-7" })),
      ...(await pages(db, "ledger by variant", listVariantLedger, { variantId: ref.variantId, limit: 5 })),
      ...(await pages(db, "ledger since 1h (changes)", listStockChanges, { since: "1h", limit: 200 })),
      ...(await pages(db, "ledger since 1d (changes)", listStockChanges, { since: "1d", limit: 200 })),
      // The same listing read through a new handle each call, as another server or the CLI's next
      // process would: the first page's summary is not cached there, so each page recomputes it.
      ...(
        await pages(
          db,
          "ledger since 1d (changes), summary recomputed",
          (d: Db, input: TChangesInput) =>
            listStockChanges(
              d.withoutPlugins().withPlugin(new CamelCasePlugin({ maintainNestedObjectKeys: true })),
              input,
            ),
          { since: "1d", limit: 200 },
        )
      ).slice(1),
      ...(await pages(db, "stock all (by product name)", listStock, { limit: 200 })),
      ...(await pages(db, "stock search SKU", listStock, { search: ref.sku, limit: 200 })),
      ...(await pages(db, "stock search SKU prefix 'RS-00012'", listStock, {
        search: "RS-00012",
        limit: 200,
      })),
      ...(await pages(db, "stock search product 'Peacock'", listStock, { search: "Peacock", limit: 200 })),
      ...(await pages(db, "stock search product 'Saree 4321'", listStock, {
        search: "Saree 4321",
        limit: 200,
      })),
      ...(await pages(db, "stock low", listStock, { filter: "low", limit: 200 })),
      ...(await pages(db, "orders unfiltered", listOrders, {})),
      ...(await pages(db, "orders by status PAID", listOrders, { filter: { status: "PAID" } })),
      ...(await pages(db, "orders by status REFUNDED", listOrders, { filter: { status: "REFUNDED" } })),
      ...(await pages(db, "orders by order number", listOrders, { filter: { search: ref.orderNumber } })),
      ...(await pages(db, "orders by payment reference", listOrders, { filter: { search: ref.pi } })),
    ];

    const only = env.BENCH_LISTS_ONLY;
    const results: { c: Case; p50: number; p95: number; base: number; plan: string }[] = [];
    for (const c of only ? cases.filter((x) => x.name.includes(only)) : cases) {
      await c.run(db); // warm
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        await c.run(db);
        times.push(performance.now() - start);
      }
      captured.length = 0;
      await c.run(db);
      const plan = await explain(fast.pool, [...captured]);
      const baseTimes: number[] = [];
      for (let i = 0; i < env.BENCH_LISTS_BASELINE_RUNS; i++) {
        const start = performance.now();
        await c.run(slow.db);
        baseTimes.push(performance.now() - start);
      }
      const r = { c, p50: pct(times, 50), p95: pct(times, 95), base: pct(baseTimes, 50), plan };
      results.push(r);
      process.stderr.write(`  ${c.name}: p95 ${r.p95.toFixed(1)} ms\n`);
    }

    const w = Math.max(...results.map((r) => r.c.name.length));
    console.log(
      `\nLists at production size: p50/p95 of ${RUNS} runs each; baseline = the same call with index scans off (median of ${env.BENCH_LISTS_BASELINE_RUNS})\n`,
    );
    console.log(
      `| ${"list".padEnd(w)} |    p50 ms |    p95 ms | target | ok  | no-index ms | speed-up | plan (indexes / seq scans) |`,
    );
    console.log(
      `|${"-".repeat(w + 2)}|-----------|-----------|--------|-----|-------------|----------|----------------------------|`,
    );
    let outside = 0;
    for (const r of results) {
      const ok = r.p95 < r.c.target;
      if (!ok) outside++;
      console.log(
        `| ${r.c.name.padEnd(w)} | ${r.p50.toFixed(1).padStart(9)} | ${r.p95.toFixed(1).padStart(9)} | < ${String(r.c.target).padStart(3)} | ${ok ? "yes" : "NO "} | ${r.base.toFixed(0).padStart(11)} | ${(r.base / r.p50).toFixed(0).padStart(7)}× | ${r.plan} |`,
      );
    }
    const cost = await measureHealthTriggerCost(target.url, RUNS * 10);
    console.log(
      `\nHealth rollup trigger on a 64-row INSERT into webhook_events (${RUNS * 10} each, alternating, rolled back): ` +
        `with trigger p50 ${cost.on.p50.toFixed(2)} / p95 ${cost.on.p95.toFixed(2)} ms; ` +
        `without (baseline) p50 ${cost.off.p50.toFixed(2)} / p95 ${cost.off.p95.toFixed(2)} ms; ` +
        `ratio p50 ${(cost.on.p50 / cost.off.p50).toFixed(2)}×.`,
    );
    console.log(
      `\n${results.length - outside} of ${results.length} within target. Load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} on ${cpus().length} CPUs (figures are inflated when the machine is shared).\n`,
    );
  } finally {
    await fast.db.destroy();
    await slow.db.destroy();
    await target.drop();
    await dropTestDatabases();
  }
}

await main();
