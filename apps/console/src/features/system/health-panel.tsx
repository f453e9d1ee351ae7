import { useQuery } from "@tanstack/react-query";
import type { TCheckStatus, THealthCheck } from "@radha/core/system/schema";
import { formatDateTime, formatDuration, formatUptime } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { ErrorBanner } from "../../ui/error-banner";
import { Loading } from "../../ui/states";
import { StatusChip, toneForCheck } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { HEALTH_REFRESH_MS, healthQuery } from "./system-queries";

const OVERALL: Record<TCheckStatus, { title: string; glyph: string; detail: string }> = {
  pass: { title: "All systems healthy", glyph: "✓", detail: "Every check passes." },
  warn: {
    title: "Degraded",
    glyph: "!",
    detail: "Something non-critical needs attention; the shop keeps running.",
  },
  fail: { title: "Failing", glyph: "✕", detail: "A critical check fails: act now." },
};

const columns: Column<THealthCheck>[] = [
  {
    header: "Check",
    cell: (c) => (
      <>
        <span className="mono">{c.name}</span>
        {c.critical ? <span className="tag">critical</span> : null}
      </>
    ),
  },
  { header: "Status", cell: (c) => <StatusChip tone={toneForCheck(c.status)}>{c.status}</StatusChip> },
  { header: "Message", cell: (c) => c.message, className: "wide" },
  { header: "Duration", cell: (c) => formatDuration(c.durationMs), className: "num" },
  { header: "Checked at", cell: (c) => formatDateTime(c.checkedAt), className: "nowrap" },
];

export function HealthPanel() {
  const trpc = useTRPC();
  const health = useQuery(healthQuery(trpc));

  if (health.isPending) return <Loading label="Running health checks…" />;
  const report = health.data;
  if (!report)
    return (
      <ErrorBanner title="Could not load health" error={health.error} onRetry={() => void health.refetch()} />
    );

  const overall = OVERALL[report.status];
  return (
    <section aria-labelledby="health-title" className="section">
      <div className={`banner banner-${report.status}`} role="status" data-testid="overall-health">
        <span className="banner-glyph" aria-hidden="true">
          {overall.glyph}
        </span>
        <div className="banner-body">
          <strong>{overall.title}</strong>
          <p>
            Overall status: <span className="mono">{report.status}</span>. {overall.detail}
          </p>
        </div>
        <dl className="banner-meta">
          <div>
            <dt>Checked</dt>
            <dd>{formatDateTime(report.checkedAt)}</dd>
          </div>
          <div>
            <dt>Version</dt>
            <dd>{report.version}</dd>
          </div>
          <div>
            <dt>Uptime</dt>
            <dd>{formatUptime(report.uptimeSeconds)}</dd>
          </div>
        </dl>
      </div>
      {health.isError ? (
        <ErrorBanner title="The last refresh failed; showing the previous result" error={health.error} />
      ) : null}
      <div className="section-head">
        <h2 id="health-title">Health checks</h2>
        <p className="muted small">
          Refreshes every {HEALTH_REFRESH_MS / 1000} s{health.isFetching ? " · refreshing…" : ""}
        </p>
      </div>
      <Table caption="Health checks" columns={columns} rows={report.checks} rowKey={(c) => c.name} />
    </section>
  );
}
