// Exposes the latest sampled value of every stored metric on /metrics (gauge
// `radha_sampled_metric{metric,subject}`), so a Prometheus sees what the console charts.
import { latestSamples } from "@radha/core/monitoring";
import type { Db } from "@radha/core/db";
import { Gauge, type Registry } from "prom-client";

export function registerSampledGauges(registry: Registry, db: Db): void {
  new Gauge({
    name: "radha_sampled_metric",
    help: "Latest value of each metric the minute sampler stored (last 5 minutes)",
    labelNames: ["metric", "subject"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const s of await latestSamples(db, 300))
          this.set({ metric: s.metric, subject: s.subject }, s.value);
      } catch {
        // Database down: /metrics still answers with the process metrics.
      }
    },
  });
}
