// Browser-safe webhook shapes shared by routers, the CLI and the console.
import { z } from "zod";
import { pageInput } from "../pagination/pagination.schema";

export const PROVIDERS = ["STRIPE", "RAZORPAY"] as const;
export type TProvider = (typeof PROVIDERS)[number];
export const ZProvider = z.enum(PROVIDERS);
export const WEBHOOK_STATUSES = [
  "PENDING",
  "PROCESSING",
  "PROCESSED",
  "FAILED",
  "IGNORED",
  "NEEDS_REVIEW",
] as const;
export type TWebhookStatus = (typeof WEBHOOK_STATUSES)[number];
export const ZWebhookStatus = z.enum(WEBHOOK_STATUSES);
export const ATTEMPT_TRIGGERS = ["AUTO", "REPLAY"] as const;
export type TAttemptTrigger = (typeof ATTEMPT_TRIGGERS)[number];
export const ATTEMPT_OUTCOMES = ["PROCESSED", "IGNORED", "FAILED", "NEEDS_REVIEW"] as const;
export type TAttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];
export const REPLAY_RUN_STATUSES = [
  "QUEUED",
  "RUNNING",
  "CANCELLING",
  "CANCELLED",
  "COMPLETED",
  "FAILED",
] as const;
export type TReplayRunStatus = (typeof REPLAY_RUN_STATUSES)[number];

const isoDate = z.iso.datetime({ offset: true, error: "Use an ISO 8601 time, e.g. 2026-11-28T10:00:00Z" });

// Strict: an unknown key (a misspelt "providr") is refused, never stripped into "every event".
export const ZWebhookFilter = z
  .strictObject({
    provider: ZProvider.optional(),
    status: ZWebhookStatus.optional(),
    eventType: z.string().trim().max(100).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    /** Text in the last error. */
    error: z.string().trim().max(200).optional(),
    /** A payment id (pi_…, pay_…), an order number or an order id. */
    reference: z.string().trim().max(200).optional(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { error: "from must be before to", path: ["from"] });
export type TWebhookFilter = z.infer<typeof ZWebhookFilter>;

/** Newest first. */
export const ZWebhookListInput = pageInput({ filter: ZWebhookFilter.default({}) }).prefault({});
export type TWebhookListInput = z.input<typeof ZWebhookListInput>;

/** Newest first. */
export const ZRejectionListInput = pageInput({}, { default: 100, max: 500 }).prefault({});
export type TRejectionListInput = z.input<typeof ZRejectionListInput>;

/** Newest first. */
export const ZReplayRunListInput = pageInput({}, { default: 20, max: 200 }).prefault({});
export type TReplayRunListInput = z.input<typeof ZReplayRunListInput>;

export interface TWebhookEventSummary {
  id: string;
  provider: TProvider;
  providerEventId: string;
  eventType: string;
  status: TWebhookStatus;
  attemptCount: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  receivedAt: string;
  processedAt: string | null;
  paymentReference: string | null;
  orderReference: string | null;
  orderId: string | null;
  /** Why the event waits for review (NEEDS_REVIEW), kept after it is resolved. */
  reviewReason: string | null;
}

export interface TWebhookAttempt {
  number: number;
  trigger: TAttemptTrigger;
  operator: string | null;
  replayRunId: string | null;
  startedAt: string;
  finishedAt: string;
  outcome: TAttemptOutcome;
  error: string | null;
}

export interface TWebhookEventDetail extends TWebhookEventSummary {
  payload: unknown;
  /** Postgres refused the payload as sent: characters were replaced and numbers nulled (the exact bytes are kept). */
  payloadSanitized: boolean;
  headers: Record<string, string>;
  attempts: TWebhookAttempt[];
}

export const ZReplayStart = z.strictObject({
  filter: ZWebhookFilter,
  /** Events per second; omit for no limit. */
  ratePerSecond: z.number().int().min(1).max(10_000).optional(),
  concurrency: z.number().int().min(1).max(32).default(4),
});
export type TReplayStart = z.input<typeof ZReplayStart>;

export interface TReplayPreview {
  count: number;
  sample: TWebhookEventSummary[];
}

export interface TReplayRun {
  id: string;
  status: TReplayRunStatus;
  filter: TWebhookFilter;
  ratePerSecond: number | null;
  concurrency: number;
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  skipped: number;
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export const ZHealthInput = z.object({
  windowHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
  minVolume: z.number().int().min(1).max(100_000).default(20),
});

export interface TProviderHealth {
  provider: TProvider;
  total: number;
  processed: number;
  failed: number;
  pending: number;
  ignored: number;
  /** Money that did not fit its order, waiting for an operator: not a failure, never retried. */
  needsReview: number;
  /** processed / (processed + failed); null when neither happened. Pending is not a failure. */
  successRate: number | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  oldestPendingSeconds: number | null;
  alert: boolean;
  alertReason: string | null;
}

export interface THealthPoint {
  hour: string;
  provider: TProvider;
  processed: number;
  failed: number;
  successRate: number | null;
}

export interface TWebhookRejection {
  id: string;
  provider: TProvider;
  receivedAt: string;
  reason: string;
  statusCode: number;
  ip: string | null;
  requestId: string | null;
  bodyBytes: number;
  bodySha256: string | null;
}
