// What a payment event does to its order, inside the transaction that processes the event (the
// event row is already locked; lock order event → order → variants). Money is checked against the
// order before anything moves: a mismatch is a REVIEW outcome, never PAID. Business conditions
// (stock gone, refund before its payment) end in defined states; only faults throw.
import type { Trx } from "../db/database";
import type { Actor, AuditInput } from "../audit/audit.service";
import { DomainError } from "../errors";
import { type LockedVariant, lockVariants } from "../inventory/inventory.queries";
import { type StockMovementInput, writeLockedMovements } from "../inventory/stock.service";
import type { Interpretation } from "../webhooks/interpret";
import type { TProvider } from "../webhooks/webhooks.schema";
import {
  claimPlaceholderRefund,
  insertRefund,
  lockOrderWithItems,
  markOrdersPaid,
  matchOrder,
  type OrderItemHold,
  type OrderRow,
  paymentKey,
  selectOrderRefunds,
  selectOrderTotals,
  selectPayment,
  selectPaymentsByRef,
  selectRefundsById,
  updateOrder,
  upsertPayment,
  upsertPayments,
} from "./orders.queries";
import { formatMoney, PAID_STATUSES, type TOrderStatus, type TOversoldItem } from "./orders.schema";
import { assertOrderTransition, refusedTransitionReason } from "./transitions";

export interface PaymentEventRef {
  id: string;
  provider: TProvider;
  eventType: string;
}

export type PaymentEventOutcome =
  | { kind: "APPLIED"; orderId: string; note: string; audits: AuditInput[] }
  | { kind: "REVIEW"; orderId: string | null; reason: string };

export interface ApplyOptions {
  /** An operator accepted the payment as it is (amount or currency differ): skip the money check. */
  acceptMismatch?: boolean;
}

const review = (orderId: string | null, reason: string): PaymentEventOutcome => ({
  kind: "REVIEW",
  orderId,
  reason: reason.slice(0, 1000),
});

/** Finds and locks the event's order; a missing order is retried (it may not be committed yet). */
async function lockMatchedOrder(trx: Trx, ev: PaymentEventRef, meaning: Interpretation) {
  const match = await matchOrder(trx, { provider: ev.provider, ...meaning });
  if (match.kind === "OTHER_PROVIDER")
    return {
      refused: review(
        match.orderId,
        `${ev.provider} event names order ${match.orderNumber}, which is paid through ${match.provider ?? "no provider"}: not applied`,
      ),
    };
  if (match.kind === "NONE") {
    const refs = [meaning.paymentReference, meaning.providerOrderId, meaning.orderReference].filter(Boolean);
    if (refs.length === 0)
      throw new DomainError("BAD_REQUEST", "The event names no payment or order to act on");
    throw new DomainError("NOT_FOUND", `No order matches ${refs.join(" / ")} (yet); it will be retried`);
  }
  const locked = await lockOrderWithItems(trx, match.orderId);
  if (!locked) throw new DomainError("NOT_FOUND", `Order ${match.orderId} disappeared`);
  return { locked };
}

export async function applyPaymentEvent(
  trx: Trx,
  ev: PaymentEventRef,
  meaning: Interpretation,
  actor: Actor,
  opts: ApplyOptions = {},
): Promise<PaymentEventOutcome> {
  const found = await lockMatchedOrder(trx, ev, meaning);
  if (found.refused) return found.refused;
  const { order, items } = found.locked;
  const ctx: Ctx = { trx, ev, meaning, actor, order, items };
  if (meaning.effect === "PAYMENT_SUCCEEDED") return capture(ctx, opts);
  if (meaning.effect === "PAYMENT_FAILED") return fail(ctx);
  if (meaning.effect === "REFUNDED") return refund(ctx);
  return { kind: "APPLIED", orderId: order.id, note: "no change", audits: [] };
}

interface Ctx {
  trx: Trx;
  ev: PaymentEventRef;
  meaning: Interpretation;
  actor: Actor;
  order: OrderRow;
  items: OrderItemHold[];
}

const applied = (order: OrderRow, note: string, audits: AuditInput[] = []): PaymentEventOutcome => ({
  kind: "APPLIED",
  orderId: order.id,
  note,
  audits,
});

function moneyMismatch(order: OrderRow, meaning: Interpretation): string | null {
  const expected = formatMoney(order.totalMinor, order.currency.toUpperCase());
  const received = formatMoney(meaning.amountMinor, meaning.currency);
  if (meaning.amountMinor === null || meaning.currency === null)
    return `amount or currency missing from the event (expected ${expected}, received ${received})`;
  if (meaning.amountMinor !== order.totalMinor || meaning.currency !== order.currency.toUpperCase())
    return `amount mismatch for order ${order.orderNumber}: expected ${expected}, received ${received}`;
  return null;
}

async function capture(c: Ctx, opts: ApplyOptions): Promise<PaymentEventOutcome> {
  const { trx, ev, meaning, order } = c;
  const ref = meaning.paymentReference;
  if (!ref) return review(order.id, "payment event names no payment id");
  const check = checkCapture(c, ref, await selectPayment(trx, ev.provider, ref), opts);
  if (check !== "SELL") return check;
  const locked = await lockVariants(
    trx,
    c.items.map((i) => i.variantId),
  );
  const { moves, oversold } = planSale(c, saleCounts(locked));
  if (moves.length) await writeLockedMovements(trx, locked, moves);
  const now = new Date();
  await upsertPayment(trx, capturedPayment(c, ref, now));
  await markOrdersPaid(trx, now, [paidOrder(c, ref, oversold)]);
  return paidOutcome(c, ref, oversold, opts);
}

export interface CaptureInput {
  ev: PaymentEventRef;
  meaning: Interpretation;
  actor: Actor;
  order: OrderRow;
  items: OrderItemHold[];
}

/**
 * Captures of many events in one transaction, with the effects capture() has, in a few
 * statements: the caller has locked the events and their orders (each order and payment id at
 * most once); here the variants are locked once, in id order, and sold in the inputs' order.
 * A capture that would not simply sell (money to review, an order not payable) is left to the
 * one-event path: its slot is null.
 */
export async function captureMany(
  trx: Trx,
  inputs: readonly CaptureInput[],
): Promise<(PaymentEventOutcome | null)[]> {
  const ctxs: (Ctx & { ref: string })[] = [];
  for (const input of inputs)
    if (input.meaning.paymentReference) ctxs.push({ ...input, trx, ref: input.meaning.paymentReference });
  const payments = await selectPaymentsByRef(
    trx,
    ctxs.map((c) => ({ provider: c.ev.provider, providerPaymentId: c.ref })),
  );
  const results = new Map<CaptureInput["ev"], PaymentEventOutcome | null>();
  const selling: (Ctx & { ref: string })[] = [];
  for (const c of ctxs) {
    const check = checkCapture(c, c.ref, payments.get(paymentKey(c.ev.provider, c.ref)), {});
    if (check === "SELL") selling.push(c);
    else results.set(c.ev, check.kind === "APPLIED" ? check : null);
  }
  const locked = await lockVariants(
    trx,
    selling.flatMap((c) => c.items.map((i) => i.variantId)),
  );
  const counts = saleCounts(locked);
  const sales = selling.map((c) => ({ c, ...planSale(c, counts) }));
  const moves = sales.flatMap((s) => s.moves);
  if (moves.length) await writeLockedMovements(trx, locked, moves);
  const now = new Date();
  await upsertPayments(
    trx,
    sales.map((s) => capturedPayment(s.c, s.c.ref, now)),
  );
  await markOrdersPaid(
    trx,
    now,
    sales.map((s) => paidOrder(s.c, s.c.ref, s.oversold)),
  );
  for (const s of sales) results.set(s.c.ev, paidOutcome(s.c, s.c.ref, s.oversold, {}));
  return inputs.map((i) => results.get(i.ev) ?? null);
}

/** Whether a capture sells (the usual case) or ends otherwise: review, or already recorded. */
function checkCapture(
  c: Omit<Ctx, "trx">,
  ref: string,
  existing: { status: string } | undefined,
  opts: ApplyOptions,
): "SELL" | PaymentEventOutcome {
  const { order, meaning } = c;
  if (existing && existing.status !== "FAILED")
    return applied(order, `payment ${ref} already recorded (${existing.status})`);
  if (!opts.acceptMismatch) {
    const mismatch = moneyMismatch(order, meaning);
    if (mismatch) return review(order.id, mismatch);
  }
  const amount = formatMoney(meaning.amountMinor, meaning.currency);
  if (PAID_STATUSES.includes(order.status))
    return review(
      order.id,
      `order ${order.orderNumber} is already ${order.status}; a second payment ${ref} of ${amount} was captured`,
    );
  const refused = refusedTransitionReason(order.status, "PAID");
  if (refused) return review(order.id, `payment ${ref} of ${amount} captured, but: ${refused}`);
  return "SELL";
}

const capturedPayment = (c: Omit<Ctx, "trx">, ref: string, now: Date) => ({
  orderId: c.order.id,
  provider: c.ev.provider,
  providerPaymentId: ref,
  amountMinor: c.meaning.amountMinor ?? c.order.totalMinor,
  currency: c.meaning.currency ?? c.order.currency.toUpperCase(),
  status: "CAPTURED" as const,
  failureReason: null,
  capturedAt: now,
  webhookEventId: c.ev.id,
});

const paidOrder = (c: Omit<Ctx, "trx">, ref: string, oversold: TOversoldItem[]) => ({
  orderId: c.order.id,
  provider: c.ev.provider,
  paymentReference: ref,
  oversold,
});

function paidOutcome(
  c: Omit<Ctx, "trx">,
  ref: string,
  oversold: TOversoldItem[],
  opts: ApplyOptions,
): PaymentEventOutcome {
  const { order, ev, meaning } = c;
  return applied(order, `order ${order.orderNumber} → PAID${oversold.length ? " (OVERSOLD)" : ""}`, [
    {
      action: "orders.paid",
      target: { type: "order", id: order.id },
      before: { status: order.status },
      after: {
        status: "PAID",
        payment: ref,
        amount: formatMoney(meaning.amountMinor, meaning.currency),
        webhookEvent: ev.id,
        eventType: ev.eventType,
        ...(opts.acceptMismatch ? { acceptedMismatch: true } : {}),
        ...(oversold.length ? { oversold } : {}),
      },
    },
  ]);
}

type SaleCounts = Map<string, { stock: number; reserved: number }>;

/** Locked variants' on-hand and reserved counts, for planSale to draw down. */
const saleCounts = (locked: Map<string, LockedVariant>): SaleCounts =>
  new Map([...locked].map(([id, v]) => [id, { stock: v.stockQuantity, reserved: v.reservedQuantity }]));

/**
 * The stock moves of a capture: release the order's holds, then sell what stock there is. Stock
 * held for other orders is not taken; what cannot be sold is the order's OVERSOLD shortfall.
 * Draws `counts` down, so captures planned one after another share the stock.
 */
function planSale(c: Omit<Ctx, "trx">, counts: SaleCounts) {
  const { order, items, ev, actor } = c;
  const base = { actor, orderId: order.id, webhookEventId: ev.id, reference: order.orderNumber };
  const moves: StockMovementInput[] = [];
  const oversold: TOversoldItem[] = [];
  for (const item of items) {
    const v = counts.get(item.variantId);
    if (!v) throw new DomainError("NOT_FOUND", `No product variant with id ${item.variantId}`);
    const hold = Math.min(item.held, item.quantity);
    if (hold > 0) {
      v.reserved -= hold;
      moves.push({
        ...base,
        variantId: item.variantId,
        type: "RELEASE",
        quantity: -hold,
        reason: "Payment captured: reservation becomes a sale",
        idempotencyKey: `order:${order.id}:${item.id}:release-on-pay`,
      });
    }
    const toSell = Math.max(0, item.quantity - item.sold);
    const sold = Math.max(0, Math.min(toSell, v.stock - v.reserved));
    if (sold > 0) {
      v.stock -= sold;
      moves.push({
        ...base,
        variantId: item.variantId,
        type: "SALE",
        quantity: -sold,
        reason: `Sold: order ${order.orderNumber}`,
        idempotencyKey: `order:${order.id}:${item.id}:sale`,
      });
    }
    if (sold < toSell)
      oversold.push({
        itemId: item.id,
        variantId: item.variantId,
        ordered: item.quantity,
        sold: item.sold + sold,
        short: toSell - sold,
      });
  }
  return { moves, oversold };
}

function releaseHolds(c: Ctx, why: string): StockMovementInput[] {
  const { order, items, ev, actor } = c;
  return items.flatMap((item): StockMovementInput[] => {
    const hold = Math.min(item.held, item.quantity);
    return hold > 0
      ? [
          {
            actor,
            orderId: order.id,
            webhookEventId: ev.id,
            reference: order.orderNumber,
            variantId: item.variantId,
            type: "RELEASE",
            quantity: -hold,
            reason: why,
            idempotencyKey: `order:${order.id}:${item.id}:release`,
          },
        ]
      : [];
  });
}

async function fail(c: Ctx): Promise<PaymentEventOutcome> {
  const { trx, ev, meaning, order } = c;
  const ref = meaning.paymentReference;
  const existing = ref ? await selectPayment(trx, ev.provider, ref) : undefined;
  if (existing?.status === "CAPTURED")
    return applied(order, `payment ${ref ?? ""} was captured; a failure arriving after it is ignored`);
  if (ref && !existing)
    await upsertPayment(trx, {
      orderId: order.id,
      provider: ev.provider,
      providerPaymentId: ref,
      amountMinor: meaning.amountMinor ?? order.totalMinor,
      currency: meaning.currency ?? order.currency.toUpperCase(),
      status: "FAILED",
      failureReason: meaning.failureReason,
      capturedAt: null,
      webhookEventId: ev.id,
    });
  if (order.status !== "PENDING")
    return applied(order, `order is ${order.status}; payment failure recorded only`);
  assertOrderTransition(order.orderNumber, order.status, "FAILED");
  const moves = releaseHolds(c, "Payment failed: reservation released");
  if (moves.length)
    await writeLockedMovements(
      trx,
      await lockVariants(
        trx,
        c.items.map((i) => i.variantId),
      ),
      moves,
    );
  await updateOrder(trx, order.id, { status: "FAILED", updatedAt: new Date() });
  return applied(order, `order ${order.orderNumber} → FAILED`, [
    {
      action: "orders.failed",
      target: { type: "order", id: order.id },
      before: { status: order.status },
      after: {
        status: "FAILED",
        payment: ref,
        reason: meaning.failureReason,
        webhookEvent: ev.id,
        eventType: ev.eventType,
      },
    },
  ]);
}

async function refund(c: Ctx): Promise<PaymentEventOutcome> {
  const { trx, ev, meaning, order } = c;
  const ref = meaning.paymentReference;
  const payment = ref ? await selectPayment(trx, ev.provider, ref) : undefined;
  const ids = meaning.refunds.map((r) => r.providerRefundId);
  const named = ids.length ? ids.join(", ") : "refund";
  if (payment?.status !== "CAPTURED")
    return review(
      order.id,
      `${named} for payment ${ref ?? "(none named)"} of order ${order.orderNumber}, which has no captured payment recorded (refund before its payment?)`,
    );
  const known = new Set((await selectRefundsById(trx, ev.provider, ids)).map((r) => r.providerRefundId));
  const ofPayment = (await selectOrderRefunds(trx, order.id)).filter((r) => r.paymentId === payment.id);
  const claimable = ofPayment.filter((r) => r.placeholder);
  const fresh: {
    providerRefundId: string;
    amountMinor: number;
    reason: string | null;
    placeholder: boolean;
  }[] = [];
  for (const r of meaning.refunds) {
    if (known.has(r.providerRefundId)) continue;
    if (r.amountMinor === null || r.amountMinor === 0)
      return review(order.id, `refund ${r.providerRefundId} carries no amount`);
    if (r.currency !== null && r.currency !== payment.currency)
      return review(
        order.id,
        `refund ${r.providerRefundId} is in ${r.currency}, payment ${payment.providerPaymentId} in ${payment.currency}`,
      );
    const i = claimable.findIndex((p) => p.amountMinor === r.amountMinor);
    const placeholder = claimable[i];
    if (placeholder) {
      // Counted already from a charge.refunded that had no refund list: give it its real id.
      claimable.splice(i, 1);
      await claimPlaceholderRefund(trx, placeholder.id, r.providerRefundId, r.reason);
      known.add(r.providerRefundId);
      continue;
    }
    fresh.push({ ...r, amountMinor: r.amountMinor, placeholder: false });
  }
  if (meaning.cumulativeRefund) {
    const recorded = [...ofPayment, ...fresh].reduce((s, r) => s + r.amountMinor, 0);
    const missing = meaning.cumulativeRefund.amountMinor - recorded;
    if (missing > 0)
      fresh.push({
        providerRefundId: `${meaning.cumulativeRefund.chargeId}:refunded-to:${meaning.cumulativeRefund.amountMinor}`,
        amountMinor: missing,
        reason: null,
        placeholder: true,
      });
  }
  if (fresh.length === 0) return applied(order, `${named} already counted`);

  const totals = (await selectOrderTotals(trx, [order.id])).get(order.id) ?? {
    paidMinor: 0,
    refundedMinor: 0,
  };
  const adding = fresh.reduce((s, r) => s + r.amountMinor, 0);
  const refunded = totals.refundedMinor + adding;
  const money = (m: number) => formatMoney(m, payment.currency);
  if (refunded > totals.paidMinor)
    return review(
      order.id,
      `refunds would reach ${money(refunded)}, more than the ${money(totals.paidMinor)} captured for order ${order.orderNumber}`,
    );
  const target: TOrderStatus = refunded >= totals.paidMinor ? "REFUNDED" : "PARTIALLY_REFUNDED";
  const refused = refusedTransitionReason(order.status, target);
  if (refused) return review(order.id, `${named} of ${money(adding)}: ${refused}`);

  for (const r of fresh)
    await insertRefund(trx, {
      paymentId: payment.id,
      orderId: order.id,
      provider: ev.provider,
      providerRefundId: r.providerRefundId,
      placeholder: r.placeholder,
      amountMinor: r.amountMinor,
      currency: payment.currency,
      reason: r.reason,
      webhookEventId: ev.id,
    });
  // Only a full refund puts stock back by itself; partial ones leave it to an operator's return.
  if (target === "REFUNDED") {
    const moves = c.items.flatMap((item): StockMovementInput[] => {
      const back = item.sold - item.returned;
      return back > 0
        ? [
            {
              actor: c.actor,
              orderId: order.id,
              webhookEventId: ev.id,
              reference: order.orderNumber,
              variantId: item.variantId,
              type: "RETURN",
              quantity: back,
              reason: `Refunded: order ${order.orderNumber}`,
              idempotencyKey: `order:${order.id}:${item.id}:refund`,
            },
          ]
        : [];
    });
    if (moves.length)
      await writeLockedMovements(
        trx,
        await lockVariants(
          trx,
          c.items.map((i) => i.variantId),
        ),
        moves,
      );
  }
  await updateOrder(trx, order.id, { status: target, updatedAt: new Date() });
  return applied(
    order,
    `order ${order.orderNumber} → ${target} (${money(refunded)} of ${money(totals.paidMinor)})`,
    [
      {
        action: `orders.${target.toLowerCase()}`,
        target: { type: "order", id: order.id },
        before: { status: order.status, refunded: money(totals.refundedMinor) },
        after: {
          status: target,
          refunded: money(refunded),
          refunds: fresh.map((r) => r.providerRefundId),
          webhookEvent: ev.id,
          eventType: ev.eventType,
        },
      },
    ],
  );
}

/**
 * An operator's "mark refunded" for a captured payment held in review: the money was handed back
 * at the provider, so it is recorded as RETURNED and never counts toward the order.
 */
export async function recordReturnedPayment(
  trx: Trx,
  ev: PaymentEventRef,
  meaning: Interpretation,
  orderId: string,
): Promise<void> {
  if (!meaning.paymentReference)
    throw new DomainError("BAD_REQUEST", "The event names no payment id to mark refunded");
  await upsertPayment(trx, {
    orderId,
    provider: ev.provider,
    providerPaymentId: meaning.paymentReference,
    amountMinor: meaning.amountMinor ?? 0,
    currency: meaning.currency ?? "?",
    status: "RETURNED",
    failureReason: null,
    capturedAt: new Date(),
    webhookEventId: ev.id,
  });
}
