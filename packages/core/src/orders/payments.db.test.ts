// Payment events as the providers send them (real-shaped objects, signed with the SDKs, through
// the intake) and what they do: order status, payment and refund rows, ledger rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPendingOrder,
  createTestDatabase,
  fixedSecretSource,
  razorpayPayloads,
  signRazorpay,
  signStripe,
  stripePayloads,
  stripeRefund,
  type TestDatabase,
} from "../testing/index";
import { createWebhookIntake } from "../webhooks/intake.service";
import { processWebhookEvent } from "../webhooks/process.service";

const STRIPE = "whsec_payments_test";
const RAZORPAY = "rzp_payments_test";
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const intake = () =>
  createWebhookIntake(t.db, {
    ...fixedSecretSource(),
    active: (p) => Promise.resolve([{ id: null, secret: p === "STRIPE" ? STRIPE : RAZORPAY }]),
  });
const OPTS = { trigger: "AUTO" as const, maxAttempts: 3, backoffBaseSeconds: 30 };

async function receive(provider: "STRIPE" | "RAZORPAY", event: object, eventId?: string) {
  const body = JSON.stringify(event);
  const headers =
    provider === "STRIPE"
      ? { "stripe-signature": signStripe(body, STRIPE) }
      : {
          "x-razorpay-signature": signRazorpay(body, RAZORPAY),
          ...(eventId ? { "x-razorpay-event-id": eventId } : {}),
        };
  const r = await intake().receive({ provider, rawBody: Buffer.from(body), headers });
  if (!r.accepted) throw new Error(r.reason);
  return r;
}

/** Receives and processes one event; answers the processing outcome and the stored event. */
async function deliver(provider: "STRIPE" | "RAZORPAY", event: object, eventId?: string) {
  const r = await receive(provider, event, eventId);
  const result = await processWebhookEvent(t.db, r.eventId, OPTS);
  const ev = await t.db
    .selectFrom("webhookEvents")
    .select(["id", "status", "reviewReason", "lastError", "nextAttemptAt", "orderId"])
    .where("id", "=", r.eventId)
    .executeTakeFirstOrThrow();
  return { result, ev };
}

const order = (id: string) =>
  t.db
    .selectFrom("orders")
    .select(["status", "oversoldAt", "oversoldItems", "paymentProvider"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
const payments = (orderId: string) =>
  t.db
    .selectFrom("payments")
    .select(["providerPaymentId", "amountMinor", "currency", "status"])
    .where("orderId", "=", orderId)
    .orderBy("createdAt")
    .execute();
const refunds = (orderId: string) =>
  t.db
    .selectFrom("refunds")
    .select(["providerRefundId", "amountMinor", "placeholder"])
    .where("orderId", "=", orderId)
    .orderBy("createdAt")
    .execute();
const ledger = async (orderId: string) =>
  (
    await t.db
      .selectFrom("inventoryTransactions")
      .select(["type", "quantity", "reservedDelta"])
      .where("orderId", "=", orderId)
      .orderBy("id")
      .execute()
  ).map(
    (l) => `${l.type} ${l.type === "RESERVATION" || l.type === "RELEASE" ? l.reservedDelta : l.quantity}`,
  );
const stock = (variantId: string) =>
  t.db
    .selectFrom("productVariants")
    .select(["stockQuantity", "reservedQuantity"])
    .where("id", "=", variantId)
    .executeTakeFirstOrThrow();

describe("money is checked against the order", () => {
  it("full payment (Stripe payment_intent.succeeded): PAID, one CAPTURED payment, reservation becomes a sale", async () => {
    const o = await createPendingOrder(t.db, { quantity: 2, stock: 10 });
    const { result } = await deliver(
      "STRIPE",
      stripePayloads.succeeded(o.paymentReference, { amount: 399800 }),
    );
    expect(result.outcome).toBe("PROCESSED");
    expect((await order(o.order.id)).status).toBe("PAID");
    expect(await payments(o.order.id)).toEqual([
      { providerPaymentId: o.paymentReference, amountMinor: 399800, currency: "INR", status: "CAPTURED" },
    ]);
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2", "RELEASE -2", "SALE -2"]);
    // checkout.session.completed for the same payment changes nothing more.
    const again = await deliver(
      "STRIPE",
      stripePayloads.checkoutCompleted(o.paymentReference, o.order.orderNumber),
    );
    expect(again.result.outcome).toBe("PROCESSED");
    expect(await payments(o.order.id)).toHaveLength(1);
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2", "RELEASE -2", "SALE -2"]);
  });

  it("full payment (Razorpay payment.captured) matched by the Razorpay order id the order was created with", async () => {
    const o = await createPendingOrder(t.db, { provider: "RAZORPAY", paymentReference: "order_RzpFull01" });
    const { result } = await deliver(
      "RAZORPAY",
      razorpayPayloads.captured("pay_RzpFull01", { orderId: "order_RzpFull01" }),
      "evt_rzp_full",
    );
    expect(result.outcome).toBe("PROCESSED");
    expect((await order(o.order.id)).status).toBe("PAID");
    expect(await payments(o.order.id)).toEqual([
      { providerPaymentId: "pay_RzpFull01", amountMinor: 399800, currency: "INR", status: "CAPTURED" },
    ]);
  });

  it("short amount: NEEDS_REVIEW with expected vs received; the order stays PENDING and keeps its hold", async () => {
    const o = await createPendingOrder(t.db, { quantity: 2, stock: 10 });
    const { result, ev } = await deliver(
      "STRIPE",
      stripePayloads.succeeded(o.paymentReference, { amount: 100 }),
    );
    expect(result.outcome).toBe("NEEDS_REVIEW");
    expect(ev.status).toBe("NEEDS_REVIEW");
    expect(ev.nextAttemptAt).toBeNull();
    expect(ev.reviewReason).toBe(
      `amount mismatch for order ${o.order.orderNumber}: expected INR 3998.00, received INR 1.00`,
    );
    expect((await order(o.order.id)).status).toBe("PENDING");
    expect(await payments(o.order.id)).toEqual([]);
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2"]);
  });

  it("other currency: NEEDS_REVIEW, not paid", async () => {
    const o = await createPendingOrder(t.db, { provider: "RAZORPAY" });
    const { ev } = await deliver(
      "RAZORPAY",
      razorpayPayloads.captured(o.paymentReference, { amount: 399800, currency: "USD" }),
      "evt_rzp_usd",
    );
    expect(ev.status).toBe("NEEDS_REVIEW");
    expect(ev.reviewReason).toMatch(/expected INR 3998\.00, received USD 3998\.00/);
    expect((await order(o.order.id)).status).toBe("PENDING");
    expect(await payments(o.order.id)).toEqual([]);
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2"]);
  });

  it("cross-provider order reference: a Razorpay note naming a Stripe order never pays it", async () => {
    const stripeOrder = await createPendingOrder(t.db, { provider: "STRIPE" });
    const { ev } = await deliver(
      "RAZORPAY",
      razorpayPayloads.captured("pay_CrossProv01", {
        amount: 100,
        orderNumber: stripeOrder.order.orderNumber,
      }),
      "evt_rzp_cross",
    );
    expect(ev.status).toBe("NEEDS_REVIEW");
    expect(ev.reviewReason).toBe(
      `RAZORPAY event names order ${stripeOrder.order.orderNumber}, which is paid through STRIPE: not applied`,
    );
    expect((await order(stripeOrder.order.id)).status).toBe("PENDING");
    expect(await payments(stripeOrder.order.id)).toEqual([]);
    expect(await ledger(stripeOrder.order.id)).toEqual(["RESERVATION 2"]);
  });

  it("a sanitized payload without an amount goes to review", async () => {
    const o = await createPendingOrder(t.db);
    const event = stripePayloads.succeeded(o.paymentReference);
    const body = JSON.stringify(event)
      .replace('"amount":399800', '"amount":1e1000000')
      .replace('"amount_received":399800', '"amount_received":1e1000000');
    const r = await intake().receive({
      provider: "STRIPE",
      rawBody: Buffer.from(body),
      headers: { "stripe-signature": signStripe(body, STRIPE) },
    });
    if (!r.accepted) throw new Error(r.reason);
    expect((await processWebhookEvent(t.db, r.eventId, OPTS)).outcome).toBe("NEEDS_REVIEW");
    expect((await order(o.order.id)).status).toBe("PENDING");
  });
});

describe("refunds", () => {
  it("two partial refunds then the rest (Stripe refund.created): PARTIALLY_REFUNDED twice, then REFUNDED with stock back", async () => {
    const o = await createPendingOrder(t.db, { quantity: 2, stock: 10 });
    await deliver("STRIPE", stripePayloads.succeeded(o.paymentReference));
    const first = await deliver(
      "STRIPE",
      stripePayloads.refundCreated(stripeRefund(o.paymentReference, 100000)),
    );
    expect(first.result.outcome).toBe("PROCESSED");
    expect((await order(o.order.id)).status).toBe("PARTIALLY_REFUNDED");
    await deliver("STRIPE", stripePayloads.refundCreated(stripeRefund(o.paymentReference, 50000)));
    expect((await order(o.order.id)).status).toBe("PARTIALLY_REFUNDED");
    // No stock comes back from a partial refund.
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2", "RELEASE -2", "SALE -2"]);
    expect(await stock(o.variantId)).toEqual({ stockQuantity: 8, reservedQuantity: 0 });
    await deliver("STRIPE", stripePayloads.refundCreated(stripeRefund(o.paymentReference, 249800)));
    expect((await order(o.order.id)).status).toBe("REFUNDED");
    expect((await refunds(o.order.id)).map((r) => r.amountMinor)).toEqual([100000, 50000, 249800]);
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2", "RELEASE -2", "SALE -2", "RETURN 2"]);
    expect(await stock(o.variantId)).toEqual({ stockQuantity: 10, reservedQuantity: 0 });
  });

  it("Razorpay partial refund.processed then the rest", async () => {
    const o = await createPendingOrder(t.db, { provider: "RAZORPAY", quantity: 1, stock: 3 });
    await deliver("RAZORPAY", razorpayPayloads.captured(o.paymentReference, { amount: 199900 }), "evt_rp_1");
    await deliver("RAZORPAY", razorpayPayloads.refunded(o.paymentReference, { amount: 99900 }), "evt_rp_2");
    expect((await order(o.order.id)).status).toBe("PARTIALLY_REFUNDED");
    await deliver("RAZORPAY", razorpayPayloads.refunded(o.paymentReference, { amount: 100000 }), "evt_rp_3");
    expect((await order(o.order.id)).status).toBe("REFUNDED");
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 1", "RELEASE -1", "SALE -1", "RETURN 1"]);
  });

  it("the same refund twice via two event types (charge.refunded with its list, then refund.updated) counts once", async () => {
    const o = await createPendingOrder(t.db, { quantity: 2, stock: 10 });
    await deliver("STRIPE", stripePayloads.succeeded(o.paymentReference));
    const re = stripeRefund(o.paymentReference, 150000, { id: "re_TwoTypes01" });
    await deliver(
      "STRIPE",
      stripePayloads.chargeRefunded(o.paymentReference, { amountRefunded: 150000, refunds: [re] }),
    );
    const second = await deliver("STRIPE", stripePayloads.refundUpdated(re));
    expect(second.result.outcome).toBe("PROCESSED");
    expect(await refunds(o.order.id)).toEqual([
      { providerRefundId: "re_TwoTypes01", amountMinor: 150000, placeholder: false },
    ]);
    expect((await order(o.order.id)).status).toBe("PARTIALLY_REFUNDED");
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2", "RELEASE -2", "SALE -2"]);
  });

  it("the same refund via charge.refunded without its list, then refund.created with its id, counts once", async () => {
    const o = await createPendingOrder(t.db, { quantity: 2, stock: 10 });
    await deliver("STRIPE", stripePayloads.succeeded(o.paymentReference));
    await deliver("STRIPE", stripePayloads.chargeRefunded(o.paymentReference, { amountRefunded: 399800 }));
    expect((await order(o.order.id)).status).toBe("REFUNDED");
    await deliver(
      "STRIPE",
      stripePayloads.refundCreated(stripeRefund(o.paymentReference, 399800, { id: "re_Later01" })),
    );
    expect(await refunds(o.order.id)).toEqual([
      { providerRefundId: "re_Later01", amountMinor: 399800, placeholder: false },
    ]);
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2", "RELEASE -2", "SALE -2", "RETURN 2"]);
  });

  it("the same Razorpay refund delivered twice under two event ids counts once", async () => {
    const o = await createPendingOrder(t.db, { provider: "RAZORPAY" });
    await deliver("RAZORPAY", razorpayPayloads.captured(o.paymentReference), "evt_rr_1");
    const a = razorpayPayloads.refunded(o.paymentReference, { amount: 100000, refundId: "rfnd_Twice01" });
    const b = { ...a, created_at: a.created_at + 1 };
    await deliver("RAZORPAY", a, "evt_rr_2");
    await deliver("RAZORPAY", b, "evt_rr_3");
    expect(await refunds(o.order.id)).toEqual([
      { providerRefundId: "rfnd_Twice01", amountMinor: 100000, placeholder: false },
    ]);
    expect((await order(o.order.id)).status).toBe("PARTIALLY_REFUNDED");
  });

  it("a refund beyond what was captured goes to review", async () => {
    const o = await createPendingOrder(t.db, { quantity: 1 });
    await deliver("STRIPE", stripePayloads.succeeded(o.paymentReference, { amount: 199900 }));
    const { ev } = await deliver(
      "STRIPE",
      stripePayloads.refundCreated(stripeRefund(o.paymentReference, 300000)),
    );
    expect(ev.status).toBe("NEEDS_REVIEW");
    expect(ev.reviewReason).toMatch(/refunds would reach INR 3000\.00, more than the INR 1999\.00 captured/);
    expect((await order(o.order.id)).status).toBe("PAID");
    expect(await refunds(o.order.id)).toEqual([]);
  });
});

describe("business conditions are outcomes", () => {
  it("capture for an oversold order: PAID with an OVERSOLD mark, event PROCESSED, what stock there was is sold", async () => {
    const o = await createPendingOrder(t.db, { quantity: 3, stock: 1, reserve: false });
    const { result, ev } = await deliver(
      "STRIPE",
      stripePayloads.succeeded(o.paymentReference, { amount: 599700 }),
    );
    expect(result.outcome).toBe("PROCESSED");
    expect(ev.status).toBe("PROCESSED");
    const row = await order(o.order.id);
    expect(row.status).toBe("PAID");
    expect(row.oversoldAt).not.toBeNull();
    expect(row.oversoldItems).toEqual([
      { itemId: o.item.id, variantId: o.variantId, ordered: 3, sold: 1, short: 2 },
    ]);
    expect(await payments(o.order.id)).toEqual([
      { providerPaymentId: o.paymentReference, amountMinor: 599700, currency: "INR", status: "CAPTURED" },
    ]);
    expect(await ledger(o.order.id)).toEqual(["SALE -1"]);
    expect(await stock(o.variantId)).toEqual({ stockQuantity: 0, reservedQuantity: 0 });
  });

  it("refund before payment: NEEDS_REVIEW; after the capture a replay applies it", async () => {
    const o = await createPendingOrder(t.db, { quantity: 2, stock: 10 });
    const early = await deliver(
      "STRIPE",
      stripePayloads.refundCreated(stripeRefund(o.paymentReference, 100000)),
    );
    expect(early.ev.status).toBe("NEEDS_REVIEW");
    expect(early.ev.reviewReason).toMatch(/has no captured payment recorded \(refund before its payment\?\)/);
    expect((await order(o.order.id)).status).toBe("PENDING");
    expect(await refunds(o.order.id)).toEqual([]);
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2"]);

    await deliver("STRIPE", stripePayloads.succeeded(o.paymentReference));
    expect((await order(o.order.id)).status).toBe("PAID");
    const replay = await processWebhookEvent(t.db, early.ev.id, {
      ...OPTS,
      trigger: "REPLAY",
      operator: "ops@test",
    });
    expect(replay.outcome).toBe("PROCESSED");
    expect((await order(o.order.id)).status).toBe("PARTIALLY_REFUNDED");
    expect(await refunds(o.order.id)).toHaveLength(1);
  });

  it("failure after capture: the order stays PAID, the payment CAPTURED, no stock moves", async () => {
    const o = await createPendingOrder(t.db, { quantity: 2, stock: 10 });
    await deliver("STRIPE", stripePayloads.succeeded(o.paymentReference));
    const { result } = await deliver("STRIPE", stripePayloads.failed(o.paymentReference));
    expect(result.outcome).toBe("PROCESSED");
    expect((await order(o.order.id)).status).toBe("PAID");
    expect(await payments(o.order.id)).toEqual([
      { providerPaymentId: o.paymentReference, amountMinor: 399800, currency: "INR", status: "CAPTURED" },
    ]);
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2", "RELEASE -2", "SALE -2"]);
  });

  it("a failed payment (Razorpay payment.failed) releases the hold and records a FAILED payment; a later capture pays", async () => {
    const o = await createPendingOrder(t.db, { provider: "RAZORPAY", paymentReference: "order_RetryPay01" });
    await deliver(
      "RAZORPAY",
      razorpayPayloads.failed("pay_Declined01", { orderId: "order_RetryPay01" }),
      "evt_f_1",
    );
    expect((await order(o.order.id)).status).toBe("FAILED");
    expect(await payments(o.order.id)).toEqual([
      { providerPaymentId: "pay_Declined01", amountMinor: 399800, currency: "INR", status: "FAILED" },
    ]);
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2", "RELEASE -2"]);
    await deliver(
      "RAZORPAY",
      razorpayPayloads.captured("pay_Second01", { orderId: "order_RetryPay01" }),
      "evt_f_2",
    );
    expect((await order(o.order.id)).status).toBe("PAID");
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2", "RELEASE -2", "SALE -2"]);
  });

  it("an event for no known order fails and is retried (the order may not be committed yet)", async () => {
    const { result, ev } = await deliver("STRIPE", stripePayloads.succeeded("pi_NoSuchOrder01"));
    expect(result.outcome).toBe("FAILED");
    expect(ev.nextAttemptAt).not.toBeNull();
  });
});

describe("Razorpay dedupe on signed content", () => {
  it("the same body under two event ids is stored once", async () => {
    const o = await createPendingOrder(t.db, { provider: "RAZORPAY" });
    const event = razorpayPayloads.captured(o.paymentReference);
    const a = await receive("RAZORPAY", event, "evt_body_1");
    const b = await receive("RAZORPAY", event, "evt_body_2");
    expect(b).toEqual({ accepted: true, duplicate: true, eventId: a.eventId });
    const rows = await t.db
      .selectFrom("webhookEvents")
      .select("providerEventId")
      .where("paymentReference", "=", o.paymentReference)
      .execute();
    expect(rows).toEqual([{ providerEventId: "evt_body_1" }]);
    await processWebhookEvent(t.db, a.eventId, OPTS);
    expect(await payments(o.order.id)).toHaveLength(1);
    expect(await ledger(o.order.id)).toEqual(["RESERVATION 2", "RELEASE -2", "SALE -2"]);
  });

  it("a body whose created_at is older than the tolerance is refused and logged", async () => {
    const event = {
      ...razorpayPayloads.captured("pay_Stale01"),
      created_at: Math.floor(Date.now() / 1000) - 25 * 3600,
    };
    const body = JSON.stringify(event);
    const r = await intake().receive({
      provider: "RAZORPAY",
      rawBody: Buffer.from(body),
      headers: { "x-razorpay-signature": signRazorpay(body, RAZORPAY) },
    });
    expect(r).toMatchObject({ accepted: false, code: "BAD_REQUEST" });
    expect(!r.accepted && r.reason).toMatch(/beyond the 86400 s tolerance/);
    const rejection = await t.db
      .selectFrom("webhookRejections")
      .select(["reason", "statusCode"])
      .where("reason", "like", "event created_at%")
      .executeTakeFirstOrThrow();
    expect(rejection.statusCode).toBe(400);
  });
});
