// Webhook SQL: operator reads (search, detail, rejections, health), intake writes, processing
// locks and settlement, replay runs.
import {
  type Insertable,
  sql,
  type Selectable,
  type SelectQueryBuilder,
  type SqlBool,
  type Updateable,
} from "kysely";
import { z } from "zod";
import type {
  Database,
  Db,
  DbOrTrx,
  Trx,
  WebhookAttemptsTable,
  WebhookEventsTable,
  WebhookRejectionsTable,
  WebhookReplayRunsTable,
} from "../db/database";
import { preparedStatement } from "../db/client";
import { DomainError, must } from "../errors";
import { decodeCursor, toPage, ZKeyBigint, ZKeyTime } from "../pagination/cursor";
import { keyTimeText, newestFirst, type NewestFirstPage } from "../pagination/keyset";
import type { TPage } from "../pagination/pagination.schema";
import { JOB, WEBHOOK_JOB_KEY_PREFIX } from "../jobs/queue";
import {
  PROVIDERS,
  ZRejectionListInput,
  ZWebhookListInput,
  type TAttemptOutcome,
  type TAttemptTrigger,
  type THealthPoint,
  type TProvider,
  type TProviderHealth,
  type TWebhookEventDetail,
  type TWebhookEventSummary,
  type TWebhookFilter,
  type TRejectionListInput,
  type TWebhookListInput,
  type TWebhookRejection,
} from "./webhooks.schema";

/** An event as processing reads it: without the raw body (text and bytes), which it never needs. */
export type WebhookEventRow = Omit<
  Selectable<WebhookEventsTable>,
  | "rawBytes"
  | "headers"
  | "resolution"
  | "resolutionReason"
  | "resolvedBy"
  | "resolvedAt"
  | "bodySha256"
  | "verifiedWith"
  | "verifiedSecretId"
>;
const PROCESSING_COLUMNS = [
  "id",
  "provider",
  "providerEventId",
  "eventType",
  "payload",
  "payloadSanitized",
  "paymentReference",
  "orderReference",
  "receivedAt",
  "status",
  "attemptCount",
  "lastError",
  "nextAttemptAt",
  "processedAt",
  "orderId",
  "replayRunId",
  "reviewReason",
] as const satisfies readonly (keyof WebhookEventRow)[];
export type ReplayRunRow = Selectable<WebhookReplayRunsTable>;

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
        // Every provider named: the (provider, provider_event_id) unique index then serves this arm.
        eb.and([
          eb("webhookEvents.provider", "in", PROVIDERS),
          eb("webhookEvents.providerEventId", "=", ref),
        ]),
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
  "reviewReason",
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
    reviewReason: r.reviewReason,
  };
}

const ZEventKey = z.tuple([ZKeyTime, z.uuid()]);

export async function listWebhookEvents(
  db: DbOrTrx,
  raw: TWebhookListInput,
): Promise<TPage<TWebhookEventSummary>> {
  const input = ZWebhookListInput.parse(raw);
  const before = decodeCursor(input.cursor, ZEventKey);
  const rows = await newestFirst(
    applyWebhookFilter(db.selectFrom("webhookEvents").select([...SUMMARY_COLUMNS]), input.filter),
    { time: "webhookEvents.receivedAt", id: "webhookEvents.id" },
    { limit: input.limit + 1, before },
  ).execute();
  return toPage(rows, input.limit, toSummary, (r) => [r.keyTime, r.id]);
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
    payloadSanitized: row.payloadSanitized,
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

const ZRejectionKey = z.tuple([ZKeyTime, ZKeyBigint]);

export async function listWebhookRejections(
  db: DbOrTrx,
  raw: TRejectionListInput = {},
): Promise<TPage<TWebhookRejection>> {
  const input = ZRejectionListInput.parse(raw);
  const before = decodeCursor(input.cursor, ZRejectionKey);
  const rows = await newestFirst(
    db.selectFrom("webhookRejections").selectAll(),
    { time: "receivedAt", id: "id" },
    { limit: input.limit + 1, before },
  ).execute();
  return toPage(
    rows,
    input.limit,
    (r) => ({
      id: r.id,
      provider: r.provider,
      receivedAt: r.receivedAt.toISOString(),
      reason: r.reason,
      statusCode: r.statusCode,
      ip: r.ip,
      requestId: r.requestId,
      bodyBytes: r.bodyBytes,
      bodySha256: r.bodySha256,
    }),
    (r) => [r.keyTime, r.id],
  );
}

// Health reads counts kept by the webhook_health_deltas/_days/_hours rollup (triggers on
// webhook_events; migration 2026_12_04_1100) and counts only the window's first, partial hour
// from the events: equal to a count(*) over webhook_events for the window.
// The partial hour's end is a parameter, not read from `cut`: the planner must see both bounds of
// the events' range, or with statistics (after an ANALYZE) it takes an open-ended `>= since` as
// most of the table and reads every event in a sequential scan (323 ms at 55k events, against an
// index scan of the hour's rows).
const healthWindow = (since: Date) => {
  const wholeFrom = new Date(Math.floor(since.getTime() / 3_600_000) * 3_600_000 + 3_600_000);
  return sql`
  cut AS (SELECT ${wholeFrom}::timestamptz AS whole_from),
  live AS (
    SELECT date_trunc('hour', e.received_at, 'UTC') AS hour, e.provider, e.status,
      webhook_latency_bucket(e.status, e.received_at, e.processed_at) AS latency_bucket, 1 AS events
    FROM webhook_events e WHERE e.received_at >= ${since} AND e.received_at < ${wholeFrom}::timestamptz
  )`;
};

/**
 * Per provider, status and latency bucket: whole hours up to the next UTC midnight from the
 * hourly rows, later days from the daily rows plus the hourly rows not yet compacted into them.
 */
function healthCountsByLatency(since: Date) {
  return sql<{ latencyBucket: number; provider: TProvider; status: string; events: string }>`
    WITH ${healthWindow(since)},
    edge AS (SELECT whole_from, date_trunc('day', whole_from - interval '1 microsecond', 'UTC') + interval '1 day' AS days_from FROM cut)
    SELECT latency_bucket, provider, status, sum(events)::bigint AS events
    FROM (
      SELECT d.latency_bucket, d.provider, d.status, d.events
      FROM webhook_health_deltas d, edge WHERE d.hour >= edge.whole_from AND d.hour < edge.days_from
      UNION ALL
      SELECT d.latency_bucket, d.provider, d.status, d.events
      FROM webhook_health_deltas d, edge WHERE NOT d.compacted AND d.hour >= edge.days_from
      UNION ALL
      SELECT w.latency_bucket, w.provider, w.status, w.events
      FROM webhook_health_days w, edge WHERE w.day >= edge.days_from
      UNION ALL
      SELECT latency_bucket, provider, status, events FROM live
    ) c
    GROUP BY 1, 2, 3 HAVING sum(events) <> 0`;
}

/** Per UTC hour and provider: the compacted hourly counts plus the rows not yet compacted. */
function healthCountsByHour(since: Date) {
  return sql<{ hour: Date; provider: TProvider; processed: string | null; failed: string | null }>`
    WITH ${healthWindow(since)}
    SELECT hour, provider,
      sum(events) FILTER (WHERE status = 'PROCESSED') AS processed,
      sum(events) FILTER (WHERE status = 'FAILED') AS failed
    FROM (
      SELECT h.hour, h.provider, h.status, h.events FROM webhook_health_hours h, cut WHERE h.hour >= cut.whole_from
      UNION ALL
      SELECT d.hour, d.provider, d.status, d.events
      FROM webhook_health_deltas d, cut WHERE NOT d.compacted AND d.hour >= cut.whole_from
      UNION ALL
      SELECT hour, provider, status, events FROM live
    ) c
    GROUP BY 1, 2 HAVING sum(events) <> 0 ORDER BY 1, 2`;
}

/** Latencies are kept in buckets of 20 a decade: bucket b is [10^(b/20) - 1, 10^((b+1)/20) - 1) ms. */
const latencyBucketBound = (b: number) => 10 ** (b / 20) - 1;

/**
 * percentile_cont over a latency histogram: the values at the ranks around p·(n-1), each placed
 * evenly inside its bucket, interpolated as percentile_cont does (so each within a bucket's
 * width, about 12 %, of the exact figure).
 */
export function histogramPercentile(buckets: ReadonlyMap<number, number>, p: number): number | null {
  const sorted = [...buckets].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const valueAt = (rank: number) => {
    let before = 0;
    for (const [b, n] of sorted) {
      if (rank < before + n) {
        const lo = latencyBucketBound(b);
        return lo + (latencyBucketBound(b + 1) - lo) * ((rank - before + 0.5) / n);
      }
      before += n;
    }
    return latencyBucketBound(must(sorted.at(-1), "a non-empty histogram")[0] + 1);
  };
  const rank = p * (total - 1);
  const below = valueAt(Math.floor(rank));
  return below + (rank - Math.floor(rank)) * (valueAt(Math.ceil(rank)) - below);
}

export async function getWebhookHealth(
  db: DbOrTrx,
  opts: { windowHours: number; minVolume: number; threshold?: number },
): Promise<TProviderHealth[]> {
  const threshold = opts.threshold ?? 0.95;
  const since = new Date(Date.now() - opts.windowHours * 3_600_000);
  const { rows } = await healthCountsByLatency(since).execute(db);
  // The oldest waiting event: the last entry of each (status, provider) range of the status index.
  const { rows: waiting } = await sql<{ provider: TProvider; oldestPending: string | null }>`
    SELECT p.provider, extract(epoch FROM now() - min(w.received_at)) AS oldest_pending
    FROM (VALUES ('STRIPE'), ('RAZORPAY')) p (provider)
    CROSS JOIN (VALUES ('PENDING'), ('PROCESSING')) s (status)
    CROSS JOIN LATERAL (
      SELECT e.received_at FROM webhook_events e
      WHERE e.status = s.status AND e.provider = p.provider AND e.received_at >= ${since}
      ORDER BY e.received_at LIMIT 1
    ) w
    GROUP BY p.provider
  `.execute(db);
  return PROVIDERS.map((provider) => {
    const mine = rows.filter((x) => x.provider === provider);
    const count = (...statuses: string[]) =>
      mine.filter((x) => statuses.includes(x.status)).reduce((sum, x) => sum + Number(x.events), 0);
    const latencies = new Map(
      mine.filter((x) => x.latencyBucket >= 0).map((x) => [x.latencyBucket, Number(x.events)]),
    );
    const p50 = histogramPercentile(latencies, 0.5);
    const p95 = histogramPercentile(latencies, 0.95);
    const oldestPending = waiting.find((x) => x.provider === provider)?.oldestPending ?? null;
    const processed = count("PROCESSED");
    const failed = count("FAILED");
    const decided = processed + failed;
    const successRate = decided > 0 ? processed / decided : null;
    const alert = successRate !== null && decided >= opts.minVolume && successRate < threshold;
    return {
      provider,
      total: mine.reduce((sum, x) => sum + Number(x.events), 0),
      processed,
      failed,
      pending: count("PENDING", "PROCESSING"),
      ignored: count("IGNORED"),
      needsReview: count("NEEDS_REVIEW"),
      successRate,
      p50LatencyMs: p50 === null ? null : Math.round(p50),
      p95LatencyMs: p95 === null ? null : Math.round(p95),
      oldestPendingSeconds: oldestPending === null ? null : Math.round(Number(oldestPending)),
      alert,
      alertReason: alert
        ? `success rate ${(successRate * 100).toFixed(1)}% is below ${threshold * 100}% over ${decided} decided events`
        : null,
    };
  });
}

/**
 * Folds the health rollup's fresh delta rows into one row per key (the minute cron; safe to run
 * anywhere, any number at once), then clears the index entries of the rows it folded away.
 * Returns how many folded rows it wrote.
 *
 * Why the second step: every fold deletes a minute's fresh rows (thousands under load), and until
 * VACUUM runs their index entries stay. Health's bitmap scan of the fresh rows walks all of them:
 * on a server with autovacuum off (this project's CI machines), three minutes into a soak it
 * walked 70,000 entries for 4,700 live rows: 78 ms, against 7.6 ms once they were marked dead.
 * A plain index scan marks an entry whose row is dead to every transaction as dead (Postgres'
 * kill_prior_tuple), later scans skip it and a page split drops it, all without VACUUM or the table owner's rights. So once the fold's deletes are visible to
 * all (a few seconds at most), one index scan over the hours it folded and over the fresh rows
 * leaves the next read only live entries.
 */
export async function compactWebhookHealth(db: Db, opts: { settleMs?: number } = {}): Promise<number> {
  // The hours with fresh rows, then the fold (read committed, as the fold's concurrency needs: an
  // hour first written between the two keeps its dead entries until a later fold of that hour).
  const { folded, hours, xid } = await db.transaction().execute(async (trx) => {
    const fresh = await sql<{ hour: Date }>`
      SELECT DISTINCT hour FROM webhook_health_deltas WHERE NOT compacted`.execute(trx);
    const { rows } = await sql<{ folded: string; xid: string }>`
      SELECT compact_webhook_health() AS folded, pg_current_xact_id()::text AS xid`.execute(trx);
    const row = must(rows[0], "compact_webhook_health() answers one row");
    return { folded: Number(row.folded), hours: fresh.rows.map((r) => r.hour), xid: row.xid };
  });
  if (hours.length === 0) return folded;
  // Wait (bounded) until no transaction older than the fold runs: only then are its rows dead to all.
  const deadline = Date.now() + (opts.settleMs ?? 5_000);
  for (;;) {
    const { rows } = await sql<{ settled: boolean }>`
      SELECT pg_snapshot_xmin(pg_current_snapshot()) > ${xid}::xid8 AS settled`.execute(db);
    if (rows[0]?.settled || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
    await sql`SET LOCAL enable_seqscan = off`.execute(trx);
    await sql`SELECT count(*) FROM webhook_health_deltas WHERE hour = ANY(${hours}::timestamptz[])`.execute(
      trx,
    );
    await sql`SELECT count(*) FROM webhook_health_deltas WHERE NOT compacted AND hour >= '-infinity'`.execute(
      trx,
    );
  });
  return folded;
}

/** Hourly (UTC) processed/failed counts per provider for the success-rate chart. */
export async function getWebhookHealthSeries(db: DbOrTrx, windowHours: number): Promise<THealthPoint[]> {
  const since = new Date(Date.now() - windowHours * 3_600_000);
  const { rows } = await healthCountsByHour(since).execute(db);
  return rows.map((r) => {
    const processed = Number(r.processed ?? 0);
    const failed = Number(r.failed ?? 0);
    return {
      hour: r.hour.toISOString(),
      provider: r.provider,
      processed,
      failed,
      successRate: processed + failed > 0 ? processed / (processed + failed) : null,
    };
  });
}

export async function insertRejection(db: DbOrTrx, row: Insertable<WebhookRejectionsTable>): Promise<void> {
  await db.insertInto("webhookRejections").values(row).execute();
}

/** One verified event as the intake's group write takes it. */
export interface IntakeEventRow {
  provider: TProvider;
  provider_event_id: string;
  event_type: string;
  /** The exact body as received: sent to Postgres once, as a binary parameter. */
  raw_bytes: Buffer;
  /** Set only when jsonb refused the raw body: what to store instead (marks the row sanitized). */
  sanitized_payload?: unknown;
  headers: Record<string, string>;
  payment_reference: string | null;
  order_reference: string | null;
  /** sha256 of the exact body: one stored event per provider and body. */
  body_sha256: string;
  /** Which secret verified the delivery (secops): ENVIRONMENT, or STORED with its id. */
  verified_with?: "ENVIRONMENT" | "STORED";
  verified_secret_id?: string | null;
}

/**
 * Inserts a group of events and queues their processing job, in one statement (so an event and
 * its job commit together). Returns the events that were new; duplicates of stored events are left
 * out. Raw SQL: data-modifying CTEs. The job is the row graphile-worker's add_jobs would write for
 * the spec, written directly (db/migrate.ts, prepareIntakeJobs: add_jobs was a quarter of the
 * intake's Postgres work, and it notifies inside the commit, which holds a cluster-wide lock
 * through the WAL flush); the caller wakes the workers after the commit with `notifyNewJobs`.
 * One VALUES row of plain parameters per event, the body once, as bytes: a profile of the intake
 * showed a one-JSON-parameter group (every body escaped, base64'd and parsed twice) costing
 * Postgres about twice as much per event.
 */
export async function insertEventsWithJobs(
  db: DbOrTrx,
  events: readonly IntakeEventRow[],
): Promise<{ id: string; provider: TProvider; providerEventId: string }[]> {
  // Constant text, one array per column, prepared once per connection (preparedStatement). The
  // bodies travel once, concatenated in one binary parameter, each cut out by its start and
  // length; the payload is those bytes read as UTF-8 and parsed by jsonb (bytes that are not UTF-8
  // fail as a data error: the event is then stored with a sanitized payload, given as JSON text,
  // and payload_sanitized set).
  const starts: number[] = [];
  let at = 1;
  for (const e of events) {
    starts.push(at);
    at += e.raw_bytes.length;
  }
  const column = <T>(f: (e: IntakeEventRow) => T) => events.map(f);
  const { rows } = await sql<{
    id: string;
    provider: TProvider;
    providerEventId: string;
  }>`${preparedStatement("webhook_intake")}
    WITH v AS (
      SELECT * FROM unnest(${column((e) => e.provider)}::text[], ${column((e) => e.provider_event_id)}::text[],
        ${column((e) => e.event_type)}::text[], ${starts}::int[], ${column((e) => e.raw_bytes.length)}::int[],
        ${column((e) => (e.sanitized_payload === undefined ? null : JSON.stringify(e.sanitized_payload)))}::text[],
        ${column((e) => JSON.stringify(e.headers))}::text[], ${column((e) => e.payment_reference)}::text[],
        ${column((e) => e.order_reference)}::text[], ${column((e) => e.body_sha256)}::text[],
        ${column((e) => e.verified_with ?? null)}::text[], ${column((e) => e.verified_secret_id ?? null)}::uuid[])
        AS v(provider, provider_event_id, event_type, start, length, sanitized, headers, payment_reference,
          order_reference, body_sha256, verified_with, verified_secret_id)
    ), ins AS (
      INSERT INTO webhook_events (provider, provider_event_id, event_type, payload, payload_sanitized,
        raw_bytes, headers, payment_reference, order_reference, body_sha256, verified_with,
        verified_secret_id)
      SELECT provider, provider_event_id, event_type,
        coalesce(sanitized::jsonb, convert_from(bytes, 'UTF8')::jsonb), sanitized IS NOT NULL,
        bytes, headers::jsonb, payment_reference, order_reference, body_sha256, verified_with, verified_secret_id
      FROM v, LATERAL (SELECT substring(${Buffer.concat(column((e) => e.raw_bytes))}::bytea FROM v.start FOR v.length) AS bytes) body
      ON CONFLICT DO NOTHING
      RETURNING id, provider, provider_event_id
    ), jobs AS (
      -- One job for the group: a lone event keeps its own key (webhook:<id>, which retries and the
      -- sweep use); several go to the worker together (webhooks:<first id>) and are processed as
      -- one batch (processWebhookEvents), a few statements instead of a dozen per event. A missing
      -- task row fails the statement (task_id NOT NULL): nothing is stored, the sender retries.
      INSERT INTO graphile_worker._private_jobs (task_id, payload, max_attempts, key, priority)
      SELECT (SELECT t.id FROM graphile_worker._private_tasks t WHERE t.identifier = ${JOB.webhookProcess}),
        CASE WHEN count(*) = 1 THEN json_build_object('eventId', min(id::text))
          ELSE json_build_object('eventIds', json_agg(id ORDER BY id)) END,
        1,
        CASE WHEN count(*) = 1 THEN ${WEBHOOK_JOB_KEY_PREFIX.single}::text ELSE ${WEBHOOK_JOB_KEY_PREFIX.group}::text END
          || min(id::text),
        0
      FROM ins HAVING count(*) > 0
      RETURNING id
    )
    SELECT id, provider, provider_event_id FROM ins WHERE (SELECT count(*) FROM jobs) >= 0
  `.execute(db);
  return rows;
}

/**
 * Wakes graphile-worker's workers for `count` new jobs, as its add_jobs does (same channel and
 * payload), in a statement of its own after the jobs committed. Not on the request's path: a
 * lost notify only leaves the jobs to the workers' next poll.
 */
export async function notifyNewJobs(db: Db, count: number): Promise<void> {
  await sql`SELECT pg_notify('jobs:insert', json_build_object('r', random(), 'count', ${count}::int)::text)`.execute(
    db,
  );
}

/**
 * Stored events with one of these (provider, event id) pairs, or Razorpay events with one of these
 * body hashes (only Razorpay's body hash is unique and indexed: its event id header is unsigned).
 */
export async function selectEventIdsByProviderId(
  db: DbOrTrx,
  keys: readonly { provider: TProvider; providerEventId: string; bodySha256: string }[],
) {
  const razorpayBodies = keys.filter((k) => k.provider === "RAZORPAY").map((k) => k.bodySha256);
  return db
    .selectFrom("webhookEvents")
    .select(["id", "provider", "providerEventId", "bodySha256"])
    .where((eb) =>
      eb.or([
        eb(
          eb.refTuple("provider", "providerEventId"),
          "in",
          keys.map((k) => eb.tuple(k.provider, k.providerEventId)),
        ),
        // The provider as a literal, so the partial unique index answers this arm.
        ...(razorpayBodies.length
          ? [eb.and([eb("provider", "=", sql.lit("RAZORPAY")), eb("bodySha256", "in", razorpayBodies)])]
          : []),
      ]),
    )
    .execute();
}

export async function lockWebhookEvent(trx: Trx, eventId: string): Promise<WebhookEventRow | undefined> {
  return trx
    .selectFrom("webhookEvents")
    .select(PROCESSING_COLUMNS)
    .where("id", "=", eventId)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * The first statement of a processing transaction, in one round trip: switches the transaction
 * to asynchronous commit, locks the event and reads the payments_enabled flag's stored value.
 */
export async function lockEventForProcessing(
  trx: Trx,
  eventId: string,
): Promise<{ ev: WebhookEventRow; paymentsFlag: unknown } | undefined> {
  const { events, paymentsFlag } = await lockEventsForProcessing(trx, [eventId]);
  const ev = events[0];
  return ev && { ev, paymentsFlag };
}

/** lockEventForProcessing for many events, locked in id order (the lock order); events in id order. */
export async function lockEventsForProcessing(
  trx: Trx,
  eventIds: readonly string[],
): Promise<{ events: WebhookEventRow[]; paymentsFlag: unknown }> {
  const columns = sql.join(PROCESSING_COLUMNS.map((c) => sql.ref(`e.${c}`)));
  const { rows } = await sql<WebhookEventRow & { paymentsFlag: unknown; sync: string }>`
    SELECT ${columns}, set_config('synchronous_commit', 'off', true) AS sync,
      (SELECT value FROM system_config WHERE key = 'payments_enabled') AS payments_flag
    FROM webhook_events e WHERE e.id = ANY(${[...new Set(eventIds)]}::uuid[]) ORDER BY e.id FOR UPDATE OF e
  `.execute(trx);
  // The flag is read in the same statement; with no row locked it is read on its own.
  const paymentsFlag = rows[0]
    ? rows[0].paymentsFlag
    : (
        await sql<{ value: unknown }>`SELECT value FROM system_config WHERE key = 'payments_enabled'`.execute(
          trx,
        )
      ).rows[0]?.value;
  return { events: rows.map(({ paymentsFlag: _flag, sync: _sync, ...ev }) => ev), paymentsFlag };
}

export async function updateWebhookEvent(
  db: DbOrTrx,
  eventId: string,
  changes: Updateable<WebhookEventsTable>,
): Promise<void> {
  await db.updateTable("webhookEvents").set(changes).where("id", "=", eventId).execute();
}

export async function insertWebhookAttempt(
  db: DbOrTrx,
  row: Insertable<WebhookAttemptsTable>,
): Promise<void> {
  await db.insertInto("webhookAttempts").values(row).execute();
}

export interface Settlement {
  eventId: string;
  outcome: Extract<TAttemptOutcome, "PROCESSED" | "IGNORED">;
  number: number;
  orderId: string | null;
  trigger: TAttemptTrigger;
  operator: string | null;
  replayRunId: string | null;
  startedAt: Date;
}

/** Marks a locked event settled (processed or ignored) and records the attempt, in one statement. */
export async function settleWebhookEvent(trx: Trx, s: Settlement): Promise<void> {
  await settleWebhookEvents(trx, [s]);
}

/** settleWebhookEvent for many locked events, still one statement. */
export async function settleWebhookEvents(trx: Trx, ss: readonly Settlement[]): Promise<void> {
  if (ss.length === 0) return;
  const col = <T>(f: (s: Settlement) => T) => ss.map(f);
  await sql`
    WITH s AS (
      SELECT * FROM unnest(${col((s) => s.eventId)}::uuid[], ${col((s) => s.outcome)}::text[], ${col((s) => s.number)}::int[],
        ${col((s) => s.orderId)}::uuid[], ${col((s) => s.trigger)}::text[], ${col((s) => s.operator)}::text[],
        ${col((s) => s.replayRunId)}::uuid[], ${col((s) => s.startedAt.toISOString())}::timestamptz[])
        AS s(id, outcome, number, order_id, trigger, operator, replay_run_id, started_at)
    ), settled AS (
      UPDATE webhook_events e SET status = s.outcome, attempt_count = s.number, last_error = NULL, next_attempt_at = NULL,
        processed_at = now(), order_id = s.order_id, replay_run_id = NULL
      FROM s WHERE e.id = s.id RETURNING e.id
    )
    INSERT INTO webhook_attempts (event_id, number, trigger, operator, replay_run_id, started_at, outcome)
    SELECT s.id, s.number, s.trigger, s.operator, s.replay_run_id, s.started_at, s.outcome FROM s JOIN settled USING (id)
  `.execute(trx);
}

/** Holds a locked event for an operator (NEEDS_REVIEW, with the reason) and records the attempt. */
export async function holdEventForReview(
  trx: Trx,
  s: {
    eventId: string;
    number: number;
    orderId: string | null;
    reason: string;
    trigger: TAttemptTrigger;
    operator: string | null;
    replayRunId: string | null;
    startedAt: Date;
  },
): Promise<void> {
  await trx
    .updateTable("webhookEvents")
    .set({
      status: "NEEDS_REVIEW",
      attemptCount: s.number,
      lastError: null,
      nextAttemptAt: null,
      processedAt: new Date(),
      orderId: s.orderId,
      reviewReason: s.reason,
    })
    .where("id", "=", s.eventId)
    .execute();
  await insertWebhookAttempt(trx, {
    eventId: s.eventId,
    number: s.number,
    trigger: s.trigger,
    operator: s.operator,
    replayRunId: s.replayRunId,
    startedAt: s.startedAt,
    outcome: "NEEDS_REVIEW",
    error: s.reason,
  });
}

/**
 * Events whose job may be lost: PENDING ones received before `pendingCutoff` (and not waiting
 * for a later attempt) and FAILED ones whose retry time has come. Oldest first.
 */
export async function selectDueEventIds(
  db: DbOrTrx,
  opts: { pendingCutoff: Date; now: Date; limit: number },
): Promise<string[]> {
  const rows = await db
    .selectFrom("webhookEvents")
    .select("id")
    .where((eb) =>
      eb.or([
        eb.and([
          eb("status", "=", "PENDING"),
          eb("receivedAt", "<", opts.pendingCutoff),
          eb.or([eb("nextAttemptAt", "is", null), eb("nextAttemptAt", "<=", opts.now)]),
        ]),
        eb.and([eb("status", "=", "FAILED"), eb("nextAttemptAt", "<=", opts.now)]),
      ]),
    )
    // Not one whose job is still queued, waiting its turn: under a backlog the sweep otherwise
    // re-added (and pushed back) 1000 waiting jobs a minute, one statement each, growing the queue
    // it was behind. Nor one inside a queued group job (webhooks:<first id>, { eventIds }: the
    // payload is only in graphile-worker's table, not its jobs view). A locked job (running, or
    // lost with its worker) is swept as before.
    .where((eb) =>
      eb.not(
        eb.exists(
          sql`(SELECT 1 FROM graphile_worker.jobs j WHERE j.key = ${WEBHOOK_JOB_KEY_PREFIX.single}::text || webhook_events.id::text
            AND j.locked_at IS NULL AND j.attempts < j.max_attempts)`,
        ),
      ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          sql`(SELECT 1 FROM graphile_worker._private_jobs j
            CROSS JOIN LATERAL json_array_elements_text(j.payload -> 'eventIds') AS g (id)
            WHERE j.key LIKE ${`${WEBHOOK_JOB_KEY_PREFIX.group}%`} AND j.is_available AND g.id = webhook_events.id::text)`,
        ),
      ),
    )
    .orderBy("receivedAt")
    .limit(opts.limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function countWebhookEvents(db: DbOrTrx, filter: TWebhookFilter): Promise<number> {
  const { n } = await applyWebhookFilter(
    db.selectFrom("webhookEvents").select((eb) => eb.fn.countAll<string>().as("n")),
    filter,
  ).executeTakeFirstOrThrow();
  return Number(n);
}

/** Oldest first. */
export async function selectOldestEvents(db: DbOrTrx, filter: TWebhookFilter, limit: number) {
  return applyWebhookFilter(db.selectFrom("webhookEvents").select([...SUMMARY_COLUMNS]), filter)
    .orderBy("receivedAt")
    .orderBy("id")
    .limit(limit)
    .execute();
}

/**
 * A replay's next page, oldest first by (receivedAt, id), after `after`. The cursor is the time as
 * UTC text to the microsecond (`keyTime`), not the row's Date: a Date rounds to milliseconds, so
 * an event left matching the filter (one that failed again) would be selected again for ever.
 */
export async function selectReplayPage(
  db: DbOrTrx,
  filter: TWebhookFilter,
  after: { at: string; id: string } | undefined,
  limit: number,
) {
  let q = applyWebhookFilter(
    db.selectFrom("webhookEvents").select(["id", keyTimeText("webhookEvents.receivedAt").as("keyTime")]),
    filter,
  );
  if (after)
    q = q.where(
      sql<SqlBool>`(webhook_events.received_at, webhook_events.id) > (${after.at}::timestamptz, ${after.id}::uuid)`,
    );
  return q.orderBy("receivedAt").orderBy("id").limit(limit).execute();
}

export async function insertReplayRun(
  db: DbOrTrx,
  row: Insertable<WebhookReplayRunsTable>,
): Promise<ReplayRunRow> {
  return db.insertInto("webhookReplayRuns").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function selectReplayRun(db: DbOrTrx, runId: string): Promise<ReplayRunRow | undefined> {
  return db.selectFrom("webhookReplayRuns").selectAll().where("id", "=", runId).executeTakeFirst();
}

/** Newest first, by (createdAt, id). */
export async function selectReplayRuns(db: DbOrTrx, page: NewestFirstPage) {
  return newestFirst(
    db.selectFrom("webhookReplayRuns").selectAll(),
    { time: "createdAt", id: "id" },
    page,
  ).execute();
}

export async function lockReplayRun(trx: Trx, runId: string): Promise<ReplayRunRow | undefined> {
  return trx
    .selectFrom("webhookReplayRuns")
    .selectAll()
    .where("id", "=", runId)
    .forUpdate()
    .executeTakeFirst();
}

/** `heartbeat`: the run's executor is alive (heartbeat_at = now()); see resumeStalledReplayRuns. */
export async function updateReplayRun(
  db: DbOrTrx,
  runId: string,
  changes: Updateable<WebhookReplayRunsTable>,
  opts: { heartbeat?: boolean } = {},
): Promise<ReplayRunRow> {
  return db
    .updateTable("webhookReplayRuns")
    .set(opts.heartbeat ? { ...changes, heartbeatAt: sql`now()` } : changes)
    .where("id", "=", runId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Moves a QUEUED run (or a RUNNING one left by a stopped worker) to RUNNING; undefined otherwise. */
export async function claimReplayRun(db: DbOrTrx, runId: string): Promise<ReplayRunRow | undefined> {
  return db
    .updateTable("webhookReplayRuns")
    .set({ status: "RUNNING", startedAt: sql`coalesce(started_at, now())`, heartbeatAt: sql`now()` })
    .where("id", "=", runId)
    .where("status", "in", ["QUEUED", "RUNNING"])
    .returningAll()
    .executeTakeFirst();
}

/** The advisory lock key of a run's execution (see holdReplayExecution in replay.service). */
const replayExecutionKey = (runId: string) => sql`hashtextextended(${`webhook_replay_run:${runId}`}, 0)`;

/**
 * Takes the run's execution lock for this session, if no other session holds it. Session-level:
 * it ends with the connection, so a dead worker's lock is gone with its connection.
 */
export async function tryLockReplayExecution(db: DbOrTrx, runId: string): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    SELECT pg_try_advisory_lock(${replayExecutionKey(runId)}) AS ok`.execute(db);
  return rows[0]?.ok ?? false;
}

export async function unlockReplayExecution(db: DbOrTrx, runId: string): Promise<void> {
  await sql`SELECT pg_advisory_unlock(${replayExecutionKey(runId)})`.execute(db);
}

/** Whether some session executes the run (holds its execution lock); asked inside a transaction. */
export async function replayExecutionIsLive(trx: Trx, runId: string): Promise<boolean> {
  const { rows } = await sql<{ free: boolean }>`
    SELECT pg_try_advisory_xact_lock(${replayExecutionKey(runId)}) AS free`.execute(trx);
  return !(rows[0]?.free ?? false);
}

/** The run's heartbeat alone, one short statement. */
export async function beatReplayRun(db: DbOrTrx, runId: string): Promise<void> {
  await db
    .updateTable("webhookReplayRuns")
    .set({ heartbeatAt: sql`now()` })
    .where("id", "=", runId)
    .execute();
}

/**
 * Those of `eventIds` this run settled (processed or ignored) in an attempt started at or after
 * `since`: a chunk retried after a fault finds them settled by its own first attempt.
 */
export async function selectEventsSettledByRun(
  db: DbOrTrx,
  runId: string,
  eventIds: readonly string[],
): Promise<string[]> {
  const rows = await db
    .selectFrom("webhookAttempts")
    .select("eventId")
    .distinct()
    .where("eventId", "in", eventIds)
    .where("replayRunId", "=", runId)
    .where("outcome", "in", ["PROCESSED", "IGNORED"])
    .execute();
  return rows.map((r) => r.eventId);
}

/**
 * What a run has done, read from its attempt rows (each event's last attempt by the run): the
 * truth when the counts it saved are behind, as after its worker died between two saves. Reads
 * every attempt of the run; no index on replay_run_id, so a scan, but only when a run resumes.
 */
export async function selectRunAttemptOutcomes(
  db: DbOrTrx,
  runId: string,
): Promise<{ eventId: string; outcome: TAttemptOutcome }[]> {
  return db
    .selectFrom("webhookAttempts")
    .select(["eventId", "outcome"])
    .distinctOn("eventId")
    .where("replayRunId", "=", runId)
    .orderBy("eventId")
    .orderBy("number", "desc")
    .execute();
}

/** RUNNING or CANCELLING runs whose executor has not saved progress since `stalledBefore`. */
export async function selectStalledReplayRuns(
  db: DbOrTrx,
  stalledBefore: Date,
): Promise<Pick<ReplayRunRow, "id" | "status">[]> {
  return db
    .selectFrom("webhookReplayRuns")
    .select(["id", "status"])
    .where("status", "in", ["RUNNING", "CANCELLING"])
    .where(sql`coalesce(heartbeat_at, started_at, created_at)`, "<", stalledBefore)
    .orderBy("createdAt")
    .execute();
}

/**
 * Claims for the run those of `eventIds` that no other live run holds; returns the ids claimed.
 * The rows are locked in id order first, the order processing locks them in (lockEventsForProcessing):
 * a bare UPDATE locks in whatever order its plan reads, and a bitmap or seq scan reads the heap's
 * order, which deadlocked with another run's batch. Raw SQL: the claim reads clearest as one statement.
 */
export async function claimEventsForRun(
  db: DbOrTrx,
  runId: string,
  eventIds: readonly string[],
): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    WITH locked AS (
      SELECT id FROM webhook_events WHERE id = ANY(${eventIds}::uuid[]) ORDER BY id FOR UPDATE
    )
    UPDATE webhook_events e SET replay_run_id = ${runId}
    FROM locked
    WHERE e.id = locked.id
      AND (e.replay_run_id IS NULL OR e.replay_run_id = ${runId}
           OR NOT EXISTS (SELECT 1 FROM webhook_replay_runs r WHERE r.id = e.replay_run_id AND r.status IN ('RUNNING','CANCELLING')))
    RETURNING e.id
  `.execute(db);
  return rows.map((r) => r.id);
}

/**
 * These events ordered by the first product variant their order holds (as the order's payment
 * reference names it), so a replay's consecutive chunks lock mostly different variants. Only an
 * order of work: processing finds and locks the order itself.
 */
export async function orderEventsByVariant(db: DbOrTrx, eventIds: readonly string[]): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT e.id FROM webhook_events e
    LEFT JOIN LATERAL (
      SELECT min(i.variant_id::text) AS variant FROM orders o JOIN order_items i ON i.order_id = o.id
      WHERE o.payment_provider = e.provider AND o.payment_reference = e.payment_reference
    ) v ON true
    WHERE e.id = ANY(${eventIds}::uuid[])
    ORDER BY v.variant NULLS LAST, e.id
  `.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Drops the run's claim on these events, or on all it holds when `eventIds` is omitted; locks in
 * id order, as claimEventsForRun does and for the same reason.
 */
export async function releaseEventsFromRun(
  db: DbOrTrx,
  runId: string,
  eventIds?: readonly string[],
): Promise<void> {
  const only = eventIds ? sql`AND id = ANY(${eventIds}::uuid[])` : sql``;
  await sql`
    WITH locked AS (
      SELECT id FROM webhook_events WHERE replay_run_id = ${runId} ${only} ORDER BY id FOR UPDATE
    )
    UPDATE webhook_events e SET replay_run_id = NULL
    FROM locked
    WHERE e.id = locked.id AND e.replay_run_id = ${runId}
  `.execute(db);
}
