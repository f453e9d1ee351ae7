// Browser-safe monitoring shapes: metric series, alert rules and alerts, notification channels.
import { z } from "zod";
import { pageInput } from "../pagination/pagination.schema";
import { SEVERITIES, ZSeverity, type TSeverity } from "../incidents/incidents.schema";

export const COMPARISONS = ["GT", "GTE", "LT", "LTE"] as const;
export type TComparison = (typeof COMPARISONS)[number];
export const COMPARISON_SYMBOL: Record<TComparison, string> = { GT: ">", GTE: "≥", LT: "<", LTE: "≤" };

export const ALERT_STATUSES = ["FIRING", "ACKNOWLEDGED", "RESOLVED"] as const;
export type TAlertStatus = (typeof ALERT_STATUSES)[number];

export const CHANNEL_KINDS = ["SLACK", "WEBHOOK", "EMAIL"] as const;
export type TChannelKind = (typeof CHANNEL_KINDS)[number];

export const DELIVERY_EVENTS = ["ALERT_FIRING", "ALERT_RESOLVED", "TEST"] as const;
export type TDeliveryEvent = (typeof DELIVERY_EVENTS)[number];
export const DELIVERY_STATUSES = ["PENDING", "RETRYING", "SENT", "FAILED"] as const;
export type TDeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The charted metrics (names as sampled) and what they mean. */
export const METRICS = {
  http_latency_p50_seconds: "Request latency p50 (s)",
  http_latency_p95_seconds: "Request latency p95 (s)",
  http_latency_p99_seconds: "Request latency p99 (s)",
  http_requests_per_minute: "Requests per minute",
  http_error_rate: "Share of responses ≥ 500",
  db_pool_in_use: "Pool connections in use",
  db_pool_idle: "Pool connections idle",
  db_pool_waiting: "Pool clients waiting",
  pg_connections: "Postgres connections by state",
  pg_connections_ratio: "Postgres connections / max_connections",
  pg_max_connections: "max_connections",
  pg_longest_query_seconds: "Longest running query (s)",
  job_queue_depth: "Jobs waiting",
  job_oldest_age_seconds: "Oldest waiting job (s)",
  webhook_pending: "Webhook events pending",
  webhook_oldest_pending_seconds: "Oldest pending webhook (s)",
  webhook_events_last_minute: "Webhook events by outcome (last minute)",
  webhook_success_rate: "Webhook success rate (24 h)",
  webhook_decided_24h: "Webhook events decided (24 h)",
  stock_movements_last_minute: "Stock movements by type (last minute)",
  replay_events_last_minute: "Replayed events (last minute)",
  inventory_low_stock_variants: "Variants below threshold",
  audit_chain_ok: "Audit chain verifies (1/0)",
  process_rss_mb: "Memory RSS (MB)",
  process_heap_used_mb: "Heap used (MB)",
  process_cpu_percent: "CPU (% of one core)",
} as const;
export type TMetricName = keyof typeof METRICS;

export const METRIC_RANGES = {
  "1h": 3_600,
  "6h": 21_600,
  "24h": 86_400,
  "7d": 604_800,
  "14d": 1_209_600,
} as const;
export type TMetricRange = keyof typeof METRIC_RANGES;

export const ZMetricSeriesInput = z.object({
  metrics: z.array(z.string().min(1).max(100)).min(1).max(20),
  range: z.enum(Object.keys(METRIC_RANGES) as [TMetricRange, ...TMetricRange[]]).default("6h"),
});

export interface TMetricPoint {
  at: string;
  value: number;
}
export interface TMetricSeries {
  metric: string;
  subject: string;
  points: TMetricPoint[];
}

export interface TAlertRule {
  id: string;
  key: string;
  name: string;
  metric: string;
  comparison: TComparison;
  threshold: number;
  holdSeconds: number;
  severity: TSeverity;
  volumeMetric: string | null;
  minVolume: number | null;
  enabled: boolean;
  description: string;
  updatedAt: string;
  updatedBy: string | null;
  /** Whether a metric source produces this rule's metric (false: wired after a merge). */
  connected: boolean;
}

export const ZUpdateAlertRule = z.object({
  id: z.uuid("id: not a rule id"),
  threshold: z.number().optional(),
  comparison: z.enum(COMPARISONS).optional(),
  holdSeconds: z.number().int().min(0).max(86_400).optional(),
  severity: ZSeverity.optional(),
  minVolume: z.number().min(0).nullable().optional(),
  enabled: z.boolean().optional(),
  reason: z.string().trim().min(3, "reason: say why (at least 3 characters)").max(500),
});
export type TUpdateAlertRule = z.input<typeof ZUpdateAlertRule>;

export interface TAlert {
  id: string;
  ruleId: string;
  ruleKey: string;
  ruleName: string;
  subject: string;
  status: TAlertStatus;
  severity: TSeverity;
  message: string;
  value: number;
  threshold: number;
  firedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
}

export const ZAlertListInput = pageInput({ status: z.enum(ALERT_STATUSES).optional() }).prefault({});
export const ZAlertId = z.object({ id: z.uuid("id: not an alert id") });

const ZHttpUrl = z.url({ protocol: /^https?$/, error: "url: an http(s) URL" });

export const ZCreateChannel = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("SLACK"),
    name: z.string().trim().min(1).max(100),
    severities: z
      .array(ZSeverity)
      .min(1)
      .default([...SEVERITIES]),
    url: ZHttpUrl,
  }),
  z.object({
    kind: z.literal("WEBHOOK"),
    name: z.string().trim().min(1).max(100),
    severities: z
      .array(ZSeverity)
      .min(1)
      .default([...SEVERITIES]),
    url: ZHttpUrl,
    /** HMAC-SHA256 key; generated when omitted and shown once in the answer. */
    signingSecret: z.string().min(16, "signingSecret: at least 16 characters").max(200).optional(),
  }),
  z.object({
    kind: z.literal("EMAIL"),
    name: z.string().trim().min(1).max(100),
    severities: z
      .array(ZSeverity)
      .min(1)
      .default([...SEVERITIES]),
    to: z.array(z.email("to: an e-mail address")).min(1).max(20),
    from: z.email("from: an e-mail address"),
    smtpHost: z.string().trim().min(1).max(255),
    smtpPort: z.number().int().min(1).max(65535).default(587),
    smtpSecure: z.boolean().default(false),
    smtpUser: z.string().max(255).optional(),
    smtpPassword: z.string().max(500).optional(),
  }),
]);
export type TCreateChannel = z.input<typeof ZCreateChannel>;

/**
 * An edit: every field optional; secrets (url, signingSecret, smtpPassword) are replaced only
 * when given (`smtpPassword: null` removes it). Fields of another kind are refused.
 */
export const ZUpdateChannel = z.object({
  id: z.uuid("id: not a channel id"),
  name: z.string().trim().min(1, "name: required").max(100).optional(),
  severities: z.array(ZSeverity).min(1, "severities: pick at least one").optional(),
  url: ZHttpUrl.optional(),
  signingSecret: z.string().min(16, "signingSecret: at least 16 characters").max(200).optional(),
  to: z.array(z.email("to: an e-mail address")).min(1, "to: at least one recipient").max(20).optional(),
  from: z.email("from: an e-mail address").optional(),
  smtpHost: z.string().trim().min(1, "smtpHost: required").max(255).optional(),
  smtpPort: z.number().int().min(1, "smtpPort: 1–65535").max(65535, "smtpPort: 1–65535").optional(),
  smtpSecure: z.boolean().optional(),
  smtpUser: z.string().max(255).nullable().optional(),
  smtpPassword: z.string().max(500).nullable().optional(),
});
export type TUpdateChannel = z.input<typeof ZUpdateChannel>;

/** An e-mail channel's non-secret settings (what the edit form starts from). */
export interface TEmailSettings {
  to: string[];
  from: string;
  smtpHost: string;
  smtpPort: number;
  smtpSecure: boolean;
  smtpUser: string | null;
  hasPassword: boolean;
}

export interface TChannel {
  id: string;
  name: string;
  kind: TChannelKind;
  severities: TSeverity[];
  enabled: boolean;
  /** Where it goes, without secrets: host and the URL's last 4 characters, or the recipients. */
  targetHint: string;
  /** sha256 prefix of the stored secrets: changes when they do; useless to an attacker. */
  secretFingerprint: string | null;
  /** E-mail channels only. */
  email: TEmailSettings | null;
  createdAt: string;
}

export const ZChannelId = z.object({ id: z.uuid("id: not a channel id") });
export const ZSetChannelEnabled = z.object({ id: z.uuid(), enabled: z.boolean() });

export interface TDelivery {
  id: string;
  channelId: string;
  channelName: string;
  alertId: string | null;
  event: TDeliveryEvent;
  status: TDeliveryStatus;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}
export const ZDeliveryListInput = pageInput({
  status: z.enum(DELIVERY_STATUSES).optional(),
  channelId: z.uuid().optional(),
}).prefault({});
