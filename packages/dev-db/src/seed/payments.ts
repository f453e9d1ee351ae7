// Demo payments that hold together with the orders: PENDING orders hold stock reservations, paid
// ones have a CAPTURED payment and a SALE, refunded ones a refund (partial or whole) and, when whole,
// a RETURN; a few webhook events show the console's lists, one FAILED and one NEEDS_REVIEW.
import { SYSTEM_ACTOR } from "@radha/core/audit";
import type { OrderStatus, Trx } from "@radha/core/db";
import { readVariants, recordStockMovements, type StockMovementInput } from "@radha/core/inventory";

export interface SeededOrder {
  id: string;
  orderNumber: string;
  status: OrderStatus;
  provider: "STRIPE" | "RAZORPAY";
  paymentReference: string;
  variantId: string;
  itemId: string;
  quantity: number;
  totalMinor: number;
  created: Date;
}

const PAID: readonly OrderStatus[] = ["PAID", "SHIPPED", "DELIVERED", "REFUNDED", "PARTIALLY_REFUNDED"];

function eventBody(o: SeededOrder, type: string, amount: number): Record<string, unknown> {
  if (o.provider === "STRIPE")
    return {
      id: `evt_demo_${o.paymentReference}_${type}`,
      object: "event",
      type,
      created: Math.floor(o.created.getTime() / 1000),
      data: {
        object: {
          id: o.paymentReference,
          object: "payment_intent",
          amount,
          amount_received: amount,
          currency: "inr",
          metadata: {},
        },
      },
    };
  return {
    entity: "event",
    event: type,
    created_at: Math.floor(o.created.getTime() / 1000),
    payload: {
      payment: {
        entity: {
          id: o.paymentReference,
          entity: "payment",
          amount,
          currency: "INR",
          status: "captured",
          notes: {},
        },
      },
    },
  };
}

async function insertEvent(
  trx: Trx,
  o: SeededOrder,
  type: string,
  amount: number,
  state: { status: "PROCESSED" | "FAILED" | "NEEDS_REVIEW"; error?: string; review?: string },
): Promise<string> {
  const body = JSON.stringify(eventBody(o, type, amount));
  const ev = await trx
    .insertInto("webhookEvents")
    .values({
      provider: o.provider,
      providerEventId: `evt_demo_${o.paymentReference}_${type}`,
      eventType: type,
      payload: body,
      rawBytes: Buffer.from(body),
      headers: "{}",
      paymentReference: o.paymentReference,
      status: state.status,
      attemptCount: 1,
      lastError: state.error ?? null,
      reviewReason: state.review ?? null,
      receivedAt: new Date(o.created.getTime() + 30_000),
      processedAt: new Date(o.created.getTime() + 31_000),
      orderId: state.error ? null : o.id,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx
    .insertInto("webhookAttempts")
    .values({
      eventId: ev.id,
      number: 1,
      trigger: "AUTO",
      startedAt: new Date(o.created.getTime() + 30_500),
      outcome: state.status,
      error: state.error ?? state.review ?? null,
    })
    .execute();
  return ev.id;
}

export async function seedPayments(trx: Trx, orders: readonly SeededOrder[]): Promise<void> {
  const stock = await readVariants(
    trx,
    orders.map((o) => o.variantId),
  );
  const free = new Map([...stock].map(([id, v]) => [id, v.stockQuantity - v.reservedQuantity]));
  const moves: StockMovementInput[] = [];
  const move = (o: SeededOrder, type: StockMovementInput["type"], quantity: number, reason: string) =>
    moves.push({
      variantId: o.variantId,
      type,
      quantity,
      reason,
      actor: SYSTEM_ACTOR,
      orderId: o.id,
      reference: o.orderNumber,
      idempotencyKey: `seed:order:${o.id}:${type.toLowerCase()}`,
    });
  let reviewSeeded = false;
  for (const o of orders) {
    const available = free.get(o.variantId) ?? 0;
    if (o.status === "PENDING") {
      if (available >= o.quantity) {
        free.set(o.variantId, available - o.quantity);
        move(o, "RESERVATION", o.quantity, "Checkout: stock held until payment (demo seed)");
      }
      if (!reviewSeeded) {
        // A short payment: the order stays PENDING and the event waits for an operator.
        reviewSeeded = true;
        const received = Math.floor(o.totalMinor / 2);
        await insertEvent(
          trx,
          o,
          o.provider === "STRIPE" ? "payment_intent.succeeded" : "payment.captured",
          received,
          {
            status: "NEEDS_REVIEW",
            review: `amount mismatch for order ${o.orderNumber}: expected INR ${(o.totalMinor / 100).toFixed(2)}, received INR ${(received / 100).toFixed(2)}`,
          },
        );
      }
      continue;
    }
    if (o.status === "FAILED") {
      await trx
        .insertInto("payments")
        .values({
          orderId: o.id,
          provider: o.provider,
          providerPaymentId: o.paymentReference,
          amountMinor: o.totalMinor,
          currency: "INR",
          status: "FAILED",
          failureReason: "Your card was declined.",
        })
        .execute();
      continue;
    }
    if (!PAID.includes(o.status)) continue;
    const eventId = await insertEvent(
      trx,
      o,
      o.provider === "STRIPE" ? "payment_intent.succeeded" : "payment.captured",
      o.totalMinor,
      { status: "PROCESSED" },
    );
    const payment = await trx
      .insertInto("payments")
      .values({
        orderId: o.id,
        provider: o.provider,
        providerPaymentId: o.paymentReference,
        amountMinor: o.totalMinor,
        currency: "INR",
        status: "CAPTURED",
        capturedAt: o.created,
        webhookEventId: eventId,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const sold = available >= o.quantity;
    if (sold) {
      free.set(o.variantId, available - o.quantity);
      move(o, "SALE", -o.quantity, `Sold: order ${o.orderNumber} (demo seed)`);
    }
    if (o.status === "REFUNDED" || o.status === "PARTIALLY_REFUNDED") {
      const whole = o.status === "REFUNDED";
      await trx
        .insertInto("refunds")
        .values({
          paymentId: payment.id,
          orderId: o.id,
          provider: o.provider,
          providerRefundId: `${o.provider === "STRIPE" ? "re" : "rfnd"}_demo_${o.orderNumber}`,
          amountMinor: whole ? o.totalMinor : Math.floor(o.totalMinor / 3),
          currency: "INR",
          reason: whole ? "requested_by_customer" : "one piece returned",
        })
        .execute();
      if (whole && sold) move(o, "RETURN", o.quantity, `Refunded: order ${o.orderNumber} (demo seed)`);
    }
  }
  // A capture for a payment no order knows: FAILED after its retries, waiting for an operator.
  const first = orders[0];
  if (first)
    await insertEvent(
      trx,
      { ...first, paymentReference: `${first.provider === "STRIPE" ? "pi" : "pay"}_demo_unknown` },
      "payment_intent.succeeded",
      149900,
      {
        status: "FAILED",
        error: `No order matches ${first.provider === "STRIPE" ? "pi" : "pay"}_demo_unknown (yet); it will be retried`,
      },
    );
  await recordStockMovements(trx, moves);
}
