// Reads for operators: search with keyset paging, detail with attempts, rejections, health.
import { sql, type SelectQueryBuilder } from "kysely";
import type { Database, DbOrTrx, WebhookEventsTable } from "../db/database";
import type { Selectable } from "kysely";
import { DomainError } from "../errors";
import {
  PROVIDERS,
  ZWebhookListInput,
  type THealthPoint,
  type TProviderHealth,
  type TWebhookEventDetail,
  type TWebhookEventSummary,
  type TWebhookFilter,
  type TWebhookListInput,
  type TWebhookRejection,
} from "./webhooks.schema";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function applyWebhookFilter<O>(
  q: SelectQueryBuilder<Database, "webhookEvents", O>,
  f: TWebhookFilter,
): SelectQueryBuilder<Database, "webhookEvents", O> {
  if (f.provider) q = q.where("webhookEvents.provider", "=", f.provider);
  if (f.status) q = q.where("webhookEvents.status", "=", f.status);
  if (f.eventType) q = q.where("webhookEvents.eventType", "=", f.eventType);
  if (f.from) q = q.where("webhookEvents.receivedAt", ">=", new Date(f.from));
  if (f.to) q = q.where("webhookEvents.receivedAt", "<=", new Date(f.to));
  if (f.error) q = q.where("webhookEvents.lastError", "ilike", `%${f.error.replace(/[%_\\]/g, "\\$&")}%`);
  if (f.reference) {
    const ref = f.reference;
    q = q.where((eb) =>
      eb.or([
        eb("webhookEvents.paymentReference", "=", ref),
        eb("webhookEvents.orderReference", "=", ref),
        eb("webhookEvents.providerEventId", "=", ref),
        ...(UUID.test(ref) ? [eb("webhookEvents.orderId", "=", ref), eb("webhookEvents.id", "=", ref)] : []),
      ]),
    );
  }
  return q;
}

export const SUMMARY_COLUMNS = [
  "id",
  "provider",
  "providerEventId",
  "eventType",
  "status",
  "attemptCount",
  "lastError",
  "nextAttemptAt",
  "receivedAt",
  "processedAt",
  "paymentReference",
  "orderReference",
  "orderId",
] as const;

export function toSummary(
  r: Pick<Selectable<WebhookEventsTable>, (typeof SUMMARY_COLUMNS)[number]>,
): TWebhookEventSummary {
  return {
    id: r.id,
    provider: r.provider,
    providerEventId: r.providerEventId,
    eventType: r.eventType,
    status: r.status,
    attemptCount: r.attemptCount,
    lastError: r.lastError,
    nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null,
    receivedAt: r.receivedAt.toISOString(),
    processedAt: r.processedAt?.toISOString() ?? null,
    paymentReference: r.paymentReference,
    orderReference: r.orderReference,
    orderId: r.orderId,
  };
}

function encodeCursor(r: { receivedAt: Date; id: string }): string {
  return Buffer.from(`${r.receivedAt.toISOString()}|${r.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const date = new Date(at ?? "");
  if (!id || !UUID.test(id) || Number.isNaN(date.getTime()))
    throw new DomainError("BAD_REQUEST", "Invalid page cursor; start from the first page");
  return { at: date, id };
}

export async function listWebhookEvents(
  db: DbOrTrx,
  raw: TWebhookListInput,
): Promise<{ items: TWebhookEventSummary[]; nextCursor: string | null }> {
  const input = ZWebhookListInput.parse(raw);
  let q = applyWebhookFilter(db.selectFrom("webhookEvents").select([...SUMMARY_COLUMNS]), input.filter);
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    q = q.where((eb) =>
      eb(eb.refTuple("webhookEvents.receivedAt", "webhookEvents.id"), "<", eb.tuple(c.at, c.id)),
    );
  }
  const rows = await q
    .orderBy("webhookEvents.receivedAt", "desc")
    .orderBy("webhookEvents.id", "desc")
    .limit(input.limit + 1)
    .execute();
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toSummary),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null,
  };
}

export async function getWebhookEvent(db: DbOrTrx, id: string): Promise<TWebhookEventDetail> {
  if (!UUID.test(id)) throw new DomainError("BAD_REQUEST", "Not an event id");
  const row = await db.selectFrom("webhookEvents").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw new DomainError("NOT_FOUND", `No webhook event ${id}`);
  const attempts = await db
    .selectFrom("webhookAttempts")
    .selectAll()
    .where("eventId", "=", id)
    .orderBy("number")
    .execute();
  return {
    ...toSummary(row),
    payload: row.payload,
    headers: row.headers as Record<string, string>,
    attempts: attempts.map((a) => ({
      number: a.number,
      trigger: a.trigger,
      operator: a.operator,
      replayRunId: a.replayRunId,
      startedAt: a.startedAt.toISOString(),
      finishedAt: a.finishedAt.toISOString(),
      outcome: a.outcome,
      error: a.error,
    })),
  };
}

export async function listWebhookRejections(db: DbOrTrx, limit = 100): Promise<TWebhookRejection[]> {
  const rows = await db
    .selectFrom("webhookRejections")
    .selectAll()
    .orderBy("receivedAt", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: String(r.id),
    provider: r.provider,
    receivedAt: r.receivedAt.toISOString(),
    reason: r.reason,
    statusCode: r.statusCode,
    ip: r.ip,
    requestId: r.requestId,
    bodyBytes: r.bodyBytes,
    bodySha256: r.bodySha256,
  }));
}

export async function getWebhookHealth(
  db: DbOrTrx,
  opts: { windowHours: number; minVolume: number; threshold?: number },
): Promise<TProviderHealth[]> {
  const threshold = opts.threshold ?? 0.95;
  const since = new Date(Date.now() - opts.windowHours * 3_600_000);
  const { rows } = await sql<{
    provider: "STRIPE" | "RAZORPAY";
    total: string;
    processed: string;
    failed: string;
    pending: string;
    ignored: string;
    p50: number | null;
    p95: number | null;
    oldestPending: number | null;
  }>`
    SELECT provider,
      count(*) AS total,
      count(*) FILTER (WHERE status = 'PROCESSED') AS processed,
      count(*) FILTER (WHERE status = 'FAILED') AS failed,
      count(*) FILTER (WHERE status IN ('PENDING','PROCESSING')) AS pending,
      count(*) FILTER (WHERE status = 'IGNORED') AS ignored,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at) * 1000) FILTER (WHERE status = 'PROCESSED') AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at) * 1000) FILTER (WHERE status = 'PROCESSED') AS p95,
      extract(epoch FROM now() - min(received_at) FILTER (WHERE status IN ('PENDING','PROCESSING'))) AS oldest_pending
    FROM webhook_events WHERE received_at >= ${since}
    GROUP BY provider
  `.execute(db);
  return PROVIDERS.map((provider) => {
    const r = rows.find((x) => x.provider === provider);
    const processed = Number(r?.processed ?? 0);
    const failed = Number(r?.failed ?? 0);
    const decided = processed + failed;
    const successRate = decided > 0 ? processed / decided : null;
    const alert = successRate !== null && decided >= opts.minVolume && successRate < threshold;
    return {
      provider,
      total: Number(r?.total ?? 0),
      processed,
      failed,
      pending: Number(r?.pending ?? 0),
      ignored: Number(r?.ignored ?? 0),
      successRate,
      p50LatencyMs: r?.p50 == null ? null : Math.round(Number(r.p50)),
      p95LatencyMs: r?.p95 == null ? null : Math.round(Number(r.p95)),
      oldestPendingSeconds: r?.oldestPending == null ? null : Math.round(Number(r.oldestPending)),
      alert,
      alertReason: alert
        ? `success rate ${(successRate * 100).toFixed(1)}% is below ${threshold * 100}% over ${decided} decided events`
        : null,
    };
  });
}

/** Hourly processed/failed counts per provider for the success-rate chart. */
export async function getWebhookHealthSeries(db: DbOrTrx, windowHours: number): Promise<THealthPoint[]> {
  const since = new Date(Date.now() - windowHours * 3_600_000);
  const { rows } = await sql<{
    hour: Date;
    provider: "STRIPE" | "RAZORPAY";
    processed: string;
    failed: string;
  }>`
    SELECT date_trunc('hour', received_at) AS hour, provider,
      count(*) FILTER (WHERE status = 'PROCESSED') AS processed,
      count(*) FILTER (WHERE status = 'FAILED') AS failed
    FROM webhook_events WHERE received_at >= ${since}
    GROUP BY 1, 2 ORDER BY 1, 2
  `.execute(db);
  return rows.map((r) => {
    const processed = Number(r.processed);
    const failed = Number(r.failed);
    return {
      hour: new Date(r.hour).toISOString(),
      provider: r.provider,
      processed,
      failed,
      successRate: processed + failed > 0 ? processed / (processed + failed) : null,
    };
  });
}
