import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/index";
import { listAlertRules } from "./alerts.service";
import {
  createMetricRegistry,
  getMetricSeries,
  processMetricSource,
  pruneMetricSamples,
  sampleMetrics,
} from "./metrics.service";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("metric samples", () => {
  it("samples every built-in source into Postgres and charts it back", async () => {
    const registry = createMetricRegistry();
    registry.register(processMetricSource({ totalCount: 5, idleCount: 3, waitingCount: 1 }));
    const at = new Date("2026-12-01T10:15:00Z"); // a quarter hour: the audit source runs too
    const result = await sampleMetrics(t.db, registry, at);
    expect(result.failed).toEqual([]);
    const names = new Set(result.samples.map((s) => s.metric));
    for (const m of [
      "pg_connections",
      "pg_connections_ratio",
      "pg_longest_query_seconds",
      "job_queue_depth",
      "job_oldest_age_seconds",
      "webhook_pending",
      "webhook_oldest_pending_seconds",
      "replay_events_last_minute",
      "inventory_low_stock_variants",
      "audit_chain_ok",
      "process_rss_mb",
      "process_cpu_percent",
      "db_pool_in_use",
      "db_pool_waiting",
    ])
      expect(names, m).toContain(m);
    expect(result.samples.find((s) => s.metric === "db_pool_in_use")?.value).toBe(2);
    expect(result.samples.find((s) => s.metric === "audit_chain_ok")?.value).toBe(1);

    const series = await getMetricSeries(
      t.db,
      { metrics: ["pg_connections"], range: "1h" },
      new Date(at.getTime() + 60_000),
    );
    expect(series.find((s) => s.subject === "total")?.points).toHaveLength(1);
  });

  it("a failing source is reported and the others are still stored", async () => {
    const registry = createMetricRegistry([]);
    registry.register({ name: "broken", metrics: ["x"], read: () => Promise.reject(new Error("boom")) });
    registry.register({
      name: "fine",
      metrics: ["y"],
      read: () => Promise.resolve([{ metric: "y", subject: "", value: 1 }]),
    });
    const r = await sampleMetrics(t.db, registry, new Date("2026-12-01T10:16:00Z"));
    expect(r.failed).toEqual([{ source: "broken", error: "boom" }]);
    expect(r.samples).toEqual([{ metric: "y", subject: "", value: 1 }]);
  });

  it("downsamples minute samples after 48 h to 10-minute averages and drops them after 14 days", async () => {
    const now = new Date("2026-12-10T00:00:00Z");
    const old = new Date("2026-12-05T00:00:00Z");
    await t.db
      .insertInto("metricSamples")
      .values(
        Array.from({ length: 10 }, (_, i) => ({
          metric: "test_metric",
          subject: "",
          at: new Date(old.getTime() + i * 60_000),
          value: i,
        })),
      )
      .execute();
    await t.db
      .insertInto("metricSamples")
      .values({ metric: "test_metric", subject: "", at: new Date("2026-11-20T00:00:00Z"), value: 1 })
      .execute();
    await pruneMetricSamples(t.db, now);
    const { rows } = await sql<{ at: Date; value: number; resolutionSeconds: number }>`
      SELECT at, value, resolution_seconds FROM metric_samples WHERE metric = 'test_metric' ORDER BY at`.execute(
      t.db,
    );
    expect(rows).toEqual([{ at: old, value: 4.5, resolutionSeconds: 600 }]);
  });

  it("lists rules whose metric no source produces as not connected (extension points)", async () => {
    const registry = createMetricRegistry();
    await t.db
      .insertInto("alertRules")
      .values({
        key: "oversold",
        name: "Oversold orders",
        metric: "orders_oversold_open",
        comparison: "GT",
        threshold: 0,
        holdSeconds: 0,
        severity: "P1",
        volumeMetric: null,
        minVolume: null,
      })
      .execute();
    let rules = await listAlertRules(t.db, registry);
    expect(rules.find((r) => r.key === "oversold")?.connected).toBe(false);
    expect(rules.find((r) => r.key === "webhook_success")?.connected).toBe(true);
    registry.register({ name: "orders", metrics: ["orders_oversold_open"], read: () => Promise.resolve([]) });
    rules = await listAlertRules(t.db, registry);
    expect(rules.find((r) => r.key === "oversold")?.connected).toBe(true);
  });
});
