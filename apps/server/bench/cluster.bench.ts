// Two of everything: two compiled servers and two worker processes on one Postgres and one
// Redis. Ingest to one server, then to both (same run: the single-instance figure is the
// baseline), then two overlapping bulk replays started through different servers and run by
// whichever worker takes them. Afterwards the exactly-once checks, counted by SQL: every
// accepted webhook stored once and settled once, every replayed payment applied once.
// Asserts nothing; exits 1 when an exactly-once check fails.
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import {
  createFailedWebhookEvents,
  createTestDatabase,
  dropTestDatabases,
  prepareTemplateDatabase,
} from "@radha/core/testing";
import {
  ignoredEventRequest,
  operatorToken,
  pct,
  sendAll,
  startServer,
  startWorkerProcess,
  trpc,
  type Child,
} from "./lib";

/* eslint-disable no-restricted-properties -- the bench's own knobs */
const INGEST = Number(process.env.BENCH_CLUSTER_INGEST ?? 6400);
const REPLAY = Number(process.env.BENCH_CLUSTER_REPLAY ?? 2000);
/* eslint-enable no-restricted-properties */
const SENDERS = 64;

await prepareTemplateDatabase();
const t = await createTestDatabase();
const children: Child[] = [];
let exitCode = 0;
try {
  const { orders } = await createFailedWebhookEvents(t.db, { count: REPLAY, tag: "cluster" });
  const env = { OPS_MIGRATION_DATABASE_URL: t.url };
  const a = await startServer({ databaseUrl: t.appUrl, env });
  const b = await startServer({ databaseUrl: t.appUrl, env });
  children.push(a, b);
  children.push(
    startWorkerProcess({ databaseUrl: t.appUrl, env }),
    startWorkerProcess({ databaseUrl: t.appUrl, env }),
  );

  const batch = (prefix: string) =>
    Array.from({ length: INGEST }, (_, i) => ignoredEventRequest(`${prefix}_${i}`));
  const warm = await sendAll([a.port, b.port], batch("warm").slice(0, SENDERS * 10), SENDERS);
  const one = await sendAll([a.port], batch("one"), SENDERS);
  const both = await sendAll([a.port, b.port], batch("both"), SENDERS);
  // The same event sent to both servers at once: stored once, one 2xx each (one a duplicate).
  const dupes = await sendAll(
    [a.port, b.port],
    batch("dup")
      .slice(0, 500)
      .flatMap((r) => [r, r]),
    SENDERS,
  );

  const tokenA = await operatorToken(t.db);
  const tokenB = await operatorToken(t.db);
  const start = (url: string, token: string) =>
    trpc(
      url,
      token,
      "webhooks.replayStart",
      { filter: { provider: "STRIPE", status: "FAILED" }, concurrency: 8 },
      "mutation",
    ) as Promise<{ id: string }>;
  const t0 = performance.now();
  const runs = await Promise.all([start(a.url, tokenA), start(b.url, tokenB)]);
  for (;;) {
    const states = (await Promise.all(
      runs.map((r, i) => trpc(i ? b.url : a.url, i ? tokenB : tokenA, "webhooks.replayRun", { id: r.id })),
    )) as { status: string; succeeded: number; failed: number; skipped: number }[];
    if (states.every((s) => ["COMPLETED", "FAILED", "CANCELLED"].includes(s.status))) {
      console.log(
        `replays: ${states.map((s) => `${s.status} ${s.succeeded} ok / ${s.failed} failed / ${s.skipped} skipped`).join("; ")}`,
      );
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const replaySeconds = (performance.now() - t0) / 1000;
  // The workers settle the ingested events (IGNORED): wait until none is pending.
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { rows } = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM webhook_events WHERE status = 'PENDING'`.execute(t.db);
    if (Number(rows[0]?.n) === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }

  const { rows } = await sql<Record<string, string>>`
    SELECT
      (SELECT count(*) FROM webhook_events WHERE provider_event_id LIKE 'evt\_one\_%' OR provider_event_id LIKE 'evt\_both\_%' OR provider_event_id LIKE 'evt\_dup\_%') AS stored_events,
      (SELECT count(*) FROM webhook_events WHERE status = 'IGNORED') AS ignored_events,
      (SELECT count(*) FROM webhook_events WHERE status = 'PENDING') AS pending_events,
      (SELECT count(*) FROM (SELECT event_id FROM webhook_attempts WHERE outcome IN ('PROCESSED', 'IGNORED') GROUP BY event_id HAVING count(*) > 1) x) AS settled_twice,
      (SELECT count(*) FROM orders WHERE status = 'PAID' AND order_number LIKE 'RG-cluster-%') AS paid_orders,
      (SELECT count(*) FROM inventory_transactions t JOIN orders o ON o.id = t.order_id WHERE t.type = 'SALE' AND o.order_number LIKE 'RG-cluster-%') AS sale_rows,
      (SELECT count(*) FROM payments WHERE status = 'CAPTURED') AS captured_payments,
      (SELECT count(*) FROM webhook_attempts WHERE trigger = 'REPLAY' AND outcome = 'PROCESSED') AS replay_attempts
  `.execute(t.db);
  // Column names arrive camelCased (the Kysely CamelCasePlugin).
  const r = Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
  const accepted = one.accepted + both.accepted;
  const rate = (s: { accepted: number; seconds: number }) => s.accepted / s.seconds;

  console.log(
    "\nTwo servers + two workers, one Postgres and Redis (this machine, this run; 2 cores shared with whatever else runs)",
  );
  console.log(
    `ingest, 1 server  (baseline): ${rate(one).toFixed(0)} ev/s, p99 ${pct(one.latencies, 99).toFixed(1)} ms, ${one.errors} errors`,
  );
  console.log(
    `ingest, 2 servers (combined): ${rate(both).toFixed(0)} ev/s = ${(rate(both) / rate(one)).toFixed(2)}× one, p99 ${pct(both.latencies, 99).toFixed(1)} ms, ${both.errors} errors`,
  );
  console.log(
    `same 500 events sent to both servers at once: ${dupes.accepted} of ${dupes.accepted + dupes.errors} answered 2xx`,
  );
  console.log(
    `2 overlapping replays of ${REPLAY} FAILED events, started through different servers: ${replaySeconds.toFixed(1)} s`,
  );
  const checks: [string, number, number][] = [
    ["accepted webhooks stored once", r.storedEvents!, accepted + 500],
    ["stored webhooks settled (IGNORED)", r.ignoredEvents!, warm.accepted + accepted + 500],
    ["events settled twice", r.settledTwice!, 0],
    ["orders paid", r.paidOrders!, orders.length],
    ["SALE ledger rows", r.saleRows!, orders.length],
    ["captured payments", r.capturedPayments!, orders.length],
    ["replay attempts that processed", r.replayAttempts!, orders.length],
  ];
  console.log("exactly-once, counted by SQL:        got  expected");
  for (const [name, got, expected] of checks)
    console.log(
      `  ${got === expected ? "ok  " : "FAIL"} ${name.padEnd(32)}${String(got).padStart(6)}${String(expected).padStart(10)}`,
    );
  if (checks.some(([, got, expected]) => got !== expected)) exitCode = 1;
} finally {
  for (const c of children) await c.stop();
  await t.drop();
  await dropTestDatabases();
}
process.exit(exitCode);
