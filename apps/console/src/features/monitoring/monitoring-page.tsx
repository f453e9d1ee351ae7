// Monitoring: the minute samples as charts over a chosen range. recharts loads with this route only.
import { lazy, Suspense, useState } from "react";
import { METRIC_RANGES, type TMetricRange } from "@radha/core/monitoring/schema";
import { PageHeader } from "../../ui/page-header";
import { Loading } from "../../ui/states";

const MonitoringCharts = lazy(() =>
  import("./monitoring-charts").then((m) => ({ default: m.MonitoringCharts })),
);

const RANGE_LABEL: Record<TMetricRange, string> = {
  "1h": "Last hour",
  "6h": "Last 6 hours",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "14d": "Last 14 days",
};

export function MonitoringPage() {
  const [range, setRange] = useState<TMetricRange>("6h");
  return (
    <>
      <PageHeader
        title="Monitoring"
        description="Sampled every minute into Postgres; minute detail for 48 hours, 10-minute averages for 14 days."
        actions={
          <div className="filter-bar">
            <label htmlFor="mon-range">Range</label>
            <select id="mon-range" value={range} onChange={(e) => setRange(e.target.value as TMetricRange)}>
              {(Object.keys(METRIC_RANGES) as TMetricRange[]).map((r) => (
                <option key={r} value={r}>
                  {RANGE_LABEL[r]}
                </option>
              ))}
            </select>
          </div>
        }
      />
      <Suspense fallback={<Loading label="Loading charts…" />}>
        <MonitoringCharts range={range} />
      </Suspense>
    </>
  );
}
