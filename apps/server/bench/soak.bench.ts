// Soak: the compiled server with its worker in-process under mixed load for BENCH_SOAK_MINUTES
// (10 by default): paced signed webhooks, console list reads through tRPC with an operator's
// token, a bulk replay of fresh FAILED events every minute, an inventory reset at half time.
// Prints a per-minute table (count and p99 per kind, errors, server RSS) and a verdict:
// errors 0, RSS growth < 10 % from the end of the first (warm-up) minute to the end, and no
// upward drift (the median p99 of the last three minutes ≤ 1.5× that of minutes 2–4).
// Asserts nothing; exits 1 when the verdict fails so a scheduled run shows red.
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { applyInventoryReset } from "@radha/core/inventory";
import {
  createFailedWebhookEvents,
  createTestDatabase,
  dropTestDatabases,
  prepareTemplateDatabase,
} from "@radha/core/testing";
import {
  ignoredEventRequest,
  operatorToken,
  pacer,
  pct,
  RawConnection,
  rssMb,
  startServer,
  trpc,
} from "./lib";

/* eslint-disable no-restricted-properties -- the bench's own knobs */
const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 10);
/** Signed webhooks per second (paced, over 8 connections). */
const INGEST_RATE = Number(process.env.BENCH_SOAK_INGEST_RATE ?? 100);
/** FAILED events made and replayed each minute. */
const REPLAY_PER_MINUTE = Number(process.env.BENCH_SOAK_REPLAY_EVENTS ?? 300);
/* eslint-enable no-restricted-properties */
const READERS = 2;

type Kind = "ingest" | "read" | "replay";
interface Minute {
  lat: Record<Kind, number[]>;
  errors: number;
  rss: number;
}
const newMinute = (): Minute => ({ lat: { ingest: [], read: [], replay: [] }, errors: 0, rss: NaN });

await prepareTemplateDatabase();
const t = await createTestDatabase();
let exitCode = 0;
try {
  await createFailedWebhookEvents(t.db, { count: 100, tag: "soak-seed" });
  const server = await startServer({
    databaseUrl: t.appUrl,
    env: { OPS_MIGRATION_DATABASE_URL: t.url, OPS_WORKER: "inline" },
  });
  const rssAtBoot = rssMb(server.pid);
  const token = await operatorToken(t.db);
  const minutes: Minute[] = [newMinute()];
  const current = () => minutes.at(-1)!;
  const errorsSeen = new Set<string>();
  const fail = (what: string) => {
    current().errors += 1;
    if (errorsSeen.size < 5) errorsSeen.add(what.slice(0, 160));
  };
  const endAt = performance.now() + MINUTES * 60_000;
  const running = () => performance.now() < endAt;

  // Ingest: paced, each request on one of 8 keep-alive connections.
  const pace = pacer(INGEST_RATE);
  let sent = 0;
  const ingest = Array.from({ length: 8 }, async () => {
    const c = new RawConnection(server.port);
    try {
      while (running()) {
        await pace();
        const request = ignoredEventRequest(`soak_${process.pid}_${sent++}`);
        const t0 = performance.now();
        const status = await c.send(request).catch(() => 0);
        current().lat.ingest.push(performance.now() - t0);
        if (status !== 200) fail(`ingest: HTTP ${status}`);
      }
    } finally {
      c.close();
    }
  });

  // Console reads: the lists an operator pages through, first pages, one after another.
  const reads: [string, unknown][] = [
    ["webhooks.list", { limit: 50 }],
    ["webhooks.list", { limit: 50, filter: { status: "FAILED" } }],
    ["webhooks.health", { windowHours: 24 }],
    ["orders.list", { limit: 50 }],
    ["inventory.stock", { limit: 200 }],
    ["audit.list", { limit: 50 }],
    ["webhooks.replayRuns", { limit: 20 }],
  ];
  const readers = Array.from({ length: READERS }, async (_, r) => {
    for (let i = r; running(); i++) {
      const [path, input] = reads[i % reads.length]!;
      const t0 = performance.now();
      await trpc(server.url, token, path, input).catch((e: unknown) => fail(`read ${String(e)}`));
      current().lat.read.push(performance.now() - t0);
      await new Promise((res) => setTimeout(res, 100));
    }
  });

  // Each minute: fresh FAILED events, replayed through the console's replayStart, waited for.
  const replays = (async () => {
    for (let m = 0; running(); m++) {
      await createFailedWebhookEvents(t.db, { count: REPLAY_PER_MINUTE, tag: `soak${m}` });
      const t0 = performance.now();
      try {
        const run = (await trpc(
          server.url,
          token,
          "webhooks.replayStart",
          { filter: { provider: "STRIPE", status: "FAILED" }, concurrency: 4 },
          "mutation",
        )) as { id: string };
        for (;;) {
          const r = (await trpc(server.url, token, "webhooks.replayRun", { id: run.id })) as {
            status: string;
            failed: number;
          };
          if (r.status === "COMPLETED") {
            if (r.failed > 0) fail(`replay: ${r.failed} events failed`);
            break;
          }
          if (r.status === "FAILED" || r.status === "CANCELLED") {
            fail(`replay ended ${r.status}`);
            break;
          }
          await new Promise((res) => setTimeout(res, 250));
        }
      } catch (e) {
        fail(`replay ${String(e)}`);
      }
      current().lat.replay.push(performance.now() - t0);
      const wait = 60_000 - (performance.now() - t0);
      if (wait > 0 && running())
        await new Promise((res) => setTimeout(res, Math.min(wait, endAt - performance.now())));
    }
  })();

  // An inventory reset at half time, through the service the CLI and console use.
  const reset = (async () => {
    await new Promise((res) => setTimeout(res, (MINUTES * 60_000) / 2));
    const { rows } = await sql<{ sku: string; stockQuantity: number }>`
      SELECT sku, stock_quantity FROM product_variants ORDER BY sku LIMIT 20`.execute(t.db);
    await applyInventoryReset(t.appDb, SYSTEM_ACTOR, {
      rows: rows.map((r) => ({ sku: r.sku, countedQuantity: r.stockQuantity + 10 })),
      reason: "soak: stock count",
      batchKey: `soak-${process.pid}`,
      onProblem: "SKIP",
    }).catch((e: unknown) => fail(`reset ${String(e)}`));
  })();

  // The minute clock: close the minute with the server's RSS, open the next.
  const clock = (async () => {
    while (running()) {
      await new Promise((res) => setTimeout(res, Math.min(60_000, Math.max(0, endAt - performance.now()))));
      current().rss = rssMb(server.pid);
      if (running()) minutes.push(newMinute());
    }
  })();

  await Promise.all([...ingest, ...readers, replays, reset, clock]);
  await server.stop();

  const { rows: doubled } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM (SELECT order_id FROM inventory_transactions WHERE type = 'SALE' GROUP BY order_id HAVING count(*) > 1) x`.execute(
    t.db,
  );
  const doubledSales = Number(doubled[0]?.n ?? 0);

  console.log(
    `\nSoak: ${MINUTES} min, ingest ${INGEST_RATE}/s, ${READERS} console readers, ${REPLAY_PER_MINUTE} events replayed per minute, one inventory reset (2 cores shared with whatever else runs)`,
  );
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "–");
  console.log("min  ingest n  p99 ms   reads n  p99 ms  replay s  errors  RSS MB".padEnd(66));
  minutes.forEach((m, i) =>
    console.log(
      `${String(i + 1).padStart(3)}${String(m.lat.ingest.length).padStart(10)}${f(
        pct(
          [...m.lat.ingest].sort((a, b) => a - b),
          99,
        ),
      ).padStart(8)}` +
        `${String(m.lat.read.length).padStart(10)}${f(
          pct(
            [...m.lat.read].sort((a, b) => a - b),
            99,
          ),
        ).padStart(8)}` +
        `${f((m.lat.replay[0] ?? NaN) / 1000).padStart(10)}${String(m.errors).padStart(8)}${f(m.rss).padStart(8)}`,
    ),
  );
  const errors = minutes.reduce((s, m) => s + m.errors, 0);
  const rssStart = minutes[0]!.rss;
  const rssEnd = minutes.at(-1)!.rss;
  const growth = (rssEnd - rssStart) / rssStart;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const p99s = minutes.map((m) =>
    pct(
      [...m.lat.ingest].sort((a, b) => a - b),
      99,
    ),
  );
  const early = median(p99s.slice(1, 4));
  const late = median(p99s.slice(-3));
  const drift = minutes.length >= 5 ? late / early : NaN;
  console.log(
    `server RSS: ${f(rssAtBoot)} MB at boot, ${f(rssStart)} MB after minute 1, ${f(rssEnd)} MB at the end`,
  );
  const checks: [string, boolean][] = [
    [`errors: ${errors}${errorsSeen.size ? ` (${[...errorsSeen].join("; ")})` : ""}`, errors === 0],
    [`RSS growth after warm-up: ${(growth * 100).toFixed(1)} % (< 10 %)`, growth < 0.1],
    [
      minutes.length >= 5
        ? `ingest p99 drift: last 3 min median ${f(late)} ms vs minutes 2–4 ${f(early)} ms = ${drift.toFixed(2)}× (≤ 1.5×)`
        : "ingest p99 drift: needs ≥ 5 minutes (BENCH_SOAK_MINUTES)",
      !(drift > 1.5),
    ],
    [`sales written twice for one order: ${doubledSales}`, doubledSales === 0],
  ];
  for (const [line, ok] of checks) console.log(`  ${ok ? "ok  " : "FAIL"} ${line}`);
  const verdict = checks.every(([, ok]) => ok);
  console.log(`verdict: ${verdict ? "PASS" : "FAIL"}`);
  if (!verdict) exitCode = 1;
} finally {
  await t.drop();
  await dropTestDatabases();
}
process.exit(exitCode);
