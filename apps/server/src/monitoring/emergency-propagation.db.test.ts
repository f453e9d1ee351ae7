// Two server instances on one database and one shared store: an emergency stop made through one
// is honoured by the other within a second (pub/sub announcement; the database holds the value).
import { randomBytes } from "node:crypto";
import { createMemoryStore, createRedisStore, type SharedStore } from "@radha/core/shared-store";
import { TEST_MASTER_KEY_BASE64 } from "@radha/core/testing";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { setFlag } from "@radha/core/system";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../app";
import { createDeps, type AppDeps } from "../deps";
import { loadEnv } from "../env";
import { createTestServer, type TestServer } from "../testing";

const redisUrl = loadEnv().REDIS_URL;
// Each instance has its own connection, as separate processes would; a unique prefix keeps this
// test's channel to itself on a shared Redis. Without Redis, both share one in-memory store.
const prefix = `radha-test-${randomBytes(4).toString("hex")}:`;
const memory = redisUrl ? undefined : createMemoryStore();
const newStore = (): SharedStore =>
  redisUrl ? createRedisStore(redisUrl, prefix) : (memory ?? createMemoryStore());

let a: TestServer;
let bDeps: AppDeps;
let b: App;
beforeAll(async () => {
  a = await createTestServer({ store: newStore() });
  bDeps = createDeps(loadEnv({ LOG_LEVEL: "silent", OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64 }), {
    databaseUrl: a.database.url,
    store: newStore(),
  });
  b = await buildApp(bDeps, { logLevel: "silent" });
});
afterAll(async () => {
  await b.stop();
  await bDeps.close();
  await a.close();
});

async function storefrontStatus(app: App): Promise<number> {
  return (await app.server.inject({ method: "GET", url: "/api/products" })).statusCode;
}

describe("emergency flags across instances", () => {
  it(`stop-payments through instance A is honoured by instance B within one second (${redisUrl ? "redis" : "memory"})`, async () => {
    expect(await storefrontStatus(b)).toBe(200);
    // B serves flags from its cache; it hears of the change through the shared store and the
    // database's own NOTIFY.
    const admin = (await a.signIn("ADMIN")).caller;
    const t0 = performance.now();
    await admin.emergency.stopPayments({ reason: "fraud spike" });
    let elapsed = Infinity;
    while (performance.now() - t0 < 3_000) {
      if ((await storefrontStatus(b)) === 503) {
        elapsed = performance.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(elapsed).toBeLessThan(1_000);
    expect(await a.callerFor(await a.serviceToken("VIEWER")).emergency.state()).toEqual({
      paymentsEnabled: false,
      maintenanceMode: true,
    });

    const t1 = performance.now();
    await admin.emergency.resumePayments({});
    await expect.poll(() => storefrontStatus(b), { timeout: 1_000, interval: 10 }).toBe(200);
    expect(performance.now() - t1).toBeLessThan(1_000);
  });

  it("ops-style maintenance on/off reaches the other instance too", async () => {
    const admin = (await a.signIn("ADMIN")).caller;
    await admin.emergency.setMaintenance({ on: true, reason: "restore rehearsal" });
    await expect.poll(() => storefrontStatus(b), { timeout: 1_000, interval: 10 }).toBe(503);
    await admin.emergency.setMaintenance({ on: false, reason: "done" });
    await expect.poll(() => storefrontStatus(b), { timeout: 1_000, interval: 10 }).toBe(200);
  });

  it("a flag written through core alone (the CLI without REDIS_URL, a restore) reaches both instances within a second", async () => {
    // No shared-store announcement: only the database's NOTIFY (a trigger on system_config).
    const t0 = performance.now();
    await setFlag(a.database.db, SYSTEM_ACTOR, { key: "maintenance_mode", value: true, reason: "cli write" });
    await expect.poll(() => storefrontStatus(b), { timeout: 1_000, interval: 10 }).toBe(503);
    await expect.poll(() => storefrontStatus(a.app), { timeout: 1_000, interval: 10 }).toBe(503);
    expect(performance.now() - t0).toBeLessThan(1_000);
    // Even a hand-written SQL change is announced.
    await sql`UPDATE system_config SET value = 'false'::jsonb WHERE key = 'maintenance_mode'`.execute(
      a.database.db,
    );
    await expect.poll(() => storefrontStatus(b), { timeout: 1_000, interval: 10 }).toBe(200);
  });
});
