// Processing one stored event, exactly once: the event row is locked for the whole transaction
// and its effects commit with its PROCESSED status, so concurrent workers, replays and server
// instances serialise on it and a second run is a no-op. Stock moves carry idempotency keys
// per order and item, so two events about one payment (say payment_intent.succeeded and
// checkout.session.completed) still move stock once. Lock order: event → order → variants.
import type { Db, Trx } from "../db/database";
import { type Actor, type AuditInput, writeAudit } from "../audit/audit.service";
import { DomainError } from "../errors";
import { recordStockMovements, type StockMovementInput } from "../inventory/stock.service";
import { enqueueJob, JOB } from "../jobs/queue";
import { interpretEvent, type Interpretation } from "./interpret";
import {
  insertWebhookAttempt,
  lockEventForProcessing,
  lockOrderWithItems,
  lockWebhookEvent,
  selectDueEventIds,
  settleWebhookEvent,
  updateOrder,
  updateWebhookEvent,
  type WebhookEventRow,
} from "./webhooks.queries";

export interface ProcessOptions {
  trigger: "AUTO" | "REPLAY";
  operator?: string | null;
  replayRunId?: string | null;
  maxAttempts: number;
  backoffBaseSeconds: number;
  /** An operator's replay of this one event: audited inside the transaction that settles it. */
  auditActor?: Actor;
}

async function auditReplay(
  trx: Trx,
  opts: ProcessOptions,
  ev: WebhookEventRow,
  result: ProcessResult,
): Promise<ProcessResult> {
  if (opts.auditActor) {
    await writeAudit(trx, opts.auditActor, {
      action: "webhooks.replay_one",
      target: { type: "webhook_event", id: ev.id },
      before: { status: ev.status, attemptCount: ev.attemptCount },
      after: { outcome: result.outcome, error: result.error ?? null },
    });
  }
  return result;
}

export type ProcessOutcome = "PROCESSED" | "IGNORED" | "FAILED" | "SKIPPED" | "DEFERRED";

export interface ProcessResult {
  outcome: ProcessOutcome;
  error?: string;
}

const PAID_LIKE = new Set(["PAID", "SHIPPED", "DELIVERED", "REFUNDED"]);

/** Exponential backoff: base, 2×base, 4×base … capped at one hour. */
export function retryDelaySeconds(attempt: number, baseSeconds: number): number {
  return Math.min(3600, baseSeconds * 2 ** Math.max(0, attempt - 1));
}

const noSuchEvent = (eventId: string) => new DomainError("NOT_FOUND", `No webhook event ${eventId}`);

/** Locks the order the event is about and reads its items with their holds. */
async function lockEventOrder(trx: Trx, meaning: Interpretation) {
  const refs = [meaning.paymentReference, meaning.orderReference].filter((r): r is string => Boolean(r));
  if (refs.length === 0)
    throw new DomainError("BAD_REQUEST", "The event names no payment or order to act on");
  const locked = await lockOrderWithItems(trx, meaning);
  if (!locked)
    throw new DomainError("NOT_FOUND", `No order matches ${refs.join(" / ")} (yet); it will be retried`);
  return locked;
}

async function applyEffect(
  trx: Trx,
  ev: WebhookEventRow,
  meaning: Interpretation,
  actor: Actor,
): Promise<{ orderId: string; note: string; audit?: AuditInput }> {
  const { order, items } = await lockEventOrder(trx, meaning);
  const base = { actor, orderId: order.id, webhookEventId: ev.id, reference: order.orderNumber };
  const moves: StockMovementInput[] = [];
  let nextStatus: "PAID" | "FAILED" | "REFUNDED" | null = null;

  if (meaning.effect === "PAYMENT_SUCCEEDED") {
    if (PAID_LIKE.has(order.status)) return { orderId: order.id, note: `order already ${order.status}` };
    nextStatus = "PAID";
    for (const item of items) {
      const hold = Math.min(item.held, item.quantity);
      if (hold > 0)
        moves.push({
          ...base,
          variantId: item.variantId,
          type: "RELEASE",
          quantity: -hold,
          reason: "Payment captured: reservation becomes a sale",
          idempotencyKey: `order:${order.id}:${item.id}:release-on-pay`,
        });
      moves.push({
        ...base,
        variantId: item.variantId,
        type: "SALE",
        quantity: -item.quantity,
        reason: `Sold: order ${order.orderNumber}`,
        idempotencyKey: `order:${order.id}:${item.id}:sale`,
      });
    }
  } else if (meaning.effect === "PAYMENT_FAILED") {
    // A failure arriving after a capture never undoes a paid order.
    if (order.status !== "PENDING")
      return { orderId: order.id, note: `order is ${order.status}; payment failure ignored` };
    nextStatus = "FAILED";
    for (const item of items) {
      const hold = Math.min(item.held, item.quantity);
      if (hold > 0)
        moves.push({
          ...base,
          variantId: item.variantId,
          type: "RELEASE",
          quantity: -hold,
          reason: "Payment failed: reservation released",
          idempotencyKey: `order:${order.id}:${item.id}:release`,
        });
    }
  } else if (meaning.effect === "REFUNDED") {
    if (order.status === "REFUNDED") return { orderId: order.id, note: "order already refunded" };
    if (!PAID_LIKE.has(order.status))
      throw new DomainError(
        "PRECONDITION_FAILED",
        `Refund for order ${order.orderNumber}, which is ${order.status} (never paid); check it by hand`,
      );
    nextStatus = "REFUNDED";
    for (const item of items) {
      moves.push({
        ...base,
        variantId: item.variantId,
        type: "RETURN",
        quantity: item.quantity,
        reason: `Refunded: order ${order.orderNumber}`,
        idempotencyKey: `order:${order.id}:${item.id}:refund`,
      });
    }
  }

  if (moves.length) await recordStockMovements(trx, moves);
  if (nextStatus) {
    await updateOrder(trx, order.id, {
      status: nextStatus,
      updatedAt: new Date(),
      ...(nextStatus === "PAID" ? { paidAt: new Date() } : {}),
      paymentProvider: order.paymentProvider ?? ev.provider,
      paymentReference: order.paymentReference ?? meaning.paymentReference,
    });
    return {
      orderId: order.id,
      note: `order ${order.orderNumber} → ${nextStatus}`,
      audit: {
        action: `orders.${nextStatus.toLowerCase()}`,
        target: { type: "order", id: order.id },
        before: { status: order.status },
        after: { status: nextStatus, webhookEvent: ev.id, eventType: ev.eventType },
      },
    };
  }
  return { orderId: order.id, note: "no change" };
}

export async function processWebhookEvent(
  db: Db,
  eventId: string,
  opts: ProcessOptions,
): Promise<ProcessResult> {
  const startedAt = new Date();
  let opened = false;
  try {
    return await db.transaction().execute(async (trx): Promise<ProcessResult> => {
      // Effects and the PROCESSED status commit together, so a commit lost in a crash loses both
      // and the event is simply processed again: waiting for the WAL flush buys nothing here.
      const locked = await lockEventForProcessing(trx, eventId);
      if (!locked) throw noSuchEvent(eventId);
      opened = true;
      const { ev } = locked;
      // Same reading as getFlag: an unset or unreadable flag means its default (on).
      const paymentsEnabled = locked.paymentsFlag !== false;
      if (ev.status === "PROCESSED" || ev.status === "IGNORED")
        return auditReplay(trx, opts, ev, { outcome: "SKIPPED" });
      if (!paymentsEnabled) {
        // Payments are switched off: keep the event, look again in a minute, count no attempt.
        const runAt = new Date(Date.now() + 60_000);
        await updateWebhookEvent(trx, ev.id, { nextAttemptAt: runAt });
        await enqueueJob(trx, JOB.webhookProcess, { eventId: ev.id }, { jobKey: `webhook:${ev.id}`, runAt });
        return auditReplay(trx, opts, ev, { outcome: "DEFERRED" });
      }
      const meaning = interpretEvent(ev.provider, ev.eventType, ev.payload);
      const actor: Actor = {
        type: "SYSTEM",
        id: null,
        label: `webhook ${ev.provider.toLowerCase()} ${ev.providerEventId}${opts.operator ? ` (replay by ${opts.operator})` : ""}`,
      };
      const outcome = meaning.effect === "NONE" ? "IGNORED" : "PROCESSED";
      const effect = outcome === "PROCESSED" ? await applyEffect(trx, ev, meaning, actor) : undefined;
      const orderId = effect?.orderId ?? null;
      const number = ev.attemptCount + 1;
      await settleWebhookEvent(trx, {
        eventId: ev.id,
        outcome,
        number,
        orderId,
        trigger: opts.trigger,
        operator: opts.operator ?? null,
        replayRunId: opts.replayRunId ?? null,
        startedAt,
      });
      // Audit rows last: the audit chain's lock is then held only until the commit.
      if (effect?.audit) await writeAudit(trx, actor, effect.audit);
      return auditReplay(trx, opts, ev, { outcome });
    });
  } catch (cause) {
    // No such event is the caller's mistake; anything failing once it is open is recorded on it.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set inside the transaction callback
    if (!opened && cause instanceof DomainError && cause.code === "NOT_FOUND") throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    return recordFailure(db, eventId, startedAt, message.slice(0, 1000), opts);
  }
}

async function recordFailure(
  db: Db,
  eventId: string,
  startedAt: Date,
  error: string,
  opts: ProcessOptions,
): Promise<ProcessResult> {
  return db.transaction().execute(async (trx): Promise<ProcessResult> => {
    const ev = await lockWebhookEvent(trx, eventId);
    if (!ev) throw noSuchEvent(eventId);
    if (ev.status === "PROCESSED" || ev.status === "IGNORED")
      return auditReplay(trx, opts, ev, { outcome: "SKIPPED" });
    const number = ev.attemptCount + 1;
    const retry = opts.trigger === "AUTO" && number < opts.maxAttempts;
    const nextAttemptAt = retry
      ? new Date(Date.now() + retryDelaySeconds(number, opts.backoffBaseSeconds) * 1000)
      : null;
    await updateWebhookEvent(trx, ev.id, {
      status: "FAILED",
      attemptCount: number,
      lastError: error,
      nextAttemptAt,
    });
    await insertWebhookAttempt(trx, {
      eventId: ev.id,
      number,
      trigger: opts.trigger,
      operator: opts.operator ?? null,
      replayRunId: opts.replayRunId ?? null,
      startedAt,
      outcome: "FAILED",
      error,
    });
    if (nextAttemptAt)
      await enqueueJob(
        trx,
        JOB.webhookProcess,
        { eventId: ev.id },
        { jobKey: `webhook:${ev.id}`, runAt: nextAttemptAt },
      );
    return auditReplay(trx, opts, ev, { outcome: "FAILED", error });
  });
}

/**
 * Re-queues events whose job was lost (a worker killed mid-job, a queue wiped): PENDING ones
 * older than a minute and FAILED ones whose retry time has come. Job keys collapse duplicates.
 */
export async function sweepDueWebhooks(
  db: Db,
  opts: { limit?: number; pendingOlderThanMs?: number } = {},
): Promise<number> {
  const limit = opts.limit ?? 1000;
  const pendingCutoff = new Date(Date.now() - (opts.pendingOlderThanMs ?? 60_000));
  const due = await selectDueEventIds(db, { pendingCutoff, now: new Date(), limit });
  for (const id of due)
    await enqueueJob(db, JOB.webhookProcess, { eventId: id }, { jobKey: `webhook:${id}` });
  return due.length;
}
