// The Monitoring page's charts (recharts): one small chart per question an on-call engineer asks.
import { useQuery } from "@tanstack/react-query";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TMetricRange } from "@radha/core/monitoring/schema";
import { useTRPC } from "../../lib/trpc";
import { ErrorBanner } from "../../ui/error-banner";
import { Empty, Loading } from "../../ui/states";
import { toChartRows, type ChartLine } from "./series";

const BLUE = "#1a5fd0";
const ORANGE = "#b35c00";
const PURPLE = "#7a3db8";
const GREEN = "#1d7a3a";

const CHARTS: { title: string; unit: string; lines: ChartLine[] }[] = [
  {
    title: "Request latency",
    unit: "ms",
    lines: [
      { key: "p50", metric: "http_latency_p50_seconds", label: "p50", colour: GREEN, scale: 1000 },
      { key: "p95", metric: "http_latency_p95_seconds", label: "p95", colour: ORANGE, scale: 1000 },
      { key: "p99", metric: "http_latency_p99_seconds", label: "p99", colour: PURPLE, scale: 1000 },
    ],
  },
  {
    title: "Throughput",
    unit: "req/min",
    lines: [{ key: "rpm", metric: "http_requests_per_minute", label: "requests per minute", colour: BLUE }],
  },
  {
    title: "Error rate",
    unit: "%",
    lines: [{ key: "err", metric: "http_error_rate", label: "responses ≥ 500", colour: ORANGE, scale: 100 }],
  },
  {
    title: "Database connections",
    unit: "connections",
    lines: [
      { key: "total", metric: "pg_connections", subject: "total", label: "Postgres total", colour: BLUE },
      { key: "active", metric: "pg_connections", subject: "active", label: "active", colour: ORANGE },
      { key: "max", metric: "pg_max_connections", label: "max_connections", colour: PURPLE },
      { key: "pool", metric: "db_pool_in_use", label: "this server's pool in use", colour: GREEN },
    ],
  },
  {
    title: "Memory",
    unit: "MB",
    lines: [
      { key: "rss", metric: "process_rss_mb", label: "RSS", colour: BLUE },
      { key: "heap", metric: "process_heap_used_mb", label: "heap used", colour: GREEN },
    ],
  },
  {
    title: "Job queue",
    unit: "jobs / s",
    lines: [
      { key: "depth", metric: "job_queue_depth", label: "jobs waiting", colour: BLUE },
      { key: "age", metric: "job_oldest_age_seconds", label: "oldest waiting (s)", colour: ORANGE },
    ],
  },
  {
    title: "Webhook backlog",
    unit: "events / s",
    lines: [
      { key: "pending", metric: "webhook_pending", label: "pending events", colour: BLUE },
      {
        key: "oldest",
        metric: "webhook_oldest_pending_seconds",
        label: "oldest pending (s)",
        colour: ORANGE,
      },
    ],
  },
];

const METRIC_NAMES = [...new Set(CHARTS.flatMap((c) => c.lines.map((l) => l.metric)))];

const tick = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const full = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

export function MonitoringCharts({ range }: { range: TMetricRange }) {
  const trpc = useTRPC();
  const series = useQuery(
    trpc.monitoring.series.queryOptions({ metrics: METRIC_NAMES, range }, { refetchInterval: 60_000 }),
  );
  if (series.isPending) return <Loading label="Loading samples…" />;
  if (series.isError)
    return (
      <ErrorBanner
        title="Could not load samples"
        error={series.error}
        onRetry={() => void series.refetch()}
      />
    );
  return (
    <div className="mon-grid">
      {CHARTS.map((chart) => {
        const rows = toChartRows(series.data, chart.lines);
        return (
          <section key={chart.title} className="mon-chart" aria-label={`${chart.title} chart`}>
            <h2>
              {chart.title} <span className="muted small">({chart.unit})</span>
            </h2>
            {rows.length === 0 ? (
              <Empty>No samples in this range yet (the sampler runs every minute).</Empty>
            ) : (
              <ResponsiveContainer width="100%" height={220}>
                <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
                  <CartesianGrid stroke="#e3e6eb" strokeDasharray="3 3" />
                  <XAxis
                    dataKey="at"
                    tickFormatter={(v: string) => tick.format(new Date(v))}
                    minTickGap={32}
                    tick={{ fontSize: 12 }}
                  />
                  <YAxis width={56} tick={{ fontSize: 12 }} />
                  <Tooltip labelFormatter={(v) => (typeof v === "string" ? full.format(new Date(v)) : "")} />
                  <Legend wrapperStyle={{ fontSize: 13 }} />
                  {chart.lines.map((l) => (
                    <Line
                      key={l.key}
                      type="monotone"
                      dataKey={l.key}
                      name={l.label}
                      stroke={l.colour}
                      strokeWidth={2}
                      dot={false}
                      connectNulls
                      isAnimationActive={false}
                    />
                  ))}
                </LineChart>
              </ResponsiveContainer>
            )}
          </section>
        );
      })}
    </div>
  );
}
