// Processing one stored event, exactly once: the event row is locked for the whole transaction
// and its effects commit with its PROCESSED status, so concurrent workers, replays and server
// instances serialise on it and a second run is a no-op. Stock moves carry idempotency keys
// per order and item, so two events about one payment (say payment_intent.succeeded and
// checkout.session.completed) still move stock once. Lock order: event → order → variants.
import type { Db, OrdersTable, Trx, WebhookEventsTable } from "../db/database";
import { sql, type Selectable } from "kysely";
import { type Actor, type AuditInput, writeAudit } from "../audit/audit.service";
import { DomainError } from "../errors";
import { recordStockMovements, type StockMovementInput } from "../inventory/stock.service";
import { enqueueJob, JOB } from "../jobs/queue";
import { interpretEvent, type Interpretation } from "./interpret";

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
  ev: EventRow,
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

type EventRow = Selectable<WebhookEventsTable>;

const PAID_LIKE = new Set(["PAID", "SHIPPED", "DELIVERED", "REFUNDED"]);

/** Exponential backoff: base, 2×base, 4×base … capped at one hour. */
export function retryDelaySeconds(attempt: number, baseSeconds: number): number {
  return Math.min(3600, baseSeconds * 2 ** Math.max(0, attempt - 1));
}

async function lockEvent(trx: Trx, eventId: string): Promise<EventRow> {
  const ev = await trx
    .selectFrom("webhookEvents")
    .selectAll()
    .where("id", "=", eventId)
    .forUpdate()
    .executeTakeFirst();
  if (!ev) throw new DomainError("NOT_FOUND", `No webhook event ${eventId}`);
  return ev;
}

/**
 * The first statement of a processing transaction, in one round trip: switches the transaction
 * to asynchronous commit, locks the event and reads the payments_enabled flag.
 */
async function openProcessing(
  trx: Trx,
  eventId: string,
): Promise<{ ev: EventRow; paymentsEnabled: boolean }> {
  const { rows } = await sql<EventRow & { paymentsFlag: unknown; sync: string }>`
    SELECT e.*, set_config('synchronous_commit', 'off', true) AS sync,
      (SELECT value FROM system_config WHERE key = 'payments_enabled') AS payments_flag
    FROM webhook_events e WHERE e.id = ${eventId} FOR UPDATE OF e
  `.execute(trx);
  const row = rows[0];
  if (!row) throw new DomainError("NOT_FOUND", `No webhook event ${eventId}`);
  const { paymentsFlag, sync: _sync, ...ev } = row;
  // Same reading as getFlag: an unset or unreadable flag means its default (on).
  return { ev, paymentsEnabled: paymentsFlag !== false };
}

interface OrderItemHold {
  id: string;
  variantId: string;
  quantity: number;
  /** Stock still held for this item (its reservations minus releases). */
  held: number;
}

/** Locks the order the event is about and reads its items with their holds, in one round trip. */
async function lockOrderWithItems(trx: Trx, meaning: Interpretation) {
  const refs = [meaning.paymentReference, meaning.orderReference].filter((r): r is string => Boolean(r));
  if (refs.length === 0)
    throw new DomainError("BAD_REQUEST", "The event names no payment or order to act on");
  const { rows } = await sql<Selectable<OrdersTable> & { items: OrderItemHold[] }>`
    SELECT o.*, coalesce((
      SELECT json_agg(json_build_object('id', i.id, 'variantId', i.variant_id, 'quantity', i.quantity,
        'held', coalesce((SELECT sum(t.reserved_delta) FROM inventory_transactions t WHERE t.order_id = i.order_id AND t.variant_id = i.variant_id), 0)) ORDER BY i.id)
      FROM order_items i WHERE i.order_id = o.id), '[]') AS items
    FROM orders o
    WHERE (${meaning.paymentReference}::text IS NOT NULL AND o.payment_reference = ${meaning.paymentReference})
       OR (${meaning.orderReference}::text IS NOT NULL AND o.order_number = ${meaning.orderReference})
    ORDER BY o.created_at LIMIT 1
    FOR UPDATE OF o
  `.execute(trx);
  const row = rows[0];
  if (!row)
    throw new DomainError("NOT_FOUND", `No order matches ${refs.join(" / ")} (yet); it will be retried`);
  const { items, ...order } = row;
  return { order, items: items.map((i) => ({ ...i, held: Number(i.held) })) };
}

async function applyEffect(
  trx: Trx,
  ev: EventRow,
  meaning: Interpretation,
  actor: Actor,
): Promise<{ orderId: string; note: string; audit?: AuditInput }> {
  const { order, items } = await lockOrderWithItems(trx, meaning);
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
    await trx
      .updateTable("orders")
      .set({
        status: nextStatus,
        updatedAt: new Date(),
        ...(nextStatus === "PAID" ? { paidAt: new Date() } : {}),
        paymentProvider: order.paymentProvider ?? ev.provider,
        paymentReference: order.paymentReference ?? meaning.paymentReference,
      })
      .where("id", "=", order.id)
      .execute();
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
      const { ev, paymentsEnabled } = await openProcessing(trx, eventId);
      opened = true;
      if (ev.status === "PROCESSED" || ev.status === "IGNORED")
        return auditReplay(trx, opts, ev, { outcome: "SKIPPED" });
      if (!paymentsEnabled) {
        // Payments are switched off: keep the event, look again in a minute, count no attempt.
        const runAt = new Date(Date.now() + 60_000);
        await trx
          .updateTable("webhookEvents")
          .set({ nextAttemptAt: runAt })
          .where("id", "=", ev.id)
          .execute();
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
      await sql`
        WITH settled AS (
          UPDATE webhook_events SET status = ${outcome}, attempt_count = ${number}, last_error = NULL, next_attempt_at = NULL, processed_at = now(), order_id = ${orderId}
          WHERE id = ${ev.id} RETURNING id
        )
        INSERT INTO webhook_attempts (event_id, number, trigger, operator, replay_run_id, started_at, outcome)
        SELECT id, ${number}, ${opts.trigger}, ${opts.operator ?? null}, ${opts.replayRunId ?? null}, ${startedAt}, ${outcome} FROM settled
      `.execute(trx);
      // Audit rows last: the audit chain's lock is then held only until the commit.
      if (effect?.audit) await writeAudit(trx, actor, effect.audit);
      return auditReplay(trx, opts, ev, { outcome });
    });
  } catch (cause) {
    // No such event is the caller's mistake; anything failing once it is open is recorded on it.
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
    const ev = await lockEvent(trx, eventId);
    if (ev.status === "PROCESSED" || ev.status === "IGNORED")
      return auditReplay(trx, opts, ev, { outcome: "SKIPPED" });
    const number = ev.attemptCount + 1;
    const retry = opts.trigger === "AUTO" && number < opts.maxAttempts;
    const nextAttemptAt = retry
      ? new Date(Date.now() + retryDelaySeconds(number, opts.backoffBaseSeconds) * 1000)
      : null;
    await trx
      .updateTable("webhookEvents")
      .set({ status: "FAILED", attemptCount: number, lastError: error, nextAttemptAt })
      .where("id", "=", ev.id)
      .execute();
    await trx
      .insertInto("webhookAttempts")
      .values({
        eventId: ev.id,
        number,
        trigger: opts.trigger,
        operator: opts.operator ?? null,
        replayRunId: opts.replayRunId ?? null,
        startedAt,
        outcome: "FAILED",
        error,
      })
      .execute();
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
  const due = await db
    .selectFrom("webhookEvents")
    .select("id")
    .where((eb) =>
      eb.or([
        eb.and([
          eb("status", "=", "PENDING"),
          eb("receivedAt", "<", pendingCutoff),
          eb.or([eb("nextAttemptAt", "is", null), eb("nextAttemptAt", "<=", new Date())]),
        ]),
        eb.and([eb("status", "=", "FAILED"), eb("nextAttemptAt", "<=", new Date())]),
      ]),
    )
    .orderBy("receivedAt")
    .limit(limit)
    .execute();
  for (const { id } of due)
    await enqueueJob(db, JOB.webhookProcess, { eventId: id }, { jobKey: `webhook:${id}` });
  return due.length;
}
