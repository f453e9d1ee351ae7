// Processing as it happens in production: events arrive over HTTP, graphile-worker runs them.
// Order states and ledger rows prove every effect happened exactly once.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { enqueueJob, JOB, webhookJobKey } from "@radha/core/jobs";
import {
  createFailedWebhookEvents,
  createPendingOrder,
  razorpayPayloads,
  signRazorpay,
  signStripe,
  stripeEvent,
  stripePayloads,
  TEST_MASTER_KEY_BASE64,
} from "@radha/core/testing";
import { executeReplayRun, startReplay, sweepDueWebhooks } from "@radha/core/webhooks";
import type { Db } from "@radha/core/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";

const STRIPE_SECRET = "whsec_processing_test";
const RAZORPAY_SECRET = "rzp_processing_test";
const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

let s: TestServer;
beforeAll(async () => {
  s = await createTestServer({
    env: {
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      RAZORPAY_WEBHOOK_SECRET: RAZORPAY_SECRET,
      OPS_WEBHOOK_MAX_ATTEMPTS: "3",
      OPS_WEBHOOK_BACKOFF_SECONDS: "0.05",
    },
  });
  await s.startWorker({ concurrency: 4 });
});
afterAll(() => s.close());

async function sendStripe(event: object) {
  const body = JSON.stringify(event);
  const res = await s.app.server.inject({
    method: "POST",
    url: "/api/webhooks/stripe",
    headers: { "content-type": "application/json", "stripe-signature": signStripe(body, STRIPE_SECRET) },
    payload: body,
  });
  expect(res.statusCode).toBe(200);
  return res.json().id as string;
}

async function sendRazorpay(event: object, eventId?: string) {
  const body = JSON.stringify(event);
  const res = await s.app.server.inject({
    method: "POST",
    url: "/api/webhooks/razorpay",
    headers: {
      "content-type": "application/json",
      "x-razorpay-signature": signRazorpay(body, RAZORPAY_SECRET),
      ...(eventId ? { "x-razorpay-event-id": eventId } : {}),
    },
    payload: body,
  });
  expect(res.statusCode).toBe(200);
  return res.json().id as string;
}

async function settled(db: Db, ids: string[], timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await db
      .selectFrom("webhookEvents")
      .select(["id", "status", "nextAttemptAt"])
      .where("id", "in", ids)
      .execute();
    const done = rows.filter(
      (r) =>
        r.status === "PROCESSED" || r.status === "IGNORED" || (r.status === "FAILED" && !r.nextAttemptAt),
    );
    if (done.length === ids.length) return;
    if (Date.now() > deadline)
      throw new Error(`events not settled: ${JSON.stringify(rows.filter((r) => !done.includes(r)))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const orderStatus = async (id: string) =>
  (await s.database.db.selectFrom("orders").select("status").where("id", "=", id).executeTakeFirstOrThrow())
    .status;
const ledger = (orderId: string) =>
  s.database.db
    .selectFrom("inventoryTransactions")
    .select(["type", "quantity", "reservedDelta"])
    .where("orderId", "=", orderId)
    .orderBy("createdAt")
    .orderBy("id")
    .execute();

describe("effects of every handled event type", () => {
  it("Stripe: capture sells reserved stock once, even with a second success event; refund restocks once", async () => {
    const { order, variantId, paymentReference } = await createPendingOrder(s.database.db, {
      quantity: 2,
      stock: 10,
    });
    const ids = [
      await sendStripe(stripePayloads.succeeded(paymentReference)),
      await sendStripe(stripePayloads.checkoutCompleted(paymentReference, order.orderNumber)),
    ];
    await settled(s.database.db, ids);
    expect(await orderStatus(order.id)).toBe("PAID");
    expect((await ledger(order.id)).map((l) => l.type)).toEqual(["RESERVATION", "RELEASE", "SALE"]);
    // A failure that arrives after the capture never undoes the paid order.
    await settled(s.database.db, [await sendStripe(stripePayloads.failed(paymentReference))]);
    expect(await orderStatus(order.id)).toBe("PAID");
    await settled(s.database.db, [
      await sendStripe(stripePayloads.refunded(paymentReference)),
      await sendStripe(stripePayloads.refunded(paymentReference)),
    ]);
    expect(await orderStatus(order.id)).toBe("REFUNDED");
    expect((await ledger(order.id)).map((l) => l.type)).toEqual(["RESERVATION", "RELEASE", "SALE", "RETURN"]);
    const variant = await s.database.db
      .selectFrom("productVariants")
      .select(["stockQuantity", "reservedQuantity"])
      .where("id", "=", variantId)
      .executeTakeFirstOrThrow();
    expect(variant).toEqual({ stockQuantity: 10, reservedQuantity: 0 });
  });

  it("Stripe: a failed payment releases the reservation once", async () => {
    const { order, variantId, paymentReference } = await createPendingOrder(s.database.db, {
      quantity: 3,
      stock: 5,
    });
    await settled(s.database.db, [
      await sendStripe(stripePayloads.failed(paymentReference)),
      await sendStripe(stripePayloads.failed(paymentReference)),
    ]);
    expect(await orderStatus(order.id)).toBe("FAILED");
    expect((await ledger(order.id)).map((l) => l.type)).toEqual(["RESERVATION", "RELEASE"]);
    const variant = await s.database.db
      .selectFrom("productVariants")
      .select(["stockQuantity", "reservedQuantity"])
      .where("id", "=", variantId)
      .executeTakeFirstOrThrow();
    expect(variant).toEqual({ stockQuantity: 5, reservedQuantity: 0 });
  });

  it("Razorpay: payment.captured, order.paid, payment.failed and refund.processed", async () => {
    const paid = await createPendingOrder(s.database.db, { provider: "RAZORPAY" });
    const byReceipt = await createPendingOrder(s.database.db, { provider: "RAZORPAY" });
    const failed = await createPendingOrder(s.database.db, { provider: "RAZORPAY" });
    const ids = [
      await sendRazorpay(razorpayPayloads.captured(paid.paymentReference), "rzp_evt_a"),
      await sendRazorpay(
        razorpayPayloads.orderPaid("pay_unknown_to_us", byReceipt.order.orderNumber),
        "rzp_evt_b",
      ),
      await sendRazorpay(razorpayPayloads.failed(failed.paymentReference), "rzp_evt_c"),
    ];
    await settled(s.database.db, ids);
    expect([
      await orderStatus(paid.order.id),
      await orderStatus(byReceipt.order.id),
      await orderStatus(failed.order.id),
    ]).toEqual(["PAID", "PAID", "FAILED"]);
    await settled(s.database.db, [
      await sendRazorpay(razorpayPayloads.refunded(paid.paymentReference), "rzp_evt_d"),
    ]);
    expect(await orderStatus(paid.order.id)).toBe("REFUNDED");
  });

  it("an unknown event type is IGNORED and stays visible", async () => {
    const id = await sendStripe(stripeEvent("customer.created", { id: "cus_1", object: "customer" }));
    await settled(s.database.db, [id]);
    const row = await s.database.db
      .selectFrom("webhookEvents")
      .select(["status", "attemptCount"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "IGNORED", attemptCount: 1 });
  });
});

it("with payments switched off, events are stored but wait; no attempt is counted", async () => {
  const admin = await s.signIn("ADMIN");
  await admin.caller.system.setFlag({ key: "payments_enabled", value: false, reason: "provider incident" });
  try {
    const { order, paymentReference } = await createPendingOrder(s.database.db);
    const id = await sendStripe(stripePayloads.succeeded(paymentReference));
    await expect
      .poll(
        async () =>
          (
            await s.database.db
              .selectFrom("webhookEvents")
              .select(["status", "attemptCount", "nextAttemptAt"])
              .where("id", "=", id)
              .executeTakeFirstOrThrow()
          ).nextAttemptAt,
        { timeout: 10_000 },
      )
      .not.toBeNull();
    const row = await s.database.db
      .selectFrom("webhookEvents")
      .select(["status", "attemptCount"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "PENDING", attemptCount: 0 });
    expect(await orderStatus(order.id)).toBe("PENDING");
  } finally {
    await admin.caller.system.setFlag({ key: "payments_enabled", value: true, reason: "incident over" });
  }
});

describe("retries and replay", () => {
  it("retries with backoff up to the maximum, then waits for an operator; a replay keeps the history", async () => {
    const id = await sendStripe(stripePayloads.succeeded("pi_no_such_order"));
    await settled(s.database.db, [id]);
    const failed = await s.database.db
      .selectFrom("webhookEvents")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(failed).toMatchObject({ status: "FAILED", attemptCount: 3, nextAttemptAt: null });
    expect(failed.lastError).toMatch(/No order matches pi_no_such_order/);
    const attempts = await s.database.db
      .selectFrom("webhookAttempts")
      .select(["number", "trigger", "outcome", "startedAt"])
      .where("eventId", "=", id)
      .orderBy("number")
      .execute();
    expect(attempts.map((a) => [a.number, a.trigger, a.outcome])).toEqual([
      [1, "AUTO", "FAILED"],
      [2, "AUTO", "FAILED"],
      [3, "AUTO", "FAILED"],
    ]);
    // Backoff (base 0.05 s, doubling): each retry waited at least its scheduled delay.
    const gap1 = attempts[1]!.startedAt.getTime() - attempts[0]!.startedAt.getTime();
    const gap2 = attempts[2]!.startedAt.getTime() - attempts[1]!.startedAt.getTime();
    expect(gap1).toBeGreaterThanOrEqual(45);
    expect(gap2).toBeGreaterThanOrEqual(95);

    // The order turns up; an operator replays the event through the API.
    const { order } = await createPendingOrder(s.database.db);
    await s.database.db
      .updateTable("orders")
      .set({ paymentReference: "pi_no_such_order" })
      .where("id", "=", order.id)
      .execute();
    const operator = await s.signIn("OPERATOR");
    await expect(operator.caller.webhooks.replayOne({ id })).resolves.toMatchObject({ outcome: "PROCESSED" });
    const detail = await operator.caller.webhooks.get({ id });
    expect(detail).toMatchObject({ status: "PROCESSED", attemptCount: 4 });
    expect(detail.attempts.map((a) => a.trigger)).toEqual(["AUTO", "AUTO", "AUTO", "REPLAY"]);
    expect(detail.attempts[3]!.operator).toBe(operator.email);
    expect(await orderStatus(order.id)).toBe("PAID");
    // Replaying a processed event changes nothing.
    await expect(operator.caller.webhooks.replayOne({ id })).resolves.toMatchObject({ outcome: "SKIPPED" });
    expect((await operator.caller.webhooks.get({ id })).attemptCount).toBe(4);
  });
});

async function failedEvents(db: Db, n: number, tag: string) {
  const { orders, eventIds } = await createFailedWebhookEvents(db, { count: n, tag });
  return { orders, ids: eventIds };
}

describe("bulk replay", () => {
  it("the same 500 events through 4 overlapping replays on 2 workers: every effect exactly once", async () => {
    const t = await createTestServer();
    try {
      const { orders, ids } = await failedEvents(t.database.db, 500, "bulk");
      await t.startWorker({ concurrency: 2 });
      await t.startWorker({ concurrency: 2 });
      const operator = await t.signIn("OPERATOR");
      const filter = { provider: "STRIPE" as const, status: "FAILED" as const };
      expect(await operator.caller.webhooks.replayPreview({ filter })).toMatchObject({ count: 500 });
      const runs = await Promise.all(
        Array.from({ length: 4 }, () => operator.caller.webhooks.replayStart({ filter, concurrency: 4 })),
      );
      const deadline = Date.now() + 60_000;
      let finished = await Promise.all(runs.map((r) => operator.caller.webhooks.replayRun({ id: r.id })));
      while (finished.some((r) => r.status !== "COMPLETED")) {
        if (Date.now() > deadline) throw new Error(`replays did not finish: ${JSON.stringify(finished)}`);
        await new Promise((r) => setTimeout(r, 200));
        finished = await Promise.all(runs.map((r) => operator.caller.webhooks.replayRun({ id: r.id })));
      }
      expect(finished.reduce((sum, r) => sum + r.succeeded, 0)).toBe(500);
      expect(finished.reduce((sum, r) => sum + r.failed, 0)).toBe(0);
      const statuses = await t.database.db
        .selectFrom("orders")
        .select("status")
        .where(
          "id",
          "in",
          orders.map((o) => o.id),
        )
        .execute();
      expect(statuses.every((o) => o.status === "PAID")).toBe(true);
      const sales = await t.database.db
        .selectFrom("inventoryTransactions")
        .select(["orderId"])
        .where("type", "=", "SALE")
        .where(
          "orderId",
          "in",
          orders.map((o) => o.id),
        )
        .execute();
      expect(sales).toHaveLength(500);
      expect(new Set(sales.map((x) => x.orderId)).size).toBe(500);
      const events = await t.database.db
        .selectFrom("webhookEvents")
        .select(["status", "attemptCount"])
        .where("id", "in", ids)
        .execute();
      expect(events.every((e) => e.status === "PROCESSED" && e.attemptCount === 2)).toBe(true);
      // Each event was replayed once, by the operator who started the run that won it.
      const replays = await t.database.db
        .selectFrom("webhookAttempts")
        .select(["eventId", "operator", "replayRunId"])
        .where("eventId", "in", ids)
        .where("trigger", "=", "REPLAY")
        .execute();
      expect(replays).toHaveLength(500);
      expect(
        replays.every((a) => a.operator === operator.email && runs.some((r) => r.id === a.replayRunId)),
      ).toBe(true);
    } finally {
      await t.close();
    }
  });

  it("a cancelled replay stops and says how far it got", async () => {
    const t = await createTestServer();
    try {
      await failedEvents(t.database.db, 40, "cancel");
      const run = await startReplay(
        t.database.db,
        SYSTEM_ACTOR,
        { filter: { status: "FAILED" }, ratePerSecond: 20, concurrency: 1 },
        { enqueue: false },
      );
      const execution = executeReplayRun(t.database.db, run.id, {
        ...t.deps.config.webhookProcessing,
        batchSize: 10,
      });
      await new Promise((r) => setTimeout(r, 300));
      const operator = await t.signIn("OPERATOR");
      await operator.caller.webhooks.replayCancel({ id: run.id });
      const final = await execution;
      expect(final.status).toBe("CANCELLED");
      expect(final.done).toBeGreaterThan(0);
      expect(final.done).toBeLessThan(40);
    } finally {
      await t.close();
    }
  });
});

it("a worker killed mid-batch: after restart every event settles and no effect is doubled", async () => {
  const t = await createTestServer();
  try {
    const { orders, ids } = await failedEvents(t.database.db, 300, "kill");
    await t.database.db
      .updateTable("webhookEvents")
      .set({ status: "PENDING", attemptCount: 0, lastError: null })
      .where("id", "in", ids)
      .execute();
    for (const id of ids)
      await enqueueJob(t.database.db, JOB.webhookProcess, { eventId: id }, { jobKey: webhookJobKey([id]) });

    const child = spawn(process.execPath, ["--import", "tsx", "src/worker-main.ts"], {
      cwd: SERVER_DIR,
      env: {
        // eslint-disable-next-line no-restricted-properties -- the worker child inherits this environment, with the test database
        ...process.env,
        DATABASE_URL: t.database.url,
        OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64,
        OPS_WORKER_CONCURRENCY: "4",
        LOG_LEVEL: "silent",
      },
      stdio: "ignore",
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { n } = await t.database.db
        .selectFrom("webhookEvents")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("id", "in", ids)
        .where("status", "=", "PROCESSED")
        .executeTakeFirstOrThrow();
      if (Number(n) >= 20) break;
      if (Date.now() > deadline) throw new Error("the child worker processed nothing");
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    // Restart: the sweep re-queues what the dead worker held; a new worker finishes the rest.
    await sweepDueWebhooks(t.database.db, { pendingOlderThanMs: 0 });
    await t.startWorker({ concurrency: 4 });
    await settled(t.database.db, ids, 60_000);
    const events = await t.database.db
      .selectFrom("webhookEvents")
      .select("status")
      .where("id", "in", ids)
      .execute();
    expect(events.every((e) => e.status === "PROCESSED")).toBe(true);
    const sales = await t.database.db
      .selectFrom("inventoryTransactions")
      .select("orderId")
      .where("type", "=", "SALE")
      .where(
        "orderId",
        "in",
        orders.map((o) => o.id),
      )
      .execute();
    expect(sales).toHaveLength(300);
  } finally {
    await t.close();
  }
}, 120_000);
