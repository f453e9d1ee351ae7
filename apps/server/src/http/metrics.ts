// Prometheus metrics: request duration by route template, request and error counters, process.
// Readable with `Authorization: Bearer <OPS_METRICS_TOKEN>`, or from loopback when that is unset.
import { createHash, timingSafeEqual } from "node:crypto";
import { bearerFrom } from "@radha/api";
import { DomainError } from "@radha/core/errors";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export interface MetricsOptions {
  /** tRPC procedure paths: each gets its own label; any other path under /api/trpc shares one. */
  procedures: ReadonlySet<string>;
  /** Bearer token that reads /metrics; unset: loopback clients only. */
  token?: string | undefined;
}

/** Labels for what no route matched, so random paths never add series. */
const UNMATCHED = "unmatched";
const TRPC_UNKNOWN = "/api/trpc/(unknown)";
const TRPC_BATCH = "/api/trpc/(batch)";

function routeLabel(req: FastifyRequest, procedures: ReadonlySet<string>): string {
  const route = req.routeOptions.url;
  if (route === undefined) return UNMATCHED;
  if (!route.startsWith("/api/trpc/")) return route;
  // tRPC shares one route; a known procedure's path keeps the label set small and meaningful.
  const path = (req.params as { path?: string } | undefined)?.path ?? "";
  if (procedures.has(path)) return `/api/trpc/${path}`;
  return path.includes(",") ? TRPC_BATCH : TRPC_UNKNOWN;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** The socket's own peer, never a forwarded header: a local proxy forwarding others is refused. */
function isDirectLoopback(req: FastifyRequest): boolean {
  const forwarded = req.headers["x-forwarded-for"] ?? req.headers.forwarded;
  return forwarded === undefined && LOOPBACK.test(req.socket.remoteAddress ?? "");
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function checkMetricsAccess(req: FastifyRequest, token: string | undefined): void {
  if (token === undefined) {
    if (!isDirectLoopback(req))
      throw new DomainError(
        "FORBIDDEN",
        "/metrics answers loopback clients only; set OPS_METRICS_TOKEN to scrape it remotely",
      );
    return;
  }
  const given = bearerFrom(req.headers.authorization);
  if (given === null || !sameSecret(given, token))
    throw new DomainError("UNAUTHENTICATED", "/metrics needs Authorization: Bearer <OPS_METRICS_TOKEN>");
}

export function registerMetrics(app: FastifyInstance, opts: MetricsOptions): Registry {
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
    const labels = {
      method: req.method,
      route: routeLabel(req, opts.procedures),
      status_code: String(reply.statusCode),
    };
    duration.observe(labels, reply.elapsedTime / 1000);
    requests.inc(labels);
    if (reply.statusCode >= 500) errors.inc(labels);
    done();
  });

  app.get("/metrics", async (req, reply) => {
    checkMetricsAccess(req, opts.token);
    return reply.header("content-type", registry.contentType).send(await registry.metrics());
  });
  return registry;
}
