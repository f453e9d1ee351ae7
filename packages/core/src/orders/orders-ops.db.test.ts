// Ops on orders: resolving the review queue, returning stock by hand, the order detail and the
// payment diagnosis, each change audited with its reason.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../audit/audit.service";
import {
  fixedSecretSource,
  createPendingOrder,
  createTestDatabase,
  razorpayPayloads,
  signRazorpay,
  signStripe,
  stripePayloads,
  stripeRefund,
  type TestDatabase,
} from "../testing/index";
import { createWebhookIntake } from "../webhooks/intake.service";
import { processWebhookEvent } from "../webhooks/process.service";
import { getWebhookHealth } from "../webhooks/webhooks.queries";
import { listOrders, listReviewEvents } from "./orders.queries";
import {
  checkPaymentsAttention,
  diagnosePaymentIssues,
  getOrderDetail,
  resolveReview,
  returnOrderStock,
} from "./orders.service";

const STRIPE = "whsec_ops_test";
const RAZORPAY = "rzp_ops_test";
const OPERATOR: Actor = { type: "USER", id: null, label: "ops@radha.test" };
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

async function deliver(provider: "STRIPE" | "RAZORPAY", event: object, eventId?: string) {
  const body = JSON.stringify(event);
  const headers =
    provider === "STRIPE"
      ? { "stripe-signature": signStripe(body, STRIPE) }
      : {
          "x-razorpay-signature": signRazorpay(body, RAZORPAY),
          ...(eventId ? { "x-razorpay-event-id": eventId } : {}),
        };
  const r = await createWebhookIntake(t.db, {
    ...fixedSecretSource(),
    active: (p) => Promise.resolve([{ id: null, secret: p === "STRIPE" ? STRIPE : RAZORPAY }]),
  }).receive({ provider, rawBody: Buffer.from(body), headers });
  if (!r.accepted) throw new Error(r.reason);
  await processWebhookEvent(t.db, r.eventId, { trigger: "AUTO", maxAttempts: 3, backoffBaseSeconds: 30 });
  return r.eventId;
}

const audits = (action: string) =>
  t.db
    .selectFrom("auditLog")
    .select(["action", "reason", "actorLabel"])
    .where("action", "=", action)
    .execute();

describe("the review queue", () => {
  it("accept as paid: the order is PAID with the amount received; audited with the reason", async () => {
    const o = await createPendingOrder(t.db);
    const eventId = await deliver("STRIPE", stripePayloads.succeeded(o.paymentReference, { amount: 399700 }));
    const queue = await listReviewEvents(t.db, {});
    expect(queue.items.map((i) => i.eventId)).toContain(eventId);
    expect(queue.items.find((i) => i.eventId === eventId)?.orderNumber).toBe(o.order.orderNumber);
    const result = await resolveReview(t.db, OPERATOR, {
      eventId,
      action: "ACCEPT_AS_PAID",
      reason: "customer paid ₹1 less by coupon",
    });
    expect(result).toMatchObject({
      resolution: "ACCEPTED_AS_PAID",
      orderId: o.order.id,
      orderStatus: "PAID",
    });
    const detail = await getOrderDetail(t.db, o.order.orderNumber);
    expect(detail).toMatchObject({ status: "PAID", paidMinor: 399700, refundedMinor: 0 });
    expect(detail.payments.map((p) => [p.status, p.amountMinor])).toEqual([["CAPTURED", 399700]]);
    expect(detail.ledger.map((l) => l.type)).toEqual(["RESERVATION", "RELEASE", "SALE"]);
    expect(detail.events).toEqual([
      expect.objectContaining({
        id: eventId,
        status: "PROCESSED",
        resolution: "ACCEPTED_AS_PAID",
        resolvedBy: "ops@radha.test",
      }),
    ]);
    expect(await audits("webhooks.review_resolved")).toEqual([
      {
        action: "webhooks.review_resolved",
        reason: "customer paid ₹1 less by coupon",
        actorLabel: "ops@radha.test",
      },
    ]);
    // Resolved once: a second resolution is refused.
    await expect(
      resolveReview(t.db, OPERATOR, { eventId, action: "DISMISS", reason: "again" }),
    ).rejects.toThrow(/not waiting for review/);
  });

  it("mark refunded: the payment is recorded as handed back and the order stays PENDING", async () => {
    const o = await createPendingOrder(t.db, { provider: "RAZORPAY" });
    const eventId = await deliver(
      "RAZORPAY",
      razorpayPayloads.captured(o.paymentReference, { amount: 100 }),
      "evt_mr",
    );
    await resolveReview(t.db, OPERATOR, {
      eventId,
      action: "MARK_REFUNDED",
      reason: "refunded ₹1 at Razorpay",
    });
    const detail = await getOrderDetail(t.db, o.order.id);
    expect(detail.status).toBe("PENDING");
    expect(detail.paidMinor).toBe(0);
    expect(detail.payments.map((p) => [p.status, p.amountMinor])).toEqual([["RETURNED", 100]]);
  });

  it("dismiss: the event is IGNORED, the order untouched", async () => {
    const o = await createPendingOrder(t.db);
    const eventId = await deliver(
      "STRIPE",
      stripePayloads.succeeded(o.paymentReference, { currency: "usd" }),
    );
    await resolveReview(t.db, OPERATOR, { eventId, action: "DISMISS", reason: "test payment from staff" });
    const ev = await t.db
      .selectFrom("webhookEvents")
      .select(["status", "resolution", "reviewReason"])
      .where("id", "=", eventId)
      .executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ status: "IGNORED", resolution: "DISMISSED" });
    expect(ev.reviewReason).toMatch(/received USD/);
    expect((await getOrderDetail(t.db, o.order.id)).status).toBe("PENDING");
  });

  it("health counts events in review apart from failures, and the payments check warns", async () => {
    const o = await createPendingOrder(t.db);
    await deliver("STRIPE", stripePayloads.succeeded(o.paymentReference, { amount: 5 }));
    const [stripe] = await getWebhookHealth(t.db, { windowHours: 1, minVolume: 1 });
    expect(stripe!.needsReview).toBeGreaterThanOrEqual(1);
    expect(stripe!.failed).toBe(0);
    expect(await checkPaymentsAttention(t.db)).toMatchObject({ status: "warn" });
  });
});

describe("returning stock by hand", () => {
  it("returns chosen items of a partially refunded order once per request key, never more than sold", async () => {
    const o = await createPendingOrder(t.db, { quantity: 3, stock: 5, unitPriceMinor: 100000 });
    await deliver("STRIPE", stripePayloads.succeeded(o.paymentReference, { amount: 300000 }));
    await expect(
      returnOrderStock(t.db, OPERATOR, {
        orderId: o.order.id,
        items: [{ itemId: o.item.id, quantity: 1 }],
        reason: "early",
      }),
    ).rejects.toThrow(/is PAID: stock is returned by hand only/);
    await deliver("STRIPE", stripePayloads.refundCreated(stripeRefund(o.paymentReference, 100000)));
    const input = {
      orderId: o.order.orderNumber,
      items: [{ itemId: o.item.id, quantity: 1 }],
      reason: "one saree came back",
      requestKey: "ret-1",
    };
    expect(await returnOrderStock(t.db, OPERATOR, input)).toMatchObject({
      repeated: false,
      returned: [{ quantity: 1 }],
    });
    expect(await returnOrderStock(t.db, OPERATOR, input)).toMatchObject({ repeated: true, returned: [] });
    await expect(
      returnOrderStock(t.db, OPERATOR, {
        ...input,
        requestKey: "ret-2",
        items: [{ itemId: o.item.id, quantity: 3 }],
      }),
    ).rejects.toThrow(/only 2 of item .* can be returned \(3 sold, 1 returned\)/);
    const detail = await getOrderDetail(t.db, o.order.id);
    expect(detail.ledger.map((l) => `${l.type} ${l.quantity}`)).toEqual([
      "RESERVATION 0",
      "RELEASE 0",
      "SALE -3",
      "RETURN 1",
    ]);
    expect(detail.items[0]).toMatchObject({ sold: 3, returned: 1 });
    // The full refund later returns only what is still out.
    await deliver("STRIPE", stripePayloads.refundCreated(stripeRefund(o.paymentReference, 200000)));
    const after = await getOrderDetail(t.db, o.order.id);
    expect(after.status).toBe("REFUNDED");
    expect(after.ledger.map((l) => `${l.type} ${l.quantity}`)).toEqual([
      "RESERVATION 0",
      "RELEASE 0",
      "SALE -3",
      "RETURN 1",
      "RETURN 2",
    ]);
    expect(await audits("orders.return_stock")).toHaveLength(1);
  });
});

describe("reads", () => {
  it("diagnosePaymentIssues lists recent failed payments by provider", async () => {
    const o = await createPendingOrder(t.db, { provider: "RAZORPAY" });
    await deliver("RAZORPAY", razorpayPayloads.failed(o.paymentReference), "evt_diag_f");
    const d = await diagnosePaymentIssues(t.db, { windowHours: 1 });
    const rzp = d.failedPayments.find((p) => p.provider === "RAZORPAY")!;
    expect(rzp.count).toBeGreaterThanOrEqual(1);
    expect(rzp.recent[0]).toMatchObject({
      providerPaymentId: o.paymentReference,
      orderNumber: o.order.orderNumber,
      failureReason: "Payment failed because the UPI app declined it",
    });
    expect(d.webhookStatus.some((w) => w.provider === "RAZORPAY" && w.status === "PROCESSED")).toBe(true);
    expect(d.needsReview).toBeGreaterThanOrEqual(1);
  });

  it("lists orders with filters and cursor paging", async () => {
    const page1 = await listOrders(t.db, { limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await listOrders(t.db, { limit: 2, cursor: page1.nextCursor });
    expect(page2.items.map((i) => i.id)).not.toContain(page1.items[0]!.id);
    const refunded = await listOrders(t.db, { filter: { status: "REFUNDED" } });
    expect(refunded.items.every((i) => i.status === "REFUNDED" && i.refundedMinor === i.paidMinor)).toBe(
      true,
    );
    const razorpay = await listOrders(t.db, { filter: { provider: "RAZORPAY" } });
    expect(razorpay.items.every((i) => i.paymentProvider === "RAZORPAY")).toBe(true);
  });
});
