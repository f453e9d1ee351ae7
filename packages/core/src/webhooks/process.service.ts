// Processing one stored event, exactly once: the event row is locked for the whole transaction
// and its effects commit with its PROCESSED status, so concurrent workers, replays and server
// instances serialise on it and a second run is a no-op. Stock moves carry idempotency keys
// per order and item, so two events about one payment (say payment_intent.succeeded and
// checkout.session.completed) still move stock once. Lock order: event → order → variants.
import type { Db, Trx } from "../db/database";
import { type Actor, writeAudit, writeAudits } from "../audit/audit.service";
import { DomainError } from "../errors";
import { enqueueJob, JOB, webhookJobKey } from "../jobs/queue";
import { lockOrdersWithItems, matchOrders, paymentKey } from "../orders/orders.queries";
import { applyPaymentEvent, captureMany } from "../orders/payment-events.service";
import { isRetryableFault } from "./faults";
import { type Interpretation, interpretEvent } from "./interpret";
import {
  holdEventForReview,
  insertWebhookAttempt,
  lockEventForProcessing,
  lockEventsForProcessing,
  lockWebhookEvent,
  selectDueEventIds,
  settleWebhookEvent,
  settleWebhookEvents,
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

export type ProcessOutcome = "PROCESSED" | "IGNORED" | "FAILED" | "NEEDS_REVIEW" | "SKIPPED" | "DEFERRED";

export interface ProcessResult {
  outcome: ProcessOutcome;
  error?: string;
}

/** Exponential backoff: base, 2×base, 4×base … capped at one hour. */
export function retryDelaySeconds(attempt: number, baseSeconds: number): number {
  return Math.min(3600, baseSeconds * 2 ** Math.max(0, attempt - 1));
}

/** Who an event's effects are audited as: the webhook itself, and the operator replaying it. */
const eventActor = (ev: WebhookEventRow, opts: Pick<ProcessOptions, "operator">): Actor => ({
  type: "SYSTEM",
  id: null,
  label: `webhook ${ev.provider.toLowerCase()} ${ev.providerEventId}${opts.operator ? ` (replay by ${opts.operator})` : ""}`,
});

const noSuchEvent = (eventId: string) => new DomainError("NOT_FOUND", `No webhook event ${eventId}`);

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
        await enqueueJob(
          trx,
          JOB.webhookProcess,
          { eventId: ev.id },
          { jobKey: webhookJobKey([ev.id]), runAt },
        );
        return auditReplay(trx, opts, ev, { outcome: "DEFERRED" });
      }
      const meaning = interpretEvent(ev.provider, ev.eventType, ev.payload);
      const actor = eventActor(ev, opts);
      const effect = meaning.effect === "NONE" ? undefined : await applyPaymentEvent(trx, ev, meaning, actor);
      const attempt = {
        eventId: ev.id,
        number: ev.attemptCount + 1,
        orderId: effect?.orderId ?? null,
        trigger: opts.trigger,
        operator: opts.operator ?? null,
        replayRunId: opts.replayRunId ?? null,
        startedAt,
      };
      if (effect?.kind === "REVIEW") {
        // Money that does not fit the order: held for an operator, never retried automatically.
        await holdEventForReview(trx, { ...attempt, reason: effect.reason });
        await writeAudit(trx, actor, {
          action: "webhooks.needs_review",
          target: { type: "webhook_event", id: ev.id },
          after: { orderId: effect.orderId, reason: effect.reason },
        });
        return auditReplay(trx, opts, ev, { outcome: "NEEDS_REVIEW", error: effect.reason });
      }
      const outcome = effect ? "PROCESSED" : "IGNORED";
      await settleWebhookEvent(trx, { ...attempt, outcome });
      // Audit rows last: the audit chain's lock is then held only until the commit.
      for (const audit of effect?.audits ?? []) await writeAudit(trx, actor, audit);
      return auditReplay(trx, opts, ev, { outcome });
    });
  } catch (cause) {
    // No such event is the caller's mistake; anything failing once it is open is recorded on it.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set inside the transaction callback
    if (!opened && cause instanceof DomainError && cause.code === "NOT_FOUND") throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    return recordFailure(db, eventId, startedAt, message.slice(0, 1000), isRetryableFault(cause), opts);
  }
}

/**
 * Processes many events with the effects processWebhookEvent would have, for a bulk replay: the
 * usual case (a payment captured for an order that awaits it) in one transaction of a few
 * statements for the whole set, so a replay costs a few round trips per batch rather than a dozen
 * per event. Locks are taken as one event's processing takes them (events, then orders, then
 * variants, each in id order), so batches and single events never deadlock. Anything else — an
 * event for an order already in the batch, money to review, another kind of event, payments
 * switched off, or a batch that fails — goes through processWebhookEvent, one event at a time,
 * after the batch commits. Returns each event's result, in input order.
 */
export async function processWebhookEvents(
  db: Db,
  eventIds: readonly string[],
  opts: Omit<ProcessOptions, "auditActor">,
): Promise<ProcessResult[]> {
  const startedAt = new Date();
  const done = new Map<string, ProcessResult>();
  if (eventIds.length > 1) {
    try {
      await db.transaction().execute(async (trx) => {
        const { events, paymentsFlag } = await lockEventsForProcessing(trx, eventIds);
        if (paymentsFlag === false) return;
        const open: { ev: WebhookEventRow; meaning: Interpretation }[] = [];
        for (const ev of events) {
          if (ev.status === "PROCESSED" || ev.status === "IGNORED") done.set(ev.id, { outcome: "SKIPPED" });
          else {
            const meaning = interpretEvent(ev.provider, ev.eventType, ev.payload);
            if (meaning.effect === "PAYMENT_SUCCEEDED") open.push({ ev, meaning });
          }
        }
        const matches = await matchOrders(
          trx,
          open.map(({ ev, meaning }) => ({ provider: ev.provider, ...meaning })),
        );
        // One event per order and per payment: a second one sees the first's effects alone.
        const orders = new Set<string>();
        const payments = new Set<string>();
        const matched = open.flatMap((o, i) => {
          const match = matches[i];
          if (match?.kind !== "FOUND" || orders.has(match.orderId)) return [];
          const payment = paymentKey(o.ev.provider, o.meaning.paymentReference ?? "");
          if (payments.has(payment)) return [];
          orders.add(match.orderId);
          payments.add(payment);
          return [{ ...o, orderId: match.orderId }];
        });
        const locked = await lockOrdersWithItems(
          trx,
          matched.map((m) => m.orderId),
        );
        const inputs = matched.flatMap(({ ev, meaning, orderId }) => {
          const o = locked.get(orderId);
          return o ? [{ ev, meaning, actor: eventActor(ev, opts), ...o }] : [];
        });
        const outcomes = await captureMany(trx, inputs);
        const settled = inputs.flatMap((input, i) => {
          const outcome = outcomes[i];
          return outcome?.kind === "APPLIED" ? [{ input, outcome }] : [];
        });
        await settleWebhookEvents(
          trx,
          settled.map(({ input: { ev }, outcome }) => ({
            eventId: ev.id,
            number: ev.attemptCount + 1,
            orderId: outcome.orderId,
            trigger: opts.trigger,
            operator: opts.operator ?? null,
            replayRunId: opts.replayRunId ?? null,
            startedAt,
            outcome: "PROCESSED" as const,
          })),
        );
        // Audit rows last: the audit chain's lock is then held only until the commit.
        await writeAudits(
          trx,
          settled.flatMap(({ input, outcome }) =>
            outcome.audits.map((event) => ({ actor: input.actor, event })),
          ),
        );
        for (const { input } of settled) done.set(input.ev.id, { outcome: "PROCESSED" });
      });
    } catch {
      // A fault in the batch rolls all of it back: each event is then processed, and any
      // failure recorded, on its own.
      done.clear();
    }
  }
  // An event that cannot be processed at all (NOT_FOUND, or its failure could not be recorded)
  // does not stop the others; the first such error is thrown at the end.
  const results: ProcessResult[] = [];
  let missing: unknown;
  for (const id of eventIds) {
    const result =
      done.get(id) ??
      (await processWebhookEvent(db, id, opts).catch((e: unknown) => ((missing ??= e), null)));
    if (result) results.push(result);
  }
  if (missing) throw missing;
  return results;
}

async function recordFailure(
  db: Db,
  eventId: string,
  startedAt: Date,
  error: string,
  retryable: boolean,
  opts: ProcessOptions,
): Promise<ProcessResult> {
  return db.transaction().execute(async (trx): Promise<ProcessResult> => {
    const ev = await lockWebhookEvent(trx, eventId);
    if (!ev) throw noSuchEvent(eventId);
    if (ev.status === "PROCESSED" || ev.status === "IGNORED")
      return auditReplay(trx, opts, ev, { outcome: "SKIPPED" });
    const number = ev.attemptCount + 1;
    const retry = opts.trigger === "AUTO" && number < opts.maxAttempts && retryable;
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
        { jobKey: webhookJobKey([ev.id]), runAt: nextAttemptAt },
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
    await enqueueJob(db, JOB.webhookProcess, { eventId: id }, { jobKey: webhookJobKey([id]) });
  return due.length;
}
