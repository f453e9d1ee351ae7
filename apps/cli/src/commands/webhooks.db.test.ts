// `ops webhooks …` as a child process against a fresh database: dry run, replay, health, list.
import { createFailedWebhookEvents, createTestDatabase, type TestDatabase } from "@radha/core/testing";
import { runOps } from "../testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let database: TestDatabase;

const ops = (...args: string[]) => runOps({ DATABASE_URL: database.url }, args);

const HOUR = 3_600_000;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe("ops webhooks", () => {
  it("dry run counts exactly the window; the replay pays every order once and keeps the history", async () => {
    const inWindow = await createFailedWebhookEvents(database.db, { count: 30, tag: "cliwin", receivedAt: new Date(Date.now() - 2 * HOUR) });
    await createFailedWebhookEvents(database.db, { count: 5, tag: "clioutside", receivedAt: new Date(Date.now() - 72 * HOUR) });
    const window = ["--provider", "stripe", "--from", iso(3 * HOUR), "--to", iso(1 * HOUR)];

    const dry = await ops("--json", "webhooks", "replay", ...window, "--dry-run");
    expect(dry.code).toBe(0);
    const preview = JSON.parse(dry.stdout) as { count: number; sample: { status: string }[] };
    expect(preview.count).toBe(30);
    expect(preview.sample.every((e) => e.status === "FAILED")).toBe(true);
    const human = await ops("webhooks", "replay", ...window, "--dry-run");
    expect(human.stdout).toMatch(/30 events would be replayed\. Dry run/);
    // Nothing changed.
    expect(await database.db.selectFrom("webhookReplayRuns").selectAll().execute()).toHaveLength(0);

    const real = await ops("--json", "webhooks", "replay", ...window, "--rate", "1000", "--concurrency", "4");
    expect(real.stderr).toMatch(/Replay run .*: 30 events at most 1000\/s/);
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout)).toMatchObject({ status: "COMPLETED", total: 30, done: 30, succeeded: 30, failed: 0 });

    const orders = await database.db.selectFrom("orders").select("status").where("id", "in", inWindow.orders.map((o) => o.id)).execute();
    expect(orders.every((o) => o.status === "PAID")).toBe(true);
    const attempts = await database.db.selectFrom("webhookAttempts").select(["trigger", "operator"]).where("eventId", "in", inWindow.eventIds).execute();
    expect(attempts).toHaveLength(30);
    expect(attempts.every((a) => a.trigger === "REPLAY" && a.operator?.startsWith("cli:"))).toBe(true);
    const audit = await database.db.selectFrom("auditLog").select(["action", "actorLabel"]).where("action", "=", "webhooks.replay_start").execute();
    expect(audit).toHaveLength(1);

    // Again: nothing left FAILED in the window, so nothing to do.
    const again = await ops("--json", "webhooks", "replay", ...window);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: "COMPLETED", total: 0 });
  });

  it("health: JSON per provider, and exit 1 with the reason when the success rate is below 95%", async () => {
    const ok = await ops("--json", "webhooks", "health", "--min-volume", "5");
    expect(ok.code).toBe(0);
    const rows = JSON.parse(ok.stdout) as { provider: string; total: number; processed: number; failed: number; successRate: number | null; alert: boolean }[];
    // The 30 replayed events are in the 24 h window; the 5 FAILED ones from 3 days ago are not.
    expect(rows).toMatchObject([
      { provider: "STRIPE", total: 30, processed: 30, failed: 0, successRate: 1, alert: false },
      { provider: "RAZORPAY", total: 0, successRate: null, alert: false },
    ]);

    await createFailedWebhookEvents(database.db, { count: 10, tag: "clihealth" });
    const alerting = await ops("webhooks", "health", "--min-volume", "5");
    expect(alerting.code).toBe(1);
    expect(alerting.stdout).toMatch(/STRIPE: success rate 75\.0% is below 95% over 40 decided events/);
    // Below the minimum volume a bad rate does not alert.
    expect((await ops("webhooks", "health", "--min-volume", "41")).code).toBe(0);
  });

  it("list filters by status and reference; bad flags are one clear line and exit 1", async () => {
    const listed = await ops("--json", "webhooks", "list", "--status", "failed", "--reference", "pi_clihealth_3");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ paymentReference: "pi_clihealth_3", status: "FAILED" }]);

    const badProvider = await ops("webhooks", "replay", "--provider", "paypal", "--dry-run");
    expect(badProvider.code).toBe(1);
    expect(badProvider.stderr).toMatch(/"paypal" is not a provider; use stripe or razorpay/);
    const badDate = await ops("webhooks", "replay", "--from", "yesterday", "--dry-run");
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toMatch(/from: Use an ISO 8601 time/);
    expect(badDate.stderr).not.toMatch(/at .*\.ts:/);
  });
});
