// Prometheus metrics: request duration by route template, request and error counters, process.
import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export function registerMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ["method", "route", "status_code"] as const;
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by route template",
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests",
    labelNames,
    registers: [registry],
  });
  const errors = new Counter({
    name: "http_request_errors_total",
    help: "HTTP responses with status >= 500",
    labelNames,
    registers: [registry],
  });

  app.addHook("onResponse", (req, reply, done) => {
    const route = req.routeOptions.url ?? "unmatched";
    // tRPC shares one route; the procedure path keeps the label set small and meaningful.
    const template = route.startsWith("/api/trpc/")
      ? `/api/trpc/${(req.params as { path?: string }).path ?? ""}`
      : route;
    const labels = {
      method: req.method,
      route: template.length > 120 ? `${template.slice(0, 117)}...` : template,
      status_code: String(reply.statusCode),
    };
    duration.observe(labels, reply.elapsedTime / 1000);
    requests.inc(labels);
    if (reply.statusCode >= 500) errors.inc(labels);
    done();
  });

  app.get("/metrics", async (_req, reply) =>
    reply.header("content-type", registry.contentType).send(await registry.metrics()),
  );
  return registry;
}
