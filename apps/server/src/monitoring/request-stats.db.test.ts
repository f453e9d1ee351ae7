// Request metrics from every server instance: two instances on one database (as separate
// processes would be), requests to both, one sample with the summed count; a database that
// goes away makes flushes fail without losing what they carried.
import { createServer, type Server, type Socket, connect } from "node:net";
import { createDb } from "@radha/core/db";
import { sampleMetrics, type SampleRow } from "@radha/core/monitoring";
import { Counter, Histogram, Registry } from "prom-client";
import { TEST_MASTER_KEY_BASE64 } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../app";
import { createDeps, type AppDeps } from "../deps";
import { loadEnv } from "../env";
import { createTestServer, type TestServer } from "../testing";
import { createRequestStatsFlusher } from "./request-stats";

let a: TestServer;
let bDeps: AppDeps;
let b: App;
beforeAll(async () => {
  a = await createTestServer();
  // Instance B: its own pool, registry and flusher; it never samples (OPS_WORKER=off).
  bDeps = createDeps(
    loadEnv({ LOG_LEVEL: "silent", OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64, OPS_WORKER: "off" }),
    { databaseUrl: a.database.appUrl },
  );
  b = await buildApp(bDeps, { logLevel: "silent" });
  // A route that fails (500), for the error rate.
  b.server.get("/__boom", () => {
    throw new Error("boom");
  });
});
afterAll(async () => {
  await b.stop();
  await bDeps.close();
  await a.close();
});

const value = (samples: SampleRow[], metric: string) => samples.find((s) => s.metric === metric)?.value;

async function hit(app: App, url: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await app.server.inject({ method: "GET", url });
}

describe("request metrics across instances", () => {
  it("one sample carries the requests of both instances, summed, and each request is counted once", async () => {
    // Start from a clean slate: whatever the harness did is sampled away first.
    await b.flushRequestStats();
    await sampleMetrics(a.deps.db, a.deps.metricSources);

    await hit(a.app, "/api/products", 3);
    await hit(b, "/api/products", 5);
    await hit(b, "/api/products?limit=2", 2);
    await b.flushRequestStats(); // B's timer would do this within OPS_REQUEST_STATS_FLUSH_SECONDS
    const { samples } = await sampleMetrics(a.deps.db, a.deps.metricSources);
    expect(value(samples, "http_requests_per_minute")).toBe(10);
    expect(value(samples, "http_error_rate")).toBe(0);
    expect(value(samples, "http_latency_p95_seconds")).toBeGreaterThan(0);

    // Nothing since: the next minute counts zero (deltas are claimed once, never twice).
    const { samples: next } = await sampleMetrics(a.deps.db, a.deps.metricSources);
    expect(value(next, "http_requests_per_minute")).toBe(0);
  });

  it("B's requests are sampled by a worker-only registry too (no HTTP in the sampling process)", async () => {
    await hit(b, "/api/products", 4);
    await b.flushRequestStats();
    // createDeps registers the shared source on its own: what `pnpm worker` runs.
    const { samples } = await sampleMetrics(bDeps.db, bDeps.metricSources);
    expect(value(samples, "http_requests_per_minute")).toBe(4);
  });

  it("counts 5xx answers in the error rate of the merged sample", async () => {
    await hit(b, "/__boom", 1);
    await hit(a.app, "/api/products", 3);
    await b.flushRequestStats();
    const { samples } = await sampleMetrics(a.deps.db, a.deps.metricSources);
    expect(value(samples, "http_requests_per_minute")).toBe(4);
    expect(value(samples, "http_error_rate")).toBeCloseTo(0.25);
  });

  it("a database that goes away: flushes fail without a crash, and the next one carries the difference", async () => {
    // A TCP proxy in front of Postgres stands in for a restart: closing it drops every connection.
    const target = new URL(a.database.url);
    const sockets = new Set<Socket>();
    let proxy: Server | undefined;
    const openProxy = (port: number) =>
      new Promise<number>((resolve) => {
        proxy = createServer((client) => {
          const upstream = connect(Number(target.port || 5432), target.hostname);
          for (const sock of [client, upstream]) {
            sockets.add(sock);
            sock.on("close", () => sockets.delete(sock));
            sock.on("error", () => sock.destroy());
          }
          client.pipe(upstream).pipe(client);
        });
        proxy.listen(port, "127.0.0.1", () => {
          const address = proxy?.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      });
    const closeProxy = () =>
      new Promise<void>((resolve) => {
        for (const sock of sockets) sock.destroy();
        proxy?.close(() => resolve());
      });
    const port = await openProxy(0);
    const viaProxy = new URL(a.database.url);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(port);
    const { db } = createDb({ connectionString: viaProxy.toString(), max: 1 });

    const registry = new Registry();
    const duration = new Histogram({
      name: "http_request_duration_seconds",
      help: "test",
      buckets: [0.01, 0.1, 1],
      registers: [registry],
    });
    new Counter({ name: "http_request_errors_total", help: "test", registers: [registry] });
    const warnings: string[] = [];
    const flusher = createRequestStatsFlusher(db, registry, {
      intervalMs: 20,
      warn: (msg) => warnings.push(msg),
    });
    try {
      await sampleMetrics(a.deps.db, a.deps.metricSources); // clean slate
      for (let i = 0; i < 3; i++) duration.observe(0.05);
      await flusher.flush();

      await closeProxy();
      for (let i = 0; i < 2; i++) duration.observe(0.5);
      await expect(flusher.flush()).rejects.toThrow();
      flusher.start(); // the timer keeps failing quietly: one warning, no crash
      await expect.poll(() => warnings.length, { timeout: 5_000 }).toBe(1);

      await openProxy(port);
      duration.observe(0.005);
      await expect
        .poll(
          () =>
            flusher.flush().then(
              () => true,
              () => false,
            ),
          { timeout: 10_000 },
        )
        .toBe(true);
      await flusher.stop();
      const { samples } = await sampleMetrics(a.deps.db, a.deps.metricSources);
      expect(value(samples, "http_requests_per_minute")).toBe(6);
      expect(warnings).toHaveLength(1);
    } finally {
      await flusher.stop();
      await db.destroy().catch(() => undefined);
      await closeProxy();
    }
  });
});
