// `ops webhooks …` as a child process against a fresh database: dry run, in-process replay, health, list, usage errors.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Db } from "@radha/core/db";
import {
  createPendingOrder,
  createTestDatabase,
  storeWebhookEvent,
  stripePayloads,
  type TestDatabase,
} from "@radha/core/testing";
import type {
  TProviderHealth,
  TReplayPreview,
  TReplayRun,
  TWebhookEventSummary,
} from "@radha/core/webhooks/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const OPS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/ops.mjs");

let database: TestDatabase;

function ops(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Fast retries so a failing replay settles quickly; stdout/stderr are pipes, so no TTY progress bar.
  const env = {
    DATABASE_URL: database.url,
    // eslint-disable-next-line no-restricted-properties -- the ops child gets only PATH from here; the test sets the rest
    PATH: process.env.PATH ?? "",
    OPS_WEBHOOK_MAX_ATTEMPTS: "8",
    OPS_WEBHOOK_BACKOFF_SECONDS: "1",
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [OPS, ...args], { env, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A stored Stripe event that already failed `attempts` times, as intake + processing would leave it. */
const insertFailedStripeEvent = (
  db: Db,
  opts: { paymentReference: string; receivedAt: Date; attempts?: number; type?: "succeeded" | "failed" },
) =>
  storeWebhookEvent(db, {
    provider: "STRIPE",
    payload: stripePayloads[opts.type ?? "succeeded"](opts.paymentReference),
    paymentReference: opts.paymentReference,
    status: "FAILED",
    attempts: opts.attempts ?? 2,
    receivedAt: opts.receivedAt,
  });

const WINDOW_FROM = "2026-01-10T00:00:00Z";
const WINDOW_TO = "2026-01-10T12:00:00Z";
const inWindow = (hour: number) => new Date(`2026-01-10T${String(hour).padStart(2, "0")}:00:00Z`);

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

describe("ops webhooks replay", () => {
  it("dry run counts the window's failed Stripe events; the real run pays the orders and keeps history", async () => {
    const db = database.db;
    const a = await createPendingOrder(db, { provider: "STRIPE" });
    const b = await createPendingOrder(db, { provider: "STRIPE" });
    const outside = await createPendingOrder(db, { provider: "STRIPE" });
    const evA = await insertFailedStripeEvent(db, {
      paymentReference: a.paymentReference,
      receivedAt: inWindow(3),
      attempts: 2,
    });
    const evB = await insertFailedStripeEvent(db, {
      paymentReference: b.paymentReference,
      receivedAt: inWindow(9),
      attempts: 5,
    });
    // Outside the window: must not be touched.
    const evOut = await insertFailedStripeEvent(db, {
      paymentReference: outside.paymentReference,
      receivedAt: new Date("2026-01-11T00:00:00Z"),
    });

    const dry = await ops(
      "webhooks",
      "replay",
      "--provider",
      "stripe",
      "--from",
      WINDOW_FROM,
      "--to",
      WINDOW_TO,
      "--dry-run",
      "--json",
    );
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    const preview = JSON.parse(dry.stdout) as TReplayPreview;
    expect(preview.count).toBe(2);
    expect(preview.sample.map((e) => e.id).sort()).toEqual([evA.id, evB.id].sort());
    // Nothing changed.
    expect(
      (await db.selectFrom("orders").select("status").where("id", "=", a.order.id).executeTakeFirstOrThrow())
        .status,
    ).toBe("PENDING");
    expect(await db.selectFrom("webhookReplayRuns").selectAll().execute()).toEqual([]);

    const human = await ops(
      "webhooks",
      "replay",
      "--provider",
      "stripe",
      "--from",
      WINDOW_FROM,
      "--to",
      WINDOW_TO,
      "--dry-run",
    );
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("2 events would be replayed");
    expect(human.stdout).toContain(a.paymentReference);

    const real = await ops(
      "webhooks",
      "replay",
      "--provider",
      "stripe",
      "--from",
      WINDOW_FROM,
      "--to",
      WINDOW_TO,
      "--concurrency",
      "2",
      "--json",
    );
    expect(real.stderr).toBe("");
    expect(real.code).toBe(0);
    const run = JSON.parse(real.stdout) as TReplayRun;
    expect(run).toMatchObject({
      status: "COMPLETED",
      total: 2,
      done: 2,
      succeeded: 2,
      failed: 0,
      skipped: 0,
      concurrency: 2,
    });
    expect(run.filter).toMatchObject({
      provider: "STRIPE",
      status: "FAILED",
      from: "2026-01-10T00:00:00.000Z",
      to: "2026-01-10T12:00:00.000Z",
    });

    for (const [order, ev, before] of [
      [a, evA, 2],
      [b, evB, 5],
    ] as const) {
      expect(
        (
          await db
            .selectFrom("orders")
            .select("status")
            .where("id", "=", order.order.id)
            .executeTakeFirstOrThrow()
        ).status,
      ).toBe("PAID");
      const after = await db
        .selectFrom("webhookEvents")
        .selectAll()
        .where("id", "=", ev.id)
        .executeTakeFirstOrThrow();
      expect(after).toMatchObject({
        status: "PROCESSED",
        attemptCount: before + 1,
        lastError: null,
        orderId: order.order.id,
      });
      // The earlier AUTO attempts stay; the replay adds one more after them.
      const attempts = await db
        .selectFrom("webhookAttempts")
        .selectAll()
        .where("eventId", "=", ev.id)
        .orderBy("number")
        .execute();
      expect(attempts.map((a) => a.trigger)).toEqual([...Array<string>(before).fill("AUTO"), "REPLAY"]);
      expect(attempts.at(-1)).toMatchObject({
        number: before + 1,
        trigger: "REPLAY",
        replayRunId: run.id,
        outcome: "PROCESSED",
      });
    }
    expect(
      (
        await db
          .selectFrom("orders")
          .select("status")
          .where("id", "=", outside.order.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe("PENDING");
    expect(
      await db
        .selectFrom("webhookEvents")
        .select(["status", "attemptCount"])
        .where("id", "=", evOut.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: "FAILED", attemptCount: 2 });
    const audit = await db
      .selectFrom("auditLog")
      .selectAll()
      .where("action", "=", "webhooks.replay_start")
      .where("targetId", "=", run.id)
      .executeTakeFirstOrThrow();
    expect(audit.actorLabel).toMatch(/^cli:/);

    // A second run finds nothing left to replay.
    const again = await ops(
      "webhooks",
      "replay",
      "--provider",
      "stripe",
      "--from",
      WINDOW_FROM,
      "--to",
      WINDOW_TO,
      "--dry-run",
      "--json",
    );
    expect((JSON.parse(again.stdout) as TReplayPreview).count).toBe(0);
  });

  it("without --json prints progress lines and the failures it could not fix, still exiting 0", async () => {
    // No order has this payment id: the replay fails again and the attempt is recorded.
    const orphan = `pi_${randomBytes(6).toString("hex")}`;
    const ev = await insertFailedStripeEvent(database.db, {
      paymentReference: orphan,
      receivedAt: new Date("2026-02-01T10:00:00Z"),
      attempts: 1,
    });
    const r = await ops(
      "webhooks",
      "replay",
      "--provider",
      "stripe",
      "--from",
      "2026-02-01T00:00:00Z",
      "--to",
      "2026-02-01T23:59:59Z",
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Replay run [0-9a-f-]{36}: 1 event to replay/);
    expect(r.stderr).toContain("replay: 1/1 done: 0 succeeded, 1 failed, 0 skipped");
    expect(r.stdout).toMatch(
      /Replay run [0-9a-f-]{36} completed: 1\/1 done: 0 succeeded, 1 failed, 0 skipped/,
    );
    expect(r.stdout).toContain("1 event is still failing");
    const after = await database.db
      .selectFrom("webhookEvents")
      .select(["status", "attemptCount", "lastError"])
      .where("id", "=", ev.id)
      .executeTakeFirstOrThrow();
    expect(after.status).toBe("FAILED");
    expect(after.attemptCount).toBe(2);
    expect(after.lastError).toContain(orphan);
  });

  it("rejects a bad time, provider or range with a clear message and exit 2", async () => {
    const badFrom = await ops(
      "webhooks",
      "replay",
      "--provider",
      "stripe",
      "--from",
      "yesterday",
      "--to",
      WINDOW_TO,
      "--dry-run",
    );
    expect(badFrom.code).toBe(2);
    expect(badFrom.stderr).toContain(
      '--from "yesterday" is not an ISO 8601 time with a zone, e.g. 2026-11-28T10:00:00Z',
    );

    const noZone = await ops(
      "webhooks",
      "replay",
      "--provider",
      "stripe",
      "--from",
      "2026-01-10T00:00:00",
      "--to",
      WINDOW_TO,
      "--dry-run",
    );
    expect(noZone.code).toBe(2);
    expect(noZone.stderr).toContain("is not an ISO 8601 time with a zone");

    const badProvider = await ops(
      "webhooks",
      "replay",
      "--provider",
      "paypal",
      "--from",
      WINDOW_FROM,
      "--to",
      WINDOW_TO,
    );
    expect(badProvider.code).toBe(2);
    expect(badProvider.stderr).toContain('--provider "paypal" is not a provider; use stripe or razorpay.');

    const reversed = await ops(
      "webhooks",
      "replay",
      "--provider",
      "stripe",
      "--from",
      WINDOW_TO,
      "--to",
      WINDOW_FROM,
    );
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain("is after --to");

    const missing = await ops("webhooks", "replay", "--provider", "stripe", "--from", WINDOW_FROM);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--to <time>'");

    for (const r of [badFrom, noZone, badProvider, reversed, missing]) {
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // Nothing was started by any of them.
    const runs = await database.db.selectFrom("webhookReplayRuns").select("id").execute();
    expect(runs).toHaveLength(2);
  });
});

describe("ops webhooks health and list", () => {
  it("health --json gives one row per provider; exit 3 when a provider is in alert", async () => {
    const healthy = await ops("webhooks", "health", "--window", "720", "--json");
    expect(healthy.stderr).toBe("");
    const rows = JSON.parse(healthy.stdout) as TProviderHealth[];
    expect(rows.map((r) => r.provider)).toEqual(["STRIPE", "RAZORPAY"]);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual([
        "alert",
        "alertReason",
        "failed",
        "ignored",
        "needsReview",
        "oldestPendingSeconds",
        "p50LatencyMs",
        "p95LatencyMs",
        "pending",
        "processed",
        "provider",
        "successRate",
        "total",
      ]);
    }
    // Events received just now, so they fall inside any window: 1 processed, 1 failed.
    const order = await createPendingOrder(database.db, { provider: "STRIPE" });
    await insertFailedStripeEvent(database.db, {
      paymentReference: `pi_${randomBytes(6).toString("hex")}`,
      receivedAt: new Date(),
    });
    await insertFailedStripeEvent(database.db, {
      paymentReference: order.paymentReference,
      receivedAt: new Date(),
    });
    const now = new Date();
    const replayed = await ops(
      "webhooks",
      "replay",
      "--provider",
      "stripe",
      "--from",
      new Date(now.getTime() - 60_000).toISOString(),
      "--to",
      new Date(now.getTime() + 60_000).toISOString(),
      "--json",
    );
    expect(JSON.parse(replayed.stdout)).toMatchObject({ succeeded: 1, failed: 1 });

    // Below the default minimum volume: no alert, exit 0.
    const quiet = await ops("webhooks", "health", "--window", "1", "--json");
    expect(quiet.code).toBe(0);
    const stripeQuiet = (JSON.parse(quiet.stdout) as TProviderHealth[]).find((r) => r.provider === "STRIPE");
    expect(stripeQuiet).toMatchObject({ total: 2, processed: 1, failed: 1, successRate: 0.5, alert: false });

    const alerting = await ops("webhooks", "health", "--window", "1", "--min-volume", "2");
    expect(alerting.code).toBe(3);
    expect(alerting.stdout).toMatch(/stripe .*50\.0%/);
    expect(alerting.stdout).toContain("ALERT: success rate 50.0% is below 95%");
    expect(alerting.stdout).toMatch(/razorpay .*ok/);
  });

  it("list filters by status and provider and pages with --limit", async () => {
    const failed = await ops("webhooks", "list", "--status", "failed", "--provider", "stripe", "--json");
    expect(failed.code).toBe(0);
    const page = JSON.parse(failed.stdout) as { items: TWebhookEventSummary[]; nextCursor: string | null };
    expect(page.items.length).toBeGreaterThanOrEqual(3);
    expect(page.items.every((e) => e.status === "FAILED" && e.provider === "STRIPE")).toBe(true);
    expect(page.nextCursor).toBeNull();

    const limited = await ops("webhooks", "list", "--limit", "1", "--json");
    const one = JSON.parse(limited.stdout) as { items: TWebhookEventSummary[]; nextCursor: string | null };
    expect(one.items).toHaveLength(1);
    expect(one.nextCursor).not.toBeNull();
    const next = await ops("webhooks", "list", "--limit", "1", "--cursor", one.nextCursor!, "--json");
    const two = JSON.parse(next.stdout) as { items: TWebhookEventSummary[] };
    expect(two.items).toHaveLength(1);
    expect(two.items[0]!.id).not.toBe(one.items[0]!.id);
    expect((await ops("webhooks", "list", "--limit", "1")).stdout).toContain(
      `More: pass --cursor ${one.nextCursor!}`,
    );
    const tampered = await ops("webhooks", "list", "--cursor", "garbage");
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain("This cursor is not valid; start again from the first page");

    const human = await ops("webhooks", "list", "--status", "PROCESSED");
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("payment_intent.succeeded");
    expect(human.stdout).toMatch(/\d+ events?\./);

    const badStatus = await ops("webhooks", "list", "--status", "DONE");
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain(
      '--status "DONE" is not an event status; use one of PENDING, PROCESSING, PROCESSED, FAILED, IGNORED, NEEDS_REVIEW.',
    );
  });
});
