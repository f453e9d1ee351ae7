// Webhook test factories: orders to pay, real-shaped provider payloads, and signatures made by
// the providers' own SDKs.
import { createHmac, randomBytes } from "node:crypto";
import Stripe from "stripe";
import type { Db } from "../db/database";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { recordStockMovement } from "../inventory/stock.service";
import { createVariant } from "./inventory-factories";
import { stripePayloads } from "./payment-payloads";

const stripe = new Stripe("sk_test_factories");

/** A PENDING order for one item, with its stock reserved, paid through `provider`. */
export async function createPendingOrder(
  db: Db,
  opts: {
    provider?: "STRIPE" | "RAZORPAY";
    quantity?: number;
    stock?: number;
    variantId?: string;
    reserve?: boolean;
    currency?: string;
    unitPriceMinor?: number;
    /** The provider's reference the order was created with; a payment id by default. */
    paymentReference?: string;
  } = {},
) {
  const provider = opts.provider ?? "STRIPE";
  const variantId = opts.variantId ?? (await createVariant(db, { stock: opts.stock ?? 20 })).id;
  const quantity = opts.quantity ?? 2;
  const suffix = randomBytes(6).toString("hex");
  const paymentReference =
    opts.paymentReference ?? (provider === "STRIPE" ? `pi_${suffix}` : `pay_${suffix}`);
  const unitPriceMinor = opts.unitPriceMinor ?? 199900;
  const order = await db
    .insertInto("orders")
    .values({
      orderNumber: `RG-T-${suffix}`,
      email: "buyer@example.test",
      status: "PENDING",
      paymentProvider: provider,
      paymentReference,
      totalMinor: unitPriceMinor * quantity,
      currency: opts.currency ?? "INR",
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const item = await db
    .insertInto("orderItems")
    .values({ orderId: order.id, variantId, quantity, unitPriceMinor })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (opts.reserve !== false) {
    await db
      .transaction()
      .execute((trx) =>
        recordStockMovement(trx, {
          variantId,
          type: "RESERVATION",
          quantity,
          reason: "test checkout",
          actor: SYSTEM_ACTOR,
          orderId: order.id,
          idempotencyKey: `order:${order.id}:${item.id}:reserve`,
        }),
      );
  }
  return { order, item, variantId, paymentReference };
}

export function signStripe(body: string, secret: string, timestamp?: number): string {
  return stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret,
    ...(timestamp ? { timestamp } : {}),
  });
}

export function signRazorpay(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * One webhook event stored as intake and processing would leave it (for tests that start from a
 * known state): a FAILED event carries its last error, and each of its `attempts` is an AUTO row.
 */
export async function storeWebhookEvent(
  db: Db,
  opts: {
    provider: "STRIPE" | "RAZORPAY";
    payload: { id?: string; type?: string; event?: string };
    /** Defaults to the payload's id (Stripe) or a random one (Razorpay sends it as a header). */
    providerEventId?: string;
    paymentReference: string;
    status: "PENDING" | "PROCESSED" | "FAILED" | "IGNORED";
    attempts?: number;
    lastError?: string | null;
    receivedAt?: Date;
    processedAt?: Date | null;
    headers?: Record<string, string>;
  },
) {
  const body = JSON.stringify(opts.payload);
  const attempts = opts.attempts ?? (opts.status === "PENDING" ? 0 : 1);
  const lastError =
    opts.status === "FAILED"
      ? (opts.lastError ?? `No order matches ${opts.paymentReference} (yet); it will be retried`)
      : null;
  const receivedAt = opts.receivedAt ?? new Date();
  const ev = await db
    .insertInto("webhookEvents")
    .values({
      provider: opts.provider,
      providerEventId: opts.providerEventId ?? opts.payload.id ?? `evt_${randomBytes(8).toString("hex")}`,
      eventType: opts.payload.type ?? opts.payload.event ?? "unknown",
      payload: body,
      rawBytes: Buffer.from(body),
      headers: JSON.stringify(opts.headers ?? {}),
      paymentReference: opts.paymentReference,
      status: opts.status,
      attemptCount: attempts,
      lastError,
      receivedAt,
      processedAt: opts.processedAt ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (attempts > 0) {
    const outcome = opts.status === "FAILED" ? "FAILED" : opts.status === "IGNORED" ? "IGNORED" : "PROCESSED";
    await db
      .insertInto("webhookAttempts")
      .values(
        Array.from({ length: attempts }, (_, k) => ({
          eventId: ev.id,
          number: k + 1,
          trigger: "AUTO" as const,
          startedAt: new Date(receivedAt.getTime() + (k + 1) * 1000),
          // Every attempt before the last one failed.
          outcome: k + 1 === attempts ? outcome : ("FAILED" as const),
          error: k + 1 === attempts ? lastError : "retried",
        })),
      )
      .execute();
  }
  return ev;
}

/**
 * `count` FAILED Stripe payment_intent.succeeded events, each for its own PENDING order (one
 * unit, no reservation), stored as if their first attempt had failed in an outage. Orders are
 * spread over a few variants so processing does not queue on one hot row. Written in bulk so
 * tests, the CLI tests and the bench can make thousands quickly.
 */
export async function createFailedWebhookEvents(
  db: Db,
  opts: { count: number; tag: string; variants?: number; receivedAt?: Date },
) {
  const variantCount = Math.max(1, Math.min(opts.variants ?? 50, opts.count));
  const variantIds: string[] = [];
  for (let i = 0; i < variantCount; i++)
    variantIds.push((await createVariant(db, { stock: Math.ceil(opts.count / variantCount) + 5 })).id);
  const orders: { id: string; orderNumber: string; paymentReference: string }[] = [];
  const eventIds: string[] = [];
  const CHUNK = 1000;
  for (let start = 0; start < opts.count; start += CHUNK) {
    const n = Math.min(CHUNK, opts.count - start);
    const rows = Array.from({ length: n }, (_, k) => {
      const i = start + k;
      return { orderNumber: `RG-${opts.tag}-${i}`, paymentReference: `pi_${opts.tag}_${i}` };
    });
    const inserted = await db
      .insertInto("orders")
      .values(
        rows.map((r) => ({
          orderNumber: r.orderNumber,
          email: "buyer@example.test",
          status: "PENDING" as const,
          paymentProvider: "STRIPE" as const,
          paymentReference: r.paymentReference,
          totalMinor: 199900,
        })),
      )
      .returning(["id", "orderNumber", "paymentReference"])
      .execute();
    await db
      .insertInto("orderItems")
      .values(
        inserted.map((o, k) => ({
          orderId: o.id,
          variantId: variantIds[(start + k) % variantCount]!,
          quantity: 1,
          unitPriceMinor: 199900,
        })),
      )
      .execute();
    const events = await db
      .insertInto("webhookEvents")
      .values(
        inserted.map((o, k) => {
          const payload = stripePayloads.succeeded(o.paymentReference!, { amount: 199900 });
          return {
            provider: "STRIPE" as const,
            providerEventId: `evt_${opts.tag}_${start + k}`,
            eventType: "payment_intent.succeeded",
            payload: JSON.stringify(payload),
            rawBytes: Buffer.from(JSON.stringify(payload)),
            headers: "{}",
            paymentReference: o.paymentReference,
            status: "FAILED" as const,
            attemptCount: 1,
            lastError: "simulated outage",
            ...(opts.receivedAt ? { receivedAt: opts.receivedAt } : {}),
          };
        }),
      )
      .returning("id")
      .execute();
    orders.push(
      ...inserted.map((o) => ({
        id: o.id,
        orderNumber: o.orderNumber,
        paymentReference: o.paymentReference!,
      })),
    );
    eventIds.push(...events.map((e) => e.id));
  }
  return { orders, eventIds, variantIds };
}
