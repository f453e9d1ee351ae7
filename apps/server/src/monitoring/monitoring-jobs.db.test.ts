// The minute sampler as a real graphile-worker job: samples land in Postgres, a rule that holds
// fires, its notification job reaches a local HTTP receiver, and /metrics shows the samples.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { JOB } from "@radha/core/jobs";
import { enqueueJob } from "@radha/core/jobs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";
import { quantileFromBuckets } from "./request-stats";

let s: TestServer;
let receiver: Server;
let url: string;
const bodies: string[] = [];
beforeAll(async () => {
  s = await createTestServer();
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
});
afterAll(async () => {
  await s.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe("monitoring jobs", () => {
  it("samples, fires a held rule and delivers its notification through the worker", async () => {
    const admin = (await s.signIn("ADMIN")).caller;
    await admin.monitoring.createChannel({ kind: "SLACK", name: "ops-room", url, severities: ["P2"] });
    const memory = (await admin.monitoring.rules()).find((r) => r.key === "memory");
    if (!memory) throw new Error("seeded memory rule missing");
    // 1 MB with no hold: this process is always above it.
    await admin.monitoring.updateRule({
      id: memory.id,
      threshold: 1,
      holdSeconds: 0,
      reason: "test the pipeline",
    });
    for (let i = 0; i < 3; i++) await s.app.server.inject({ method: "GET", url: "/api/health/live" });

    await s.startWorker();
    await enqueueJob(s.deps.db, JOB.monitoringSample, {});
    await expect.poll(() => bodies.length, { timeout: 15_000, interval: 100 }).toBeGreaterThan(0);
    expect(JSON.parse(bodies[0] ?? "{}").text).toMatch(/\[P2 FIRING\] Memory above 512 MB/);

    const { rows } = await sql<{ metric: string }>`SELECT DISTINCT metric FROM metric_samples`.execute(
      s.deps.db,
    );
    const metrics = rows.map((r) => r.metric);
    for (const m of [
      "http_requests_per_minute",
      "http_latency_p95_seconds",
      "process_rss_mb",
      "db_pool_in_use",
      "pg_connections",
    ])
      expect(metrics, m).toContain(m);
    const { items } = await admin.monitoring.deliveries({});
    expect(items[0]).toMatchObject({ channelName: "ops-room", status: "SENT", attempts: 1 });

    const text = (await s.app.server.inject({ method: "GET", url: "/metrics" })).body;
    expect(text).toMatch(/radha_sampled_metric\{metric="process_rss_mb",subject=""\} \d/);
  });

  it("interpolates quantiles inside buckets", () => {
    const buckets: [number, number][] = [
      [0.1, 50],
      [0.5, 90],
      [1, 100],
      [Infinity, 100],
    ];
    expect(quantileFromBuckets(buckets, 0.5)).toBeCloseTo(0.1);
    expect(quantileFromBuckets(buckets, 0.95)).toBeCloseTo(0.75);
    expect(quantileFromBuckets([], 0.95)).toBe(0);
  });
});
