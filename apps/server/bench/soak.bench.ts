// Soak: the compiled server with its worker in-process under mixed load for BENCH_SOAK_MINUTES
// (10 by default): paced signed webhooks, console list reads through tRPC with an operator's
// token, a bulk replay of fresh FAILED events every minute, an inventory reset at half time.
// Prints a per-minute table (ingest rate and p99, reads and p99, replay seconds, the worker's
// queue, errors, server RSS sampled every second) and a verdict: errors 0; RSS growth < 10 %
// after the warm-up minute (the median of the per-minute floors of minutes 2–4 against that of
// the last three: RSS is a sawtooth between garbage collections, so one reading per minute can
// differ by 50 %);
// no upward drift of the ingest p99, the reads p99 and the replay time (median of the last
// three minutes ≤ 1.5× that of minutes 2–4); the worker keeping up (jobs waiting at the end
// ≤ 10 s of ingest); no sale written twice. Asserts nothing; exits 1 when the verdict fails
// so a scheduled run shows red.
import { loadavg } from "node:os";
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
/** Another build's output folder (for A/B runs), as in webhooks.bench.ts. */
const SERVER_DIST = process.env.BENCH_SERVER_DIST;
/* eslint-enable no-restricted-properties */
const READERS = 2;
/** Enough connections that the pacer, not the answer time, sets the ingest rate. */
const INGEST_CONNECTIONS = 32;
/** How long a replay still running when the time is up may take to finish before it counts as an error. */
const REPLAY_GRACE_MS = 120_000;

type Kind = "ingest" | "read" | "replay";
interface Minute {
  lat: Record<Kind, number[]>;
  /** Read latencies per read path (its label in `reads`). */
  readByPath: Map<string, number[]>;
  errors: number;
  /** Server RSS (MB), sampled every second. */
  rss: number[];
  /** Jobs due and not yet taken, and events not yet processed, at the end of the minute. */
  jobsWaiting: number;
  eventsPending: number;
}
const newMinute = (): Minute => ({
  lat: { ingest: [], read: [], replay: [] },
  readByPath: new Map(),
  errors: 0,
  rss: [],
  jobsWaiting: NaN,
  eventsPending: NaN,
});
const loadAtStart = loadavg();

await prepareTemplateDatabase();
const t = await createTestDatabase();
let exitCode = 0;
try {
  await createFailedWebhookEvents(t.db, { count: 100, tag: "soak-seed" });
  const server = await startServer({
    databaseUrl: t.appUrl,
    env: { OPS_MIGRATION_DATABASE_URL: t.url, OPS_WORKER: "inline" },
    dist: SERVER_DIST,
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
  const startedAt = Date.now();
  const running = () => performance.now() < endAt;

  // Ingest: paced, each request on one of the keep-alive connections.
  const pace = pacer(INGEST_RATE);
  let sent = 0;
  const ingest = Array.from({ length: INGEST_CONNECTIONS }, async () => {
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
  // [label, path, input]: the label names the read in the per-path breakdown.
  const reads: [string, string, unknown][] = [
    ["webhooks.list", "webhooks.list", { limit: 50 }],
    ["webhooks.list FAILED", "webhooks.list", { limit: 50, filter: { status: "FAILED" } }],
    ["webhooks.health 24h", "webhooks.health", { windowHours: 24 }],
    ["orders.list", "orders.list", { limit: 50 }],
    ["inventory.stock 200", "inventory.stock", { limit: 200 }],
    ["audit.list", "audit.list", { limit: 50 }],
    ["webhooks.replayRuns", "webhooks.replayRuns", { limit: 20 }],
  ];
  const readers = Array.from({ length: READERS }, async (_, r) => {
    for (let i = r; running(); i++) {
      const [label, path, input] = reads[i % reads.length]!;
      const t0 = performance.now();
      await trpc(server.url, token, path, input).catch((e: unknown) => fail(`read ${String(e)}`));
      const ms = performance.now() - t0;
      const m = current();
      m.lat.read.push(ms);
      const samples = m.readByPath.get(label);
      if (samples) samples.push(ms);
      else m.readByPath.set(label, [ms]);
      await new Promise((res) => setTimeout(res, 100));
    }
  });

  // Each minute: fresh FAILED events, replayed through the console's replayStart, waited for.
  const replays = (async () => {
    for (let m = 0; running(); m++) {
      await createFailedWebhookEvents(t.db, { count: REPLAY_PER_MINUTE, tag: `soak${m}` });
      const t0 = performance.now();
      let finished = false;
      try {
        const run = (await trpc(
          server.url,
          token,
          "webhooks.replayStart",
          { filter: { provider: "STRIPE", status: "FAILED" }, concurrency: 4 },
          "mutation",
        )) as { id: string };
        for (;;) {
          if (performance.now() > endAt + REPLAY_GRACE_MS) break;
          const r = (await trpc(server.url, token, "webhooks.replayRun", { id: run.id })) as {
            status: string;
            failed: number;
          };
          if (r.status === "COMPLETED") {
            if (r.failed > 0) fail(`replay: ${r.failed} events failed`);
            finished = true;
            break;
          }
          if (r.status === "FAILED" || r.status === "CANCELLED") {
            fail(`replay ended ${r.status}`);
            finished = true;
            break;
          }
          await new Promise((res) => setTimeout(res, 250));
        }
      } catch (e) {
        fail(`replay ${String(e)}`);
        finished = true;
      }
      // A replay still running when the time is up gets REPLAY_GRACE_MS, then counts as an error.
      if (!finished) fail("replay still running after the soak's end");
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

  // RSS every second; the minute clock closes a minute with the worker's queue and opens the next.
  const rssTimer = setInterval(() => {
    const v = rssMb(server.pid);
    if (Number.isFinite(v)) current().rss.push(v);
  }, 1000);
  // The busiest tables' live and dead rows and their last ANALYZE, after minute 2 and at the end:
  // with autovacuum off, stale statistics or dead rows are the first suspects of a creeping read.
  interface TableStats {
    table: string;
    live: number;
    dead: number;
    modsSinceAnalyze: number;
    lastAnalyze: Date | null;
  }
  const tableStats: { minute: number; rows: TableStats[] }[] = [];
  const snapshotTables = async (minute: number) => {
    const { rows } = await sql<TableStats>`
      SELECT schemaname || '.' || relname AS table, n_live_tup::int AS live, n_dead_tup::int AS dead,
             n_mod_since_analyze::int AS mods_since_analyze,
             greatest(last_analyze, last_autoanalyze) AS last_analyze
      FROM pg_stat_user_tables
      ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC LIMIT 8`.execute(t.db);
    tableStats.push({ minute, rows });
  };
  // Minute k closes at a fixed offset from the start (timers drift; a loop of 60 s waits opened
  // an eleventh, near-empty minute).
  const clock = (async () => {
    for (let k = 1; k <= MINUTES; k++) {
      await new Promise((res) =>
        setTimeout(res, Math.max(0, endAt - (MINUTES - k) * 60_000 - performance.now())),
      );
      const m = current();
      if (k < MINUTES) minutes.push(newMinute());
      const { rows } = await sql<{ jobs: number; events: number }>`
        SELECT (SELECT count(*)::int FROM graphile_worker.jobs
                 WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts) AS jobs,
               (SELECT count(*)::int FROM webhook_events WHERE status IN ('PENDING', 'PROCESSING')) AS events`.execute(
        t.db,
      );
      m.jobsWaiting = rows[0]?.jobs ?? NaN;
      m.eventsPending = rows[0]?.events ?? NaN;
      if (k === 2 || k === MINUTES) await snapshotTables(k);
    }
  })();

  await Promise.all([...ingest, ...readers, replays, reset, clock]);
  clearInterval(rssTimer);
  await server.stop();

  const { rows: doubled } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM (SELECT order_id FROM inventory_transactions WHERE type = 'SALE' GROUP BY order_id HAVING count(*) > 1) x`.execute(
    t.db,
  );
  const doubledSales = Number(doubled[0]?.n ?? 0);

  const loadAtEnd = loadavg();
  const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
  const median = (xs: readonly number[]) => sorted(xs)[Math.floor(xs.length / 2)] ?? NaN;
  const p99 = (xs: readonly number[]) => pct(sorted(xs), 99);
  const f = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
  const load = (l: number[]) => l.map((v) => v.toFixed(1)).join(" ");
  console.log(
    `\nSoak: ${MINUTES} min, ingest paced at ${INGEST_RATE}/s over ${INGEST_CONNECTIONS} connections, ${READERS} console readers, ${REPLAY_PER_MINUTE} events replayed per minute, one inventory reset at half time`,
  );
  console.log(
    `machine: load average ${load(loadAtStart)} at the start, ${load(loadAtEnd)} at the end (1/5/15 min; 2 cores shared with whatever else runs)`,
  );
  const columns: [string, number][] = [
    ["min", 3],
    ["ingest/s", 9],
    ["p99 ms", 8],
    ["reads", 7],
    ["p99 ms", 8],
    ["replay s", 9],
    ["jobs", 7],
    ["pending", 8],
    ["errors", 7],
    ["RSS MB min", 11],
    ["med", 6],
    ["max", 6],
  ];
  const row = (cells: string[]) => cells.map((c, i) => c.padStart(columns[i]![1])).join(" ");
  console.log(row(columns.map(([h]) => h)));
  minutes.forEach((m, i) =>
    console.log(
      row([
        String(i + 1),
        f(m.lat.ingest.length / 60, 0),
        f(p99(m.lat.ingest)),
        String(m.lat.read.length),
        f(p99(m.lat.read)),
        m.lat.replay.map((ms) => f(ms / 1000)).join(",") || "–",
        f(m.jobsWaiting, 0),
        f(m.eventsPending, 0),
        String(m.errors),
        f(Math.min(...m.rss)),
        f(median(m.rss), 0),
        f(Math.max(...m.rss), 0),
      ]),
    ),
  );
  console.log(
    "(ingest/s: answered signed webhooks per second; jobs: due and not taken at the minute's end; pending: events not yet processed; replay s: replays finished that minute)",
  );
  const errors = minutes.reduce((s, m) => s + m.errors, 0);
  // Windows after the warm-up minute: minutes 2–4 and the last three.
  const early = minutes.slice(1, 4);
  const late = minutes.slice(-3);
  const enough = minutes.length >= 5;
  // Which read creeps: each path's p99 over all of its samples in minutes 2–4 and in the last 3
  // (a path gets ~40 samples a minute, too few for a per-minute p99), with its median beside it.
  const pathSamples = (ms: Minute[], label: string) => ms.flatMap((m) => m.readByPath.get(label) ?? []);
  const pathColumns: [string, number][] = [
    ["read path", 22],
    ["n 2–4", 6],
    ["p50", 6],
    ["p99 ms", 7],
    ["n last", 7],
    ["p50", 6],
    ["p99 ms", 7],
    ["p99 ×", 6],
  ];
  const pathRow = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(pathColumns[i]![1]) : c.padStart(pathColumns[i]![1]))).join(" ");
  console.log(
    `\nreads per path, minutes 2–4 vs the last 3 (${enough ? "" : "too short to compare; "}all samples of each window):`,
  );
  console.log(pathRow(pathColumns.map(([h]) => h)));
  for (const [label] of reads) {
    const a = pathSamples(early, label);
    const b = pathSamples(late, label);
    console.log(
      pathRow([
        label,
        String(a.length),
        f(median(a)),
        f(p99(a)),
        String(b.length),
        f(median(b)),
        f(p99(b)),
        f(p99(b) / p99(a), 2),
      ]),
    );
  }
  // Median of the minutes' lowest samples: one GC trough, or one minute without a GC, moves it little.
  const floor = (ms: Minute[]) => median(ms.map((m) => Math.min(...m.rss)));
  const growth = (floor(late) - floor(early)) / floor(early);
  const drift = (what: string, of: (m: Minute) => number, unit: string): [string, boolean] => {
    const a = median(early.map(of).filter(Number.isFinite));
    const b = median(late.map(of).filter(Number.isFinite));
    const ratio = b / a;
    return enough
      ? [
          `${what} drift: last 3 min median ${f(b)} ${unit} vs minutes 2–4 ${f(a)} ${unit} = ${f(ratio, 2)}× (≤ 1.5×)`,
          !(ratio > 1.5),
        ]
      : [`${what} drift: needs ≥ 5 minutes (BENCH_SOAK_MINUTES)`, true];
  };
  // Events, not jobs: an intake group's events share one job.
  const waitingAtEnd = minutes.at(-1)!.eventsPending;
  console.log(
    `server RSS: ${f(rssAtBoot)} MB at boot; per-minute floor (median) ${f(floor(early))} MB in minutes 2–4, ${f(floor(late))} MB in the last 3; all samples median ${f(median(early.flatMap((m) => m.rss)))} → ${f(median(late.flatMap((m) => m.rss)))} MB`,
  );
  for (const { minute, rows } of tableStats) {
    console.log(`tables after minute ${minute} (live / dead rows, changed since ANALYZE, last ANALYZE):`);
    for (const r of rows)
      console.log(
        `  ${r.table.padEnd(34)} ${String(r.live).padStart(8)} / ${String(r.dead).padStart(7)}  ${String(r.modsSinceAnalyze).padStart(8)}  ${
          r.lastAnalyze ? `${f((r.lastAnalyze.getTime() - startedAt) / 60_000)} min into the soak` : "never"
        }`,
      );
  }
  const checks: [string, boolean][] = [
    [`errors: ${errors}${errorsSeen.size ? ` (${[...errorsSeen].join("; ")})` : ""}`, errors === 0],
    enough
      ? [
          `RSS growth after warm-up (floor, minutes 2–4 → last 3): ${f(growth * 100)} % (< 10 %)`,
          growth < 0.1,
        ]
      : ["RSS growth: needs ≥ 5 minutes (BENCH_SOAK_MINUTES)", true],
    drift("ingest p99", (m) => p99(m.lat.ingest), "ms"),
    drift("reads p99", (m) => p99(m.lat.read), "ms"),
    drift("replay time", (m) => Math.max(...m.lat.replay) / 1000, "s"),
    [
      `worker keeps up: ${f(waitingAtEnd, 0)} events unprocessed at the end (≤ ${INGEST_RATE * 10}, 10 s of ingest)`,
      waitingAtEnd <= INGEST_RATE * 10,
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
