// A restore as the rest of the system sees it, checked in the middle of a real one: the storefront
// answers 503, ops changes are refused with a message saying a restore runs, webhook deliveries are
// still acknowledged and stored but not processed, and they survive the swap.
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { applyRestore, createBackup, dropDatabase, withAdmin, type DbopsConfig } from "@radha/core/dbops";
import { getFlag, setFlag } from "@radha/core/system";
import { createProduct, signStripe, stripePayloads } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestServer, type TestServer } from "./testing";

// pg_dump/pg_restore child processes: minutes, not seconds, on a loaded 2-core machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const STRIPE_SECRET = "whsec_restore_test";
let s: TestServer;
let config: DbopsConfig;
let oldDatabase: string | null = null;

beforeAll(async () => {
  s = await createTestServer({ env: { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET } });
  const dbops = s.deps.config.dbops;
  if (!dbops) throw new Error("the test server has no backup folder");
  config = dbops;
  await s.startWorker({ concurrency: 2 });
});

afterAll(async () => {
  await s.close();
  if (oldDatabase) await withAdmin(config, (admin) => dropDatabase(admin, oldDatabase ?? ""));
});

const stripeEvent = (paymentIntent: string) => {
  const body = JSON.stringify(stripePayloads.succeeded(paymentIntent));
  return s.app.server.inject({
    method: "POST",
    url: "/api/webhooks/stripe",
    headers: { "content-type": "application/json", "stripe-signature": signStripe(body, STRIPE_SECRET) },
    payload: body,
  });
};

const eventStatus = async (paymentIntent: string) =>
  (
    await s.database.db
      .selectFrom("webhookEvents")
      .select("status")
      .where("paymentReference", "=", paymentIntent)
      .executeTakeFirst()
  )?.status;

describe("during a restore", () => {
  it("storefront 503, ops mutations refused, webhooks acknowledged and stored but not processed", async () => {
    const admin = await s.signIn("ADMIN");
    for (let i = 0; i < 3; i++) await createProduct(s.database.db);
    const backup = await createBackup({ db: s.deps.db, config }, SYSTEM_ACTOR, { label: "test" });
    await createProduct(s.database.db);

    const seen: Record<string, unknown> = {};
    const report = await applyRestore(
      { db: s.deps.db, config },
      SYSTEM_ACTOR,
      { id: backup.id, apply: true, reason: "restore test" },
      {
        onStep: async (step) => {
          if (step.step !== "restore") return;
          // The restore writes its flags through core; the database announces them (NOTIFY on
          // commit) and the server's flag cache has them well before this step.
          const products = await s.app.server.inject({ method: "GET", url: "/api/products" });
          seen.storefront = products.statusCode;
          seen.mutation = await admin.caller.tokens.create({ name: "during-restore", role: "VIEWER" }).then(
            () => "allowed",
            (e: unknown) => e,
          );
          const delivery = await stripeEvent("pi_during_restore");
          seen.webhook = delivery.statusCode;
          // The worker runs; processing must wait.
          await new Promise((r) => setTimeout(r, 1_500));
          seen.statusDuring = await eventStatus("pi_during_restore");
        },
      },
    );
    oldDatabase = report.oldDatabase;
    expect(report.outcome).toBe("SUCCEEDED");
    expect(seen.storefront).toBe(503);
    expect(seen.mutation).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: expect.stringMatching(/A database restore is running/) as unknown,
    });
    expect(seen.webhook).toBe(200);
    expect(seen.statusDuring).toBe("PENDING");

    // After the swap: the restored data (3 products), the delivery carried over, maintenance on.
    const products = await s.database.db.selectFrom("products").select("id").execute();
    expect(products).toHaveLength(3);
    expect(await eventStatus("pi_during_restore")).toBe("PENDING");
    expect(report.steps.find((x) => x.step === "carry_webhooks")?.message).toMatch(/^1 webhook event/);
    expect(await getFlag(s.deps.db, "maintenance_mode")).toBe(true);
    expect((await s.app.server.inject({ method: "GET", url: "/api/products" })).statusCode).toBe(503);

    // The server's own pool reconnected: ops changes work again once the restore is over.
    await expect(
      admin.caller.tokens.create({ name: "after-restore", role: "VIEWER" }),
    ).resolves.toMatchObject({ token: expect.any(String) as unknown });
    await setFlag(s.deps.db, SYSTEM_ACTOR, {
      key: "maintenance_mode",
      value: false,
      reason: "restore checked",
    });
    // Heard through the flag cache's LISTEN connection, re-opened on the restored database.
    await expect
      .poll(async () => (await s.app.server.inject({ method: "GET", url: "/api/products" })).statusCode, {
        timeout: 1_000,
        interval: 20,
      })
      .toBe(200);
  });
});
