// Receiving a webhook: verify the raw bytes, store the event and queue its processing in one
// short atomic statement, or log the rejection. The caller answers 2xx only after this returns.
import { createHash } from "node:crypto";
import type { Db } from "../db/database";
import { interpretEvent } from "./interpret";
import { isUnstorableError, storablePayload, storableString } from "./sanitize";
import type { SecretSource } from "./secrets";
import { verifyRazorpay, verifyStripe } from "./verify";
import {
  insertEventsWithJobs,
  notifyNewJobs,
  insertRejection,
  selectEventIdsByProviderId,
  type IntakeEventRow,
} from "./webhooks.queries";
import type { TProvider } from "./webhooks.schema";

export interface IntakeRequest {
  provider: TProvider;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  ip?: string | null;
  requestId?: string | null;
}

export type IntakeResult =
  | { accepted: true; duplicate: boolean; eventId: string }
  /** Refused for good (a forgery, a malformed body): the caller answers with the code's 4xx. */
  | { accepted: false; code: "BAD_REQUEST"; reason: string };

export async function logRejection(
  db: Db,
  req: IntakeRequest,
  statusCode: number,
  reason: string,
): Promise<void> {
  const signatureHeader = req.provider === "STRIPE" ? "stripe-signature" : "x-razorpay-signature";
  const sig = req.headers[signatureHeader];
  await insertRejection(db, {
    provider: req.provider,
    reason,
    statusCode,
    ip: req.ip ?? null,
    requestId: req.requestId ?? null,
    bodySha256: req.rawBody.length ? createHash("sha256").update(req.rawBody).digest("hex") : null,
    bodyBytes: req.rawBody.length,
    // Enough to recognise a sender; never a secret (signatures are not secrets, and are cut).
    headers: JSON.stringify({
      "content-type": String(req.headers["content-type"] ?? ""),
      "user-agent": String(req.headers["user-agent"] ?? "").slice(0, 200),
      [signatureHeader]: sig ? `${String(sig).slice(0, 16)}…` : null,
    }),
  });
}

type Stored = { id: string; duplicate: boolean } | { refused: string };

interface Pending {
  row: IntakeEventRow;
  /** The parsed body, sanitized only if Postgres refuses the raw one. */
  payload: Record<string, unknown>;
  resolve: (r: Stored) => void;
  reject: (e: unknown) => void;
}

/** The row to store when jsonb refused the body as sent, or why there is none. */
function sanitizedRow(p: Pending): IntakeEventRow | { refused: string } {
  // The event id is its identity (dedupe): replacing characters in it would make another event.
  if (storableString(p.row.provider_event_id) !== p.row.provider_event_id)
    return { refused: "event id has characters Postgres cannot store" };
  const payload = storablePayload(p.payload);
  const meaning = interpretEvent(p.row.provider, p.row.event_type, payload);
  return {
    ...p.row,
    event_type: storableString(p.row.event_type),
    sanitized_payload: payload,
    payment_reference: meaning.paymentReference && storableString(meaning.paymentReference),
    order_reference: meaning.orderReference && storableString(meaning.orderReference),
  };
}

/**
 * Verified events are written in groups ("group commit"): every request that arrives while a
 * write is being prepared joins it, and one statement inserts the events and queues one
 * processing job per new event. The statement is atomic, so an event row and its job commit
 * together; each caller answers 2xx only after its group committed.
 */
/** Razorpay's default replay window: a signed body older than this is refused. */
export const RAZORPAY_MAX_EVENT_AGE_SECONDS = 24 * 3600;

/**
 * Why a verified Razorpay body is too old to accept, or null. Its signature never expires and
 * its event id header is not signed, so `created_at` (signed, in the body) bounds a replay.
 */
export function razorpayStaleReason(
  payload: Record<string, unknown>,
  maxAgeSeconds: number,
  now = Date.now(),
): string | null {
  const created = payload.created_at;
  if (typeof created !== "number" || !Number.isFinite(created)) return null;
  const age = Math.floor(now / 1000 - created);
  return age > maxAgeSeconds
    ? `event created_at ${new Date(created * 1000).toISOString()} is ${age} s old, beyond the ${maxAgeSeconds} s tolerance`
    : null;
}

export function createWebhookIntake(
  db: Db,
  secrets: SecretSource,
  opts: { maxBatch?: number; maxInFlight?: number; razorpayMaxAgeSeconds?: number } = {},
) {
  const maxBatch = opts.maxBatch ?? 200;
  const maxInFlight = opts.maxInFlight ?? 1;
  const razorpayMaxAge = opts.razorpayMaxAgeSeconds ?? RAZORPAY_MAX_EVENT_AGE_SECONDS;
  let queue: Pending[] = [];
  let scheduled = false;

  // One notify at a time: jobs queued while one is on its way are announced by the next, with
  // their count (graphile-worker wakes that many idle workers). A lost notify only leaves the
  // jobs to the workers' poll.
  let unannounced = 0;
  let notifying = false;
  function wakeWorkers(): void {
    unannounced += 1;
    if (!notifying) announce();
  }
  function announce(): void {
    const count = unannounced;
    unannounced = 0;
    notifying = true;
    void notifyNewJobs(db, count)
      .catch(() => undefined)
      .finally(() => {
        notifying = false;
        if (unannounced > 0) announce();
      });
  }

  /**
   * `written`, when given, is called once the group's statement has answered (its rows and job
   * committed), before the callers are answered, which then waits a turn of the event loop: the
   * next group's statement is sent while this group's responses are written (see flush).
   */
  async function write(batch: Pending[], written?: () => void): Promise<void> {
    const rows = await insertEventsWithJobs(
      db,
      batch.map((b) => b.row),
    );
    // The group's one job is queued without a notify (see insertEventsWithJobs): wake a worker.
    if (rows.length) wakeWorkers();
    if (written) {
      written();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const key = (provider: string, id: string) => `${provider}:${id}`;
    const created = new Map(rows.map((r) => [key(r.provider, r.providerEventId), r.id]));
    const missing = batch.filter((b) => !created.has(key(b.row.provider, b.row.provider_event_id)));
    // An event is known by its id or by its body's hash (Razorpay's event id header is unsigned).
    const byId = new Map<string, string>();
    const byBody = new Map<string, string>();
    if (missing.length) {
      const found = await selectEventIdsByProviderId(
        db,
        missing.map((m) => ({
          provider: m.row.provider,
          providerEventId: m.row.provider_event_id,
          bodySha256: m.row.body_sha256,
        })),
      );
      for (const f of found) {
        byId.set(key(f.provider, f.providerEventId), f.id);
        if (f.bodySha256) byBody.set(key(f.provider, f.bodySha256), f.id);
      }
    }
    const firstSeen = new Set<string>();
    for (const b of batch) {
      const k = key(b.row.provider, b.row.provider_event_id);
      const id = created.get(k);
      // The same event twice in one group: the first caller created it, the second is a duplicate.
      if (id && !firstSeen.has(k)) {
        firstSeen.add(k);
        b.resolve({ id, duplicate: false });
      } else {
        const known = id ?? byId.get(k) ?? byBody.get(key(b.row.provider, b.row.body_sha256));
        if (known) b.resolve({ id: known, duplicate: true });
        else b.reject(new Error("event neither inserted nor found"));
      }
    }
  }

  /**
   * The group in one statement (the normal case); if Postgres refuses its data, each event on its
   * own, so one unstorable event fails alone. A lone event jsonb refuses is stored once more with
   * a sanitized payload, and refused (4xx, not retried) only if that is refused too. An outage
   * (anything but a data error) fails the whole group: nothing was stored, the senders retry.
   */
  async function writeIsolated(batch: Pending[], written?: () => void): Promise<void> {
    try {
      await write(batch, written);
      return;
    } catch (e) {
      if (!isUnstorableError(e)) throw e;
      if (batch.length > 1) {
        // One by one, in arrival order, so a repeat within the group is still the duplicate.
        for (const b of batch) await writeIsolated([b]).catch((err: unknown) => b.reject(err));
        return;
      }
      const [p] = batch;
      if (!p) throw e;
      const row = p.row.sanitized_payload === undefined ? sanitizedRow(p) : { refused: e.message };
      if ("refused" in row) p.resolve(row);
      else await writeIsolated([{ ...p, row }]);
    }
  }

  // At most `maxInFlight` group writes at once (one by default); whatever arrives meanwhile waits
  // for a free slot and goes in the next group. Unbounded, every setImmediate tick started its
  // own small write (10 events, 9 in flight, each slower for the others); bounded, groups grow
  // with load. One at a time, once a group's write costs Postgres ~100 µs per event (a prepared
  // statement, no add_jobs): 64 closed-loop senders, interleaved A/B, 4,468/4,513 vs 3,594/3,712
  // ev/s with two in flight (groups of 27 instead of 14, less CPU per event on both sides; p50
  // 12.9 vs 15.7–17.1 ms). A second write only for a backlog of 16 or 32 did no better.
  // The slot is free as soon as the group's statement has answered, before the group's callers
  // are answered: otherwise the next group waited for every response of this one to be written
  // (a millisecond of the event loop per 30 responses, in each 3–4 ms write cycle).
  let inFlight = 0;
  function flush(): void {
    scheduled = false;
    while (queue.length && inFlight < maxInFlight) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      inFlight += 1;
      let freed = false;
      const free = () => {
        if (freed) return;
        freed = true;
        inFlight -= 1;
        flush();
      };
      writeIsolated(batch, free)
        .catch((e: unknown) => batch.forEach((b) => b.reject(e)))
        .finally(free);
    }
  }

  async function receive(req: IntakeRequest): Promise<IntakeResult> {
    const active = await secrets.active(req.provider);
    const values = active.map((a) => a.secret);
    const verified =
      req.provider === "STRIPE"
        ? verifyStripe(req.rawBody, req.headers, values)
        : verifyRazorpay(req.rawBody, req.headers, values);
    if (!verified.ok) {
      await logRejection(db, req, 400, verified.reason);
      return { accepted: false, code: "BAD_REQUEST", reason: verified.reason };
    }
    const e = verified.event;
    const stale = e.provider === "RAZORPAY" ? razorpayStaleReason(e.payload, razorpayMaxAge) : null;
    if (stale) {
      await logRejection(db, req, 400, stale);
      return { accepted: false, code: "BAD_REQUEST", reason: stale };
    }
    const verifiedBy = active[verified.secretIndex]?.id ?? null;
    if (verifiedBy) secrets.markVerified(verifiedBy);
    const meaning = interpretEvent(e.provider, e.eventType, e.payload);
    const stored = await new Promise<Stored>((resolve, reject) => {
      queue.push({
        row: {
          provider: e.provider,
          provider_event_id: e.providerEventId,
          event_type: e.eventType,
          raw_bytes: req.rawBody,
          headers: e.headers,
          payment_reference: meaning.paymentReference,
          order_reference: meaning.orderReference,
          body_sha256: createHash("sha256").update(req.rawBody).digest("hex"),
          verified_with: verifiedBy ? "STORED" : "ENVIRONMENT",
          verified_secret_id: verifiedBy,
        },
        payload: e.payload,
        resolve,
        reject,
      });
      if (queue.length >= maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
    if ("refused" in stored) {
      const reason = `event cannot be stored: ${stored.refused}`.slice(0, 300);
      await logRejection(db, req, 400, reason);
      return { accepted: false, code: "BAD_REQUEST", reason };
    }
    return { accepted: true, duplicate: stored.duplicate, eventId: stored.id };
  }

  return { receive };
}

export type WebhookIntake = ReturnType<typeof createWebhookIntake>;
