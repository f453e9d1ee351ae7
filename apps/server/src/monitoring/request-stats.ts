// Request latency, throughput and error rate from every server instance. Each instance keeps
// Prometheus' cumulative histogram (http/metrics.ts) and, every OPS_REQUEST_STATS_FLUSH_SECONDS,
// writes the difference since its last successful flush as one row of request_stat_flushes
// (bucket counts, requests, errors). The minute sampler — wherever it runs, even in a worker-only
// process — claims (deletes and returns) every row written since and merges them into p50/p95/p99,
// requests per minute and error rate, so instances with OPS_WORKER=off are counted and the counts
// are summed across instances. Memory is bounded: a flush that fails (database restarting) keeps
// the last flushed snapshot, so the next one carries the whole difference; nothing queues.
import { randomUUID } from "node:crypto";
import type { Db } from "@radha/core/db";
import type { MetricSource, SampleRow } from "@radha/core/monitoring";
import { sql } from "kysely";
import type { Registry } from "prom-client";

interface Snapshot {
  /** Cumulative count of requests at or under each upper bound (`le`), over all label sets. */
  buckets: Map<number, number>;
  count: number;
  errors: number;
}

const EMPTY: Snapshot = { buckets: new Map(), count: 0, errors: 0 };
/** Rows older than this are a backlog nobody sampled (no worker ran): dropped, not charted. */
const STALE_MINUTES = 60;

async function snapshot(registry: Registry): Promise<Snapshot> {
  const buckets = new Map<number, number>();
  let count = 0;
  let errors = 0;
  const histogram = await registry.getSingleMetric("http_request_duration_seconds")?.get();
  // A histogram's values carry the series name (…_bucket, …_sum, …_count); the type omits it.
  const values = (histogram?.values ?? []) as {
    labels: Record<string, unknown>;
    value: number;
    metricName?: string;
  }[];
  for (const v of values) {
    if (v.metricName?.endsWith("_bucket")) {
      const le = v.labels.le === "+Inf" || v.labels.le === Infinity ? Infinity : Number(v.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + v.value);
    } else if (v.metricName?.endsWith("_count")) count += v.value;
  }
  const errorCounter = await registry.getSingleMetric("http_request_errors_total")?.get();
  for (const v of errorCounter?.values ?? []) errors += v.value;
  return { buckets, count, errors };
}

/** The q-quantile from cumulative bucket counts, interpolated inside its bucket (as Prometheus does). */
export function quantileFromBuckets(buckets: [le: number, cumulative: number][], q: number): number {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return 0;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, cumulative] of buckets) {
    if (cumulative >= rank) {
      if (le === Infinity) return prevLe;
      const inBucket = cumulative - prevCount;
      return inBucket === 0 ? le : prevLe + ((le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = le;
    prevCount = cumulative;
  }
  return prevLe;
}

const leKey = (le: number) => (le === Infinity ? "+Inf" : String(le));
const leOf = (key: string) => (key === "+Inf" ? Infinity : Number(key));

export interface RequestStatsFlusher {
  /** Writes this instance's requests since the last successful flush (serialised; never concurrent). */
  flush(): Promise<void>;
  start(): void;
  /** Stops the timer and flushes what is left (best effort). */
  stop(): Promise<void>;
}

export function createRequestStatsFlusher(
  db: Db,
  registry: Registry,
  opts: { intervalMs: number; warn?: (msg: string, err: unknown) => void },
): RequestStatsFlusher {
  const instance = randomUUID();
  let flushed: Snapshot = EMPTY;
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  let flushes = 0;

  async function flushOnce(): Promise<void> {
    const now = await snapshot(registry);
    const requests = now.count - flushed.count;
    if (requests <= 0) return;
    const buckets: Record<string, number> = {};
    for (const [le, c] of now.buckets) buckets[leKey(le)] = c - (flushed.buckets.get(le) ?? 0);
    await db
      .insertInto("requestStatFlushes")
      .values({
        instance,
        requests,
        errors: Math.max(0, now.errors - flushed.errors),
        buckets: JSON.stringify(buckets),
      })
      .execute();
    flushed = now;
    // Without any sampler (no worker anywhere) rows would pile up: drop the stale ones now and then.
    if (++flushes % 30 === 0)
      await db
        .deleteFrom("requestStatFlushes")
        .where("flushedAt", "<", sql<Date>`now() - make_interval(mins => ${STALE_MINUTES})`)
        .execute();
  }

  const flush = (): Promise<void> => {
    const run = chain.then(flushOnce);
    chain = run.catch(() => undefined);
    return run;
  };
  const tick = () => {
    flush().then(
      () => {
        failing = false;
      },
      (e: unknown) => {
        // One warning per outage; the next tick retries with the whole difference.
        if (!failing) opts.warn?.("request metrics flush failed; retrying", e);
        failing = true;
      },
    );
  };
  return {
    flush,
    start() {
      timer ??= setInterval(tick, opts.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush().catch(() => undefined);
    },
  };
}

export const REQUEST_METRICS = [
  "http_latency_p50_seconds",
  "http_latency_p95_seconds",
  "http_latency_p99_seconds",
  "http_requests_per_minute",
  "http_error_rate",
] as const;

/**
 * The sampler's source: every instance's flushes since the last reading, merged. `beforeRead`
 * flushes the sampling process's own requests first (when it serves HTTP).
 */
export function sharedRequestStatsSource(beforeRead?: () => Promise<void>): MetricSource {
  return {
    name: "http",
    metrics: REQUEST_METRICS,
    async read({ db }) {
      await beforeRead?.().catch(() => undefined);
      const rows = await db
        .deleteFrom("requestStatFlushes")
        .returning(["flushedAt", "requests", "errors", "buckets"])
        .execute();
      const staleBefore = Date.now() - STALE_MINUTES * 60_000;
      const buckets = new Map<number, number>();
      let requests = 0;
      let errors = 0;
      for (const r of rows) {
        if (r.flushedAt.getTime() < staleBefore) continue;
        requests += Number(r.requests);
        errors += Number(r.errors);
        for (const [key, c] of Object.entries(r.buckets as Record<string, number>))
          buckets.set(leOf(key), (buckets.get(leOf(key)) ?? 0) + c);
      }
      const merged = [...buckets].sort((a, b) => a[0] - b[0]);
      const row = (metric: string, value: number): SampleRow => ({ metric, subject: "", value });
      return [
        row("http_requests_per_minute", requests),
        row("http_error_rate", requests > 0 ? errors / requests : 0),
        row("http_latency_p50_seconds", quantileFromBuckets(merged, 0.5)),
        row("http_latency_p95_seconds", quantileFromBuckets(merged, 0.95)),
        row("http_latency_p99_seconds", quantileFromBuckets(merged, 0.99)),
      ];
    },
  };
}
