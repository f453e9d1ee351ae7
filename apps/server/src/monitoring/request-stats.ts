// A metric source over this process's Prometheus registry: request latency percentiles,
// throughput and error rate for the minute since the last reading (differences of the
// cumulative histogram and counters), for the minute sampler.
import type { MetricSource, SampleRow } from "@radha/core/monitoring";
import type { Registry } from "prom-client";

interface Snapshot {
  buckets: Map<number, number>;
  count: number;
  errors: number;
}

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

export function requestStatsSource(registry: Registry): MetricSource {
  let last: Snapshot | undefined;
  return {
    name: "http",
    metrics: [
      "http_latency_p50_seconds",
      "http_latency_p95_seconds",
      "http_latency_p99_seconds",
      "http_requests_per_minute",
      "http_error_rate",
    ],
    async read() {
      const now = await snapshot(registry);
      const prev = last ?? { buckets: new Map<number, number>(), count: 0, errors: 0 };
      last = now;
      const delta = [...now.buckets]
        .map(([le, c]): [number, number] => [le, c - (prev.buckets.get(le) ?? 0)])
        .sort((a, b) => a[0] - b[0]);
      const requests = now.count - prev.count;
      const errors = now.errors - prev.errors;
      const row = (metric: string, value: number): SampleRow => ({ metric, subject: "", value });
      return [
        row("http_requests_per_minute", requests),
        row("http_error_rate", requests > 0 ? errors / requests : 0),
        row("http_latency_p50_seconds", quantileFromBuckets(delta, 0.5)),
        row("http_latency_p95_seconds", quantileFromBuckets(delta, 0.95)),
        row("http_latency_p99_seconds", quantileFromBuckets(delta, 0.99)),
      ];
    },
  };
}
