// Orders for ops: the detail of one order, the review queue's resolutions, returning stock by
// hand, and the runbook's payment diagnosis. Every change: one transaction, audited, with a reason.
import type { Db } from "../db/database";
import { type Actor, writeAudit } from "../audit/audit.service";
import { DomainError } from "../errors";
import { lockVariants } from "../inventory/inventory.queries";
import { type StockMovementInput, writeLockedMovements } from "../inventory/stock.service";
import { interpretEvent } from "../webhooks/interpret";
import { lockWebhookEvent, updateWebhookEvent, insertWebhookAttempt } from "../webhooks/webhooks.queries";
import {
  countNeedsReview,
  countOpenOversoldOrders,
  lockOrderWithItems,
  selectLedgerKeys,
  selectOrder,
  selectOrderEvents,
  selectOrderItemsDetail,
  selectOrderLedger,
  selectOrderPayments,
  selectOrderRefunds,
  selectOrderTotals,
  selectRecentFailedPayments,
  selectWebhookStatusCounts,
  toOrderSummary,
} from "./orders.queries";
import {
  ZFailedPaymentsInput,
  ZResolveReview,
  ZReturnStock,
  type TFailedPaymentsInput,
  type TOrderDetail,
  type TPaymentDiagnosis,
  type TResolveReview,
  type TResolveReviewResult,
  type TReturnStock,
  type TReturnStockResult,
  type TReviewResolution,
} from "./orders.schema";
import { applyPaymentEvent, recordReturnedPayment } from "./payment-events.service";
import { nextOrderStatuses } from "./transitions";

const noOrder = (ref: string) => new DomainError("NOT_FOUND", `No order ${ref}`);

export async function getOrderDetail(db: Db, ref: string): Promise<TOrderDetail> {
  const order = await selectOrder(db, ref);
  if (!order) throw noOrder(ref);
  const [totals, items, payments, refunds, ledger] = await Promise.all([
    selectOrderTotals(db, [order.id]),
    selectOrderItemsDetail(db, order.id),
    selectOrderPayments(db, order.id),
    selectOrderRefunds(db, order.id),
    selectOrderLedger(db, order.id),
  ]);
  const events = await selectOrderEvents(db, order.id, [
    ...new Set([
      ...payments.map((p) => p.providerPaymentId),
      ...(order.paymentReference ? [order.paymentReference] : []),
    ]),
  ]);
  return {
    ...toOrderSummary(order, totals.get(order.id)),
    oversoldItems: order.oversoldItems,
    nextStatuses: nextOrderStatuses(order.status),
    items,
    payments: payments.map((p) => ({
      id: p.id,
      provider: p.provider,
      providerPaymentId: p.providerPaymentId,
      amountMinor: p.amountMinor,
      currency: p.currency,
      status: p.status,
      failureReason: p.failureReason,
      capturedAt: p.capturedAt?.toISOString() ?? null,
      createdAt: p.createdAt.toISOString(),
      webhookEventId: p.webhookEventId,
    })),
    refunds: refunds.map((r) => ({
      id: r.id,
      paymentId: r.paymentId,
      providerRefundId: r.providerRefundId,
      amountMinor: r.amountMinor,
      currency: r.currency,
      reason: r.reason,
      createdAt: r.createdAt.toISOString(),
      webhookEventId: r.webhookEventId,
    })),
    events: events.map((e) => ({
      id: e.id,
      provider: e.provider,
      providerEventId: e.providerEventId,
      eventType: e.eventType,
      status: e.status,
      receivedAt: e.receivedAt.toISOString(),
      processedAt: e.processedAt?.toISOString() ?? null,
      lastError: e.lastError,
      reviewReason: e.reviewReason,
      resolution: e.resolution,
      resolutionReason: e.resolutionReason,
      resolvedBy: e.resolvedBy,
    })),
    ledger: ledger.map((l) => ({
      id: l.id,
      type: l.type,
      variantId: l.variantId,
      quantity: l.quantity,
      reservedDelta: l.reservedDelta,
      reason: l.reason,
      createdAt: l.createdAt.toISOString(),
    })),
  };
}

const RESOLUTION: Record<TResolveReview["action"], TReviewResolution> = {
  ACCEPT_AS_PAID: "ACCEPTED_AS_PAID",
  MARK_REFUNDED: "MARKED_REFUNDED",
  DISMISS: "DISMISSED",
};

/**
 * Settles an event held in NEEDS_REVIEW. Accept as paid applies a capture without the money check;
 * mark refunded records a captured payment as handed back (or applies a held refund); dismiss
 * leaves the order alone. The event keeps its review reason and gains the resolution.
 */
export async function resolveReview(
  db: Db,
  actor: Actor,
  raw: TResolveReview,
): Promise<TResolveReviewResult> {
  const input = ZResolveReview.parse(raw);
  const resolution = RESOLUTION[input.action];
  return db.transaction().execute(async (trx) => {
    const ev = await lockWebhookEvent(trx, input.eventId);
    if (!ev) throw new DomainError("NOT_FOUND", `No webhook event ${input.eventId}`);
    if (ev.status !== "NEEDS_REVIEW")
      throw new DomainError(
        "CONFLICT",
        `Event ${ev.providerEventId} is ${ev.status}, not waiting for review`,
      );
    const meaning = interpretEvent(ev.provider, ev.eventType, ev.payload);
    let orderId = ev.orderId;
    let note = "dismissed";
    const sys: Actor = { ...actor, label: `${actor.label ?? "operator"} (review of ${ev.providerEventId})` };
    if (input.action === "ACCEPT_AS_PAID") {
      if (meaning.effect !== "PAYMENT_SUCCEEDED")
        throw new DomainError(
          "BAD_REQUEST",
          `Only a captured payment can be accepted as paid (this is ${ev.eventType})`,
        );
      const outcome = await applyPaymentEvent(trx, ev, meaning, sys, { acceptMismatch: true });
      if (outcome.kind === "REVIEW")
        throw new DomainError("PRECONDITION_FAILED", `Cannot accept: ${outcome.reason}`);
      orderId = outcome.orderId;
      note = outcome.note;
      for (const a of outcome.audits) await writeAudit(trx, actor, { ...a, reason: input.reason });
    } else if (input.action === "MARK_REFUNDED") {
      if (meaning.effect === "REFUNDED") {
        const outcome = await applyPaymentEvent(trx, ev, meaning, sys);
        if (outcome.kind === "REVIEW")
          throw new DomainError("PRECONDITION_FAILED", `Cannot apply the refund: ${outcome.reason}`);
        orderId = outcome.orderId;
        note = outcome.note;
        for (const a of outcome.audits) await writeAudit(trx, actor, { ...a, reason: input.reason });
      } else if (meaning.effect === "PAYMENT_SUCCEEDED") {
        if (!orderId)
          throw new DomainError(
            "PRECONDITION_FAILED",
            "The event is matched to no order; dismiss it instead",
          );
        await recordReturnedPayment(trx, ev, meaning, orderId);
        note = `payment ${meaning.paymentReference ?? ""} recorded as handed back`;
      } else throw new DomainError("BAD_REQUEST", `A ${ev.eventType} event has no money to mark refunded`);
    }
    const now = new Date();
    await updateWebhookEvent(trx, ev.id, {
      status: input.action === "DISMISS" ? "IGNORED" : "PROCESSED",
      processedAt: now,
      orderId,
      resolution,
      resolutionReason: input.reason,
      resolvedBy: actor.label,
      resolvedAt: now,
      attemptCount: ev.attemptCount + 1,
    });
    await insertWebhookAttempt(trx, {
      eventId: ev.id,
      number: ev.attemptCount + 1,
      trigger: "REPLAY",
      operator: actor.label,
      startedAt: now,
      outcome: input.action === "DISMISS" ? "IGNORED" : "PROCESSED",
      error: null,
    });
    const status = orderId ? ((await selectOrder(trx, orderId))?.status ?? null) : null;
    await writeAudit(trx, actor, {
      action: "webhooks.review_resolved",
      target: { type: "webhook_event", id: ev.id },
      before: { status: ev.status, reviewReason: ev.reviewReason },
      after: { resolution, orderId, orderStatus: status, note },
      reason: input.reason,
    });
    return { eventId: ev.id, resolution, orderId, orderStatus: status };
  });
}

/**
 * Puts stock back for chosen items of a refunded or partially refunded order (RETURN rows). Never
 * more than was sold and not yet returned; the same request key twice returns nothing more.
 */
export async function returnOrderStock(db: Db, actor: Actor, raw: TReturnStock): Promise<TReturnStockResult> {
  const input = ZReturnStock.parse(raw);
  return db.transaction().execute(async (trx) => {
    const found = await selectOrder(trx, input.orderId);
    if (!found) throw noOrder(input.orderId);
    const locked = await lockOrderWithItems(trx, found.id);
    if (!locked) throw noOrder(input.orderId);
    const { order, items } = locked;
    if (order.status !== "REFUNDED" && order.status !== "PARTIALLY_REFUNDED")
      throw new DomainError(
        "PRECONDITION_FAILED",
        `${order.orderNumber} is ${order.status}: stock is returned by hand only for refunded or partially refunded orders`,
      );
    const keyPrefix = input.requestKey ? `order:${order.id}:return:${input.requestKey}:` : null;
    if (keyPrefix && (await selectLedgerKeys(trx, keyPrefix)).length > 0)
      return { orderId: order.id, returned: [], repeated: true };
    const moves: StockMovementInput[] = [];
    const returned: TReturnStockResult["returned"] = [];
    const asked = new Map<string, number>();
    for (const { itemId, quantity } of input.items) asked.set(itemId, (asked.get(itemId) ?? 0) + quantity);
    for (const [itemId, quantity] of asked) {
      const item = items.find((i) => i.id === itemId);
      if (!item)
        throw new DomainError("BAD_REQUEST", `items: ${itemId} is not an item of ${order.orderNumber}`);
      const open = item.sold - item.returned;
      if (quantity > open)
        throw new DomainError(
          "BAD_REQUEST",
          `items: only ${open} of item ${itemId} can be returned (${item.sold} sold, ${item.returned} returned), asked for ${quantity}`,
        );
      moves.push({
        actor,
        orderId: order.id,
        reference: order.orderNumber,
        variantId: item.variantId,
        type: "RETURN",
        quantity,
        reason: `Returned by hand: ${input.reason}`,
        idempotencyKey: keyPrefix ? `${keyPrefix}${item.id}` : null,
      });
      returned.push({ itemId, variantId: item.variantId, quantity });
    }
    const variants = await lockVariants(
      trx,
      moves.map((m) => m.variantId),
    );
    await writeLockedMovements(trx, variants, moves);
    await writeAudit(trx, actor, {
      action: "orders.return_stock",
      target: { type: "order", id: order.id },
      after: { returned },
      reason: input.reason,
    });
    return { orderId: order.id, returned, repeated: false };
  });
}

/** The runbook's diagnosePaymentIssues: failed payments by provider, event states, review and oversold counts. */
export async function diagnosePaymentIssues(
  db: Db,
  raw: TFailedPaymentsInput = {},
): Promise<TPaymentDiagnosis> {
  const input = ZFailedPaymentsInput.parse(raw);
  const since = new Date(Date.now() - input.windowHours * 3_600_000);
  const [failed, webhookStatus, needsReview, oversoldOpen] = await Promise.all([
    selectRecentFailedPayments(db, since, input.limit),
    selectWebhookStatusCounts(db, since),
    countNeedsReview(db),
    countOpenOversoldOrders(db),
  ]);
  const providers = (["STRIPE", "RAZORPAY"] as const).map((provider) => {
    const rows = failed.filter((f) => f.provider === provider);
    return {
      provider,
      count: rows[0]?.total ?? 0,
      recent: rows.map((r) => ({
        paymentId: r.id,
        providerPaymentId: r.providerPaymentId,
        orderId: r.orderId,
        orderNumber: r.orderNumber,
        amountMinor: r.amountMinor,
        currency: r.currency,
        failureReason: r.failureReason,
        at: new Date(r.at).toISOString(),
      })),
    };
  });
  return {
    windowHours: input.windowHours,
    failedPayments: providers,
    webhookStatus,
    needsReview,
    oversoldOpen,
  };
}

/**
 * What needs ops' attention in payments, as a health check: orders paid although their stock was
 * gone (restock or refund) and events waiting for review. Warns; never fails readiness. The
 * monitoring alert rules can call this too.
 */
export async function checkPaymentsAttention(db: Db): Promise<{ status: "pass" | "warn"; message: string }> {
  const [oversold, review] = await Promise.all([countOpenOversoldOrders(db), countNeedsReview(db)]);
  if (oversold === 0 && review === 0)
    return { status: "pass", message: "no oversold orders, no events to review" };
  return {
    status: "warn",
    message: `${oversold} oversold order(s) to restock or refund, ${review} payment event(s) waiting for review`,
  };
}
