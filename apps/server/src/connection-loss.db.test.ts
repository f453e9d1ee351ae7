// A Postgres restart under webhook load, against an embedded Postgres this test owns (its own
// port and data folder; the machine's Postgres is never touched): requests during the outage
// get 503, the server and its worker reconnect by themselves, and every acknowledged event is
// stored and processed.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDb, migrate } from "@radha/core/db";
import { createMemoryStore } from "@radha/core/shared-store";
import { freePort, signStripe, stripePayloads, TEST_MASTER_KEY_BASE64 } from "@radha/core/testing";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@radha/dev-db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildApp, type App } from "./app";
import { createDeps, type AppDeps } from "./deps";
import { loadEnv } from "./env";
import { startWorker, type WorkerHandle } from "./jobs/worker";

const SECRET = "whsec_connection_loss";
const dataDir = path.join(tmpdir(), `radha-connloss-${randomBytes(4).toString("hex")}`);
let port = 0;
let pg: EmbeddedPostgres;
let deps: AppDeps;
let app: App;
let worker: WorkerHandle;

const startPg = () => startEmbeddedPostgres({ dataDir, port, log: () => undefined });

beforeAll(async () => {
  port = await freePort();
  pg = await startPg();
  const { db } = createDb({ connectionString: pg.url, max: 2 });
  await migrate(db, pg.url);
  await db.destroy();
  const env = {
    ...loadEnv({ STRIPE_WEBHOOK_SECRET: SECRET, OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64 }),
    LOG_LEVEL: "silent" as const,
  };
  deps = createDeps(env, { databaseUrl: pg.url, store: createMemoryStore() });
  app = await buildApp(deps, { logLevel: "silent" });
  worker = await startWorker(deps, pg.url, { concurrency: 2, pollInterval: 100, crontab: false });
}, 120_000);

afterAll(async () => {
  await worker.stop().catch(() => undefined);
  await app.stop().catch(() => undefined);
  await deps.close().catch(() => undefined);
  await pg.stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("survives a Postgres restart under webhook load: 503 during the outage, nothing acknowledged is lost", async () => {
  const acked = new Set<string>();
  const statuses = new Map<number, number>();
  const otherStatuses = new Map<string, number>();
  let sent = 0;
  let running = true;
  const sender = async (lane: number) => {
    while (running) {
      const body = JSON.stringify(stripePayloads.succeeded(`pi_loss_${lane}_${sent++}`));
      const res = await app.server.inject({
        method: "POST",
        url: "/api/webhooks/stripe",
        headers: { "content-type": "application/json", "stripe-signature": signStripe(body, SECRET) },
        payload: body,
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode === 200) acked.add(res.json<{ id: string }>().id);
      else await sleep(50); // a sender retries later
    }
  };
  // Other doors that read the database: a storefront read and readiness.
  const prober = async () => {
    while (running) {
      for (const url of ["/api/products?limit=1", "/api/health"]) {
        const res = await app.server.inject({ method: "GET", url });
        const key = `${url.split("?")[0]} ${res.statusCode}`;
        otherStatuses.set(key, (otherStatuses.get(key) ?? 0) + 1);
      }
      await sleep(100);
    }
  };
  const lanes = [0, 1, 2, 3].map(sender);
  const probing = prober();

  await sleep(1_000);
  await pg.stop(); // pg_ctl stop -m fast: every backend gets 57P01
  await sleep(1_500);
  pg = await startPg();
  const restartedAt = Date.now();
  await sleep(2_500);
  running = false;
  await Promise.all([...lanes, probing]);

  // Outage answers were 503 (senders retry), never 500; acknowledgements resumed after it.
  expect([...statuses.keys()].sort()).toEqual([200, 503]);
  expect(otherStatuses.get("/api/products 500")).toBeUndefined();
  expect(otherStatuses.get("/api/health 500")).toBeUndefined();
  expect(otherStatuses.get("/api/products 503")).toBeGreaterThan(0);
  const health = await app.server.inject({ method: "GET", url: "/api/health" });
  expect(health.statusCode).toBe(200);
  expect(Date.now() - restartedAt).toBeLessThan(20_000);

  // Every acknowledged event is stored, and the worker (which lost its connections too) processes all.
  const ids = [...acked];
  expect(ids.length).toBeGreaterThan(20);
  await expect
    .poll(
      async () => {
        const rows = await deps.db
          .selectFrom("webhookEvents")
          .select(["id", "status"])
          .where("id", "in", ids)
          .execute();
        return { stored: rows.length, pending: rows.filter((r) => r.status === "PENDING").length };
      },
      { timeout: 30_000, interval: 500 },
    )
    .toEqual({ stored: ids.length, pending: 0 });
}, 90_000);
