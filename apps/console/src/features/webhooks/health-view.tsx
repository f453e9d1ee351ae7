// Provider health: a card per provider (success rate, counts, latency, oldest pending, alert) and
// the hourly success rate over the window.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TProviderHealth } from "@radha/core/webhooks/schema";
import { useTRPC } from "../../lib/trpc";
import { ErrorBanner } from "../../ui/error-banner";
import { Empty, Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { formatAge, formatLatency, formatRate, seriesToChartRows } from "./webhooks";

export const WEBHOOK_HEALTH_REFRESH_MS = 30_000;

const WINDOWS = [
  { hours: 1, label: "Last hour" },
  { hours: 24, label: "Last 24 hours" },
  { hours: 72, label: "Last 3 days" },
  { hours: 168, label: "Last 7 days" },
];

// Distinct in hue and lightness, so the lines stay apart for colour-blind readers too.
const LINE_COLOUR = { STRIPE: "#1a5fd0", RAZORPAY: "#b35c00" } as const;

const hourLabel = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});
const hourTick = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

export function HealthView() {
  const trpc = useTRPC();
  const [windowHours, setWindowHours] = useState(24);
  const health = useQuery(
    trpc.webhooks.health.queryOptions({ windowHours }, { refetchInterval: WEBHOOK_HEALTH_REFRESH_MS }),
  );
  const series = useQuery(
    trpc.webhooks.healthSeries.queryOptions({ windowHours }, { refetchInterval: WEBHOOK_HEALTH_REFRESH_MS }),
  );
  const rows = seriesToChartRows(series.data ?? []);

  return (
    <section aria-labelledby="wh-health-title" className="section">
      <div className="section-head">
        <h2 id="wh-health-title">Provider health</h2>
        <div className="wh-filter wh-filter-inline">
          <label htmlFor="wh-window">Window</label>
          <select id="wh-window" value={windowHours} onChange={(e) => setWindowHours(Number(e.target.value))}>
            {WINDOWS.map((w) => (
              <option key={w.hours} value={w.hours}>
                {w.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted small">
        Success rate = processed ÷ (processed + failed); pending, ignored and needs-review events do not count
        against it. Refreshes every {WEBHOOK_HEALTH_REFRESH_MS / 1000} s
        {health.isFetching ? " · refreshing…" : ""}.
      </p>
      {health.isPending ? <Loading label="Loading provider health…" /> : null}
      {health.isError ? (
        <ErrorBanner
          title="Could not load provider health"
          error={health.error}
          onRetry={() => void health.refetch()}
        />
      ) : null}
      {health.data ? (
        <div className="wh-cards">
          {health.data.map((h) => (
            <ProviderCard key={h.provider} health={h} />
          ))}
        </div>
      ) : null}

      <div className="section-head">
        <h3>Success rate by hour</h3>
      </div>
      {series.isPending ? <Loading label="Loading the chart…" /> : null}
      {series.isError ? (
        <ErrorBanner
          title="Could not load the chart"
          error={series.error}
          onRetry={() => void series.refetch()}
        />
      ) : null}
      {series.isSuccess && rows.length === 0 ? (
        <Empty>No processed or failed events in this window yet.</Empty>
      ) : null}
      {rows.length > 0 ? (
        <figure className="wh-chart" aria-label="Hourly success rate per provider, in percent">
          <ResponsiveContainer width="100%" height={280}>
            <LineChart data={rows} margin={{ top: 12, right: 24, bottom: 4, left: 0 }}>
              <CartesianGrid stroke="#e3e6eb" strokeDasharray="3 3" />
              <XAxis
                dataKey="hour"
                tickFormatter={(v: string) => hourTick.format(new Date(v))}
                minTickGap={24}
                tick={{ fontSize: 12 }}
              />
              <YAxis
                domain={[0, 100]}
                tickFormatter={(v: number) => `${v}%`}
                width={48}
                tick={{ fontSize: 12 }}
              />
              <Tooltip
                labelFormatter={(v) => (typeof v === "string" ? hourLabel.format(new Date(v)) : "")}
                formatter={(v) => (typeof v === "number" ? `${v}%` : "no decided events")}
              />
              <Legend />
              <Line
                type="monotone"
                dataKey="STRIPE"
                name="Stripe"
                stroke={LINE_COLOUR.STRIPE}
                strokeWidth={2}
                dot={{ r: 3 }}
                isAnimationActive={false}
                connectNulls={false}
              />
              <Line
                type="monotone"
                dataKey="RAZORPAY"
                name="Razorpay"
                stroke={LINE_COLOUR.RAZORPAY}
                strokeWidth={2}
                strokeDasharray="6 3"
                dot={{ r: 3 }}
                isAnimationActive={false}
                connectNulls={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </figure>
      ) : null}
    </section>
  );
}

function ProviderCard({ health: h }: { health: TProviderHealth }) {
  const name = h.provider === "STRIPE" ? "Stripe" : "Razorpay";
  return (
    <article
      className={`wh-card${h.alert ? " wh-card-alert" : ""}`}
      aria-labelledby={`wh-card-${h.provider}`}
      data-testid={`health-${h.provider}`}
    >
      <header className="wh-card-head">
        <h3 id={`wh-card-${h.provider}`}>{name}</h3>
        {h.alert ? (
          <StatusChip tone="bad">alert</StatusChip>
        ) : h.total === 0 ? (
          <StatusChip tone="neutral">no traffic</StatusChip>
        ) : (
          <StatusChip tone="ok">healthy</StatusChip>
        )}
      </header>
      {h.alert ? (
        <p className="banner banner-fail banner-compact" role="alert">
          <span className="banner-glyph" aria-hidden="true">
            !
          </span>
          {h.alertReason}
        </p>
      ) : null}
      <p className="wh-rate">
        <span className="wh-rate-value">{formatRate(h.successRate)}</span>{" "}
        <span className="muted small">success</span>
      </p>
      <dl className="wh-stats">
        <div>
          <dt>Processed</dt>
          <dd>{h.processed}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd className={h.failed > 0 ? "wh-bad" : undefined}>{h.failed}</dd>
        </div>
        <div>
          <dt>Pending</dt>
          <dd>{h.pending}</dd>
        </div>
        <div>
          <dt>Ignored</dt>
          <dd>{h.ignored}</dd>
        </div>
        <div>
          <dt>Needs review</dt>
          <dd className={h.needsReview > 0 ? "wh-warn" : undefined}>{h.needsReview}</dd>
        </div>
        <div>
          <dt>p50 latency</dt>
          <dd>{formatLatency(h.p50LatencyMs)}</dd>
        </div>
        <div>
          <dt>p95 latency</dt>
          <dd>{formatLatency(h.p95LatencyMs)}</dd>
        </div>
        <div>
          <dt>Oldest pending</dt>
          <dd>{formatAge(h.oldestPendingSeconds)}</dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd>{h.total}</dd>
        </div>
      </dl>
    </article>
  );
}
