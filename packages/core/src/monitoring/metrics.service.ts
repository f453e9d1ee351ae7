// Metric samples: a registry of sources (adding one is one register() call), the minute sampler
// that stores what they read, retention (minute samples for 48 h, then 10-minute averages until
// 14 days), and the series the console charts.
import { verifyAuditChain } from "../audit/audit.service";
import type { Db, DbOrTrx } from "../db/database";
import { getWebhookHealth } from "../webhooks/webhooks.queries";
import {
  deleteSamplesBefore,
  downsampleSamples,
  insertSamples,
  readAttemptsSince,
  readJobQueue,
  readLongestQuerySeconds,
  readOpenLowStock,
  readPgConnections,
  readStockMovementsSince,
  readWebhookBacklog,
  selectLatestSamples,
  selectSeries,
  type SampleRow,
} from "./monitoring.queries";
import { METRIC_RANGES, ZMetricSeriesInput, type TMetricSeries } from "./monitoring.schema";

export type { SampleRow };

export interface MetricSourceContext {
  db: Db;
  now: Date;
}

export interface MetricSource {
  name: string;
  /** The metric names it produces: alert rules on other names show as "not connected". */
  metrics: readonly string[];
  /** Runs on minutes divisible by this (default 1: every minute). */
  everyMinutes?: number;
  read(ctx: MetricSourceContext): Promise<SampleRow[]>;
}

export interface MetricRegistry {
  register(source: MetricSource): void;
  sources(): readonly MetricSource[];
  produces(metric: string): boolean;
}

export function createMetricRegistry(initial: readonly MetricSource[] = BUILTIN_SOURCES): MetricRegistry {
  const sources = new Map<string, MetricSource>(initial.map((s) => [s.name, s]));
  return {
    register(source) {
      sources.set(source.name, source);
    },
    sources: () => [...sources.values()],
    produces: (metric) => [...sources.values()].some((s) => s.metrics.includes(metric)),
  };
}

const minuteAgo = (now: Date) => new Date(now.getTime() - 60_000);
const one = (metric: string, value: number, subject = ""): SampleRow => ({ metric, subject, value });

export const BUILTIN_SOURCES: readonly MetricSource[] = [
  {
    name: "postgres",
    metrics: ["pg_connections", "pg_connections_ratio", "pg_max_connections", "pg_longest_query_seconds"],
    async read({ db }) {
      const [states, longest] = await Promise.all([readPgConnections(db), readLongestQuerySeconds(db)]);
      const total = states.reduce((n, s) => n + s.count, 0);
      const max = states[0]?.maxConnections ?? 100;
      return [
        ...states.map((s) => one("pg_connections", s.count, s.state)),
        one("pg_connections", total, "total"),
        one("pg_max_connections", max),
        one("pg_connections_ratio", total / max),
        one("pg_longest_query_seconds", longest),
      ];
    },
  },
  {
    name: "jobs",
    metrics: ["job_queue_depth", "job_oldest_age_seconds"],
    async read({ db }) {
      const q = await readJobQueue(db);
      return [one("job_queue_depth", q.depth), one("job_oldest_age_seconds", q.oldestSeconds)];
    },
  },
  {
    name: "webhooks",
    metrics: [
      "webhook_pending",
      "webhook_oldest_pending_seconds",
      "webhook_events_last_minute",
      "replay_events_last_minute",
      "webhook_success_rate",
      "webhook_decided_24h",
    ],
    async read({ db, now }) {
      const [backlog, attempts, health] = await Promise.all([
        readWebhookBacklog(db),
        readAttemptsSince(db, minuteAgo(now)),
        getWebhookHealth(db, { windowHours: 24, minVolume: 0 }),
      ]);
      const byOutcome = new Map<string, number>();
      let replayed = 0;
      for (const a of attempts) {
        byOutcome.set(a.outcome, (byOutcome.get(a.outcome) ?? 0) + a.count);
        if (a.trigger === "REPLAY") replayed += a.count;
      }
      return [
        one("webhook_pending", backlog.pending),
        one("webhook_oldest_pending_seconds", backlog.oldestSeconds),
        ...[...byOutcome].map(([outcome, n]) => one("webhook_events_last_minute", n, outcome)),
        one("replay_events_last_minute", replayed),
        ...health.flatMap((h) => [
          one("webhook_decided_24h", h.processed + h.failed, h.provider),
          ...(h.successRate === null ? [] : [one("webhook_success_rate", h.successRate, h.provider)]),
        ]),
      ];
    },
  },
  {
    name: "inventory",
    metrics: ["stock_movements_last_minute", "inventory_low_stock_variants"],
    async read({ db, now }) {
      const [moves, low] = await Promise.all([
        readStockMovementsSince(db, minuteAgo(now)),
        readOpenLowStock(db),
      ]);
      return [
        ...moves.map((m) => one("stock_movements_last_minute", m.count, m.type)),
        one("inventory_low_stock_variants", low),
      ];
    },
  },
  {
    name: "audit",
    metrics: ["audit_chain_ok"],
    // Walking the whole chain costs; every 15 minutes is soon enough for a P0 alert.
    everyMinutes: 15,
    async read({ db }) {
      const result = await verifyAuditChain(db);
      return [one("audit_chain_ok", result.ok ? 1 : 0)];
    },
  },
];

/** A source for this process: memory, CPU since the last reading, and its pg pool. */
export function processMetricSource(pool?: { totalCount: number; idleCount: number; waitingCount: number }) {
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  const source: MetricSource = {
    name: "process",
    metrics: [
      "process_rss_mb",
      "process_heap_used_mb",
      "process_cpu_percent",
      "db_pool_in_use",
      "db_pool_idle",
      "db_pool_waiting",
    ],
    read() {
      const mem = process.memoryUsage();
      const cpu = process.cpuUsage(lastCpu);
      const at = process.hrtime.bigint();
      const elapsedMicros = Number(at - lastAt) / 1000;
      lastCpu = process.cpuUsage();
      lastAt = at;
      const rows = [
        one("process_rss_mb", mem.rss / 1_048_576),
        one("process_heap_used_mb", mem.heapUsed / 1_048_576),
        one("process_cpu_percent", elapsedMicros > 0 ? ((cpu.user + cpu.system) / elapsedMicros) * 100 : 0),
      ];
      if (pool)
        rows.push(
          one("db_pool_in_use", pool.totalCount - pool.idleCount),
          one("db_pool_idle", pool.idleCount),
          one("db_pool_waiting", pool.waitingCount),
        );
      return Promise.resolve(rows);
    },
  };
  return source;
}

export interface SampleResult {
  at: Date;
  samples: SampleRow[];
  /** Sources that threw, with the message: a broken source never stops the others. */
  failed: { source: string; error: string }[];
}

/** Reads every due source and stores the minute's samples. */
export async function sampleMetrics(
  db: Db,
  registry: MetricRegistry,
  now = new Date(),
): Promise<SampleResult> {
  const at = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const minute = Math.floor(at.getTime() / 60_000);
  const failed: SampleResult["failed"] = [];
  const due = registry.sources().filter((s) => minute % (s.everyMinutes ?? 1) === 0);
  const results = await Promise.all(
    due.map(async (s) => {
      try {
        return await s.read({ db, now });
      } catch (e) {
        failed.push({ source: s.name, error: (e as Error).message });
        return [];
      }
    }),
  );
  const samples = results.flat().filter((s) => Number.isFinite(s.value));
  await insertSamples(db, at, samples);
  return { at, samples, failed };
}

export const RAW_RETENTION_HOURS = 48;
export const RETENTION_DAYS = 14;

export async function pruneMetricSamples(db: DbOrTrx, now = new Date()) {
  const downsampled = await downsampleSamples(db, new Date(now.getTime() - RAW_RETENTION_HOURS * 3_600_000));
  const deleted = await deleteSamplesBefore(db, new Date(now.getTime() - RETENTION_DAYS * 86_400_000));
  return { downsampled, deleted };
}

export async function getMetricSeries(db: DbOrTrx, raw: unknown, now = new Date()): Promise<TMetricSeries[]> {
  const input = ZMetricSeriesInput.parse(raw);
  const since = new Date(now.getTime() - METRIC_RANGES[input.range] * 1000);
  const rows = await selectSeries(db, input.metrics, since);
  const series = new Map<string, TMetricSeries>();
  for (const r of rows) {
    const key = `${r.metric}\u0000${r.subject}`;
    let s = series.get(key);
    if (!s) {
      s = { metric: r.metric, subject: r.subject, points: [] };
      series.set(key, s);
    }
    s.points.push({ at: r.at.toISOString(), value: r.value });
  }
  return [...series.values()];
}

export async function latestSamples(db: DbOrTrx, withinSeconds: number): Promise<SampleRow[]> {
  return selectLatestSamples(db, withinSeconds);
}
