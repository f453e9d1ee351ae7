// Pure helpers for the webhooks pages: the filter in the address bar, local times in inputs,
// status tones, run progress and the chart's rows.
import {
  PROVIDERS,
  WEBHOOK_STATUSES,
  type THealthPoint,
  type TProvider,
  type TReplayRun,
  type TWebhookFilter,
  type TWebhookStatus,
} from "@radha/core/webhooks/schema";
import type { Tone } from "../../ui/status-chip";

export const VIEWS = ["events", "health", "rejections", "runs"] as const;
export type TView = (typeof VIEWS)[number];

export function viewFrom(params: URLSearchParams): TView {
  const v = params.get("view");
  return (VIEWS as readonly string[]).includes(v ?? "") ? (v as TView) : "events";
}

// Short names in the address bar, so a shared link stays readable.
const PARAM: Record<keyof TWebhookFilter, string> = {
  provider: "provider",
  status: "status",
  eventType: "type",
  from: "from",
  to: "to",
  error: "error",
  reference: "ref",
};

/** The filter the address bar describes; unknown or malformed values are dropped, not sent. */
export function filterFromParams(params: URLSearchParams): TWebhookFilter {
  const f: TWebhookFilter = {};
  const provider = params.get(PARAM.provider)?.toUpperCase();
  if (provider && (PROVIDERS as readonly string[]).includes(provider)) f.provider = provider as TProvider;
  const status = params.get(PARAM.status)?.toUpperCase();
  if (status && (WEBHOOK_STATUSES as readonly string[]).includes(status)) f.status = status as TWebhookStatus;
  for (const key of ["eventType", "error", "reference"] as const) {
    const v = params.get(PARAM[key])?.trim();
    if (v) f[key] = v;
  }
  for (const key of ["from", "to"] as const) {
    const v = params.get(PARAM[key]);
    if (v && !Number.isNaN(new Date(v).getTime())) f[key] = new Date(v).toISOString();
  }
  return f;
}

/** Writes the filter into `params` (keeping other keys such as the view), dropping empty values. */
export function filterToParams(filter: TWebhookFilter, params = new URLSearchParams()): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [key, name] of Object.entries(PARAM) as [keyof TWebhookFilter, string][]) {
    const v = filter[key];
    if (v) next.set(name, v);
    else next.delete(name);
  }
  return next;
}

export function isFilterEmpty(filter: TWebhookFilter): boolean {
  return Object.values(filter).every((v) => !v);
}

/** `<input type="datetime-local">` value (the browser's local time) for a UTC ISO string. */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** UTC ISO string for a datetime-local value; undefined when empty or invalid. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function toneForStatus(status: TWebhookStatus): Tone {
  switch (status) {
    case "PROCESSED":
      return "ok";
    case "FAILED":
      return "bad";
    case "PENDING":
    case "PROCESSING":
    case "NEEDS_REVIEW":
      return "warn";
    case "IGNORED":
      return "neutral";
  }
}

export function toneForOutcome(
  outcome: "PROCESSED" | "IGNORED" | "FAILED" | "NEEDS_REVIEW" | "SKIPPED" | "DEFERRED",
): Tone {
  return outcome === "PROCESSED"
    ? "ok"
    : outcome === "FAILED"
      ? "bad"
      : outcome === "DEFERRED" || outcome === "NEEDS_REVIEW"
        ? "warn"
        : "neutral";
}

export const FINISHED_RUN_STATUSES: readonly TReplayRun["status"][] = ["COMPLETED", "CANCELLED", "FAILED"];

export function isRunFinished(run: Pick<TReplayRun, "status"> | undefined): boolean {
  return run !== undefined && FINISHED_RUN_STATUSES.includes(run.status);
}

export function toneForRun(status: TReplayRun["status"]): Tone {
  return status === "COMPLETED"
    ? "ok"
    : status === "FAILED"
      ? "bad"
      : status === "CANCELLED" || status === "CANCELLING"
        ? "neutral"
        : "warn";
}

/** Whole percent done, 0–100; an empty run is complete. */
export function runPercent(run: Pick<TReplayRun, "done" | "total">): number {
  if (run.total <= 0) return 100;
  return Math.min(100, Math.floor((run.done / run.total) * 100));
}

export function formatRate(rate: number | null): string {
  if (rate === null) return "—";
  const pct = rate * 100;
  return `${pct === 100 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

export function formatLatency(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return formatAge(Math.round(ms / 1000));
}

export function formatAge(seconds: number | null): string {
  if (seconds === null) return "none";
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

export type TChartRow = { hour: string } & Partial<Record<TProvider, number | null>>;

/** One row per hour with each provider's success rate in percent (null: nothing decided that hour). */
export function seriesToChartRows(points: readonly THealthPoint[]): TChartRow[] {
  const byHour = new Map<string, TChartRow>();
  for (const p of points) {
    const row = byHour.get(p.hour) ?? { hour: p.hour };
    row[p.provider] = p.successRate === null ? null : Math.round(p.successRate * 1000) / 10;
    byHour.set(p.hour, row);
  }
  return [...byHour.values()].sort((a, b) => a.hour.localeCompare(b.hour));
}

/** Parses an optional whole-number input; undefined when empty, null when invalid or out of range. */
export function parseWholeInput(value: string, min: number, max: number): number | undefined | null {
  const v = value.trim();
  if (!v) return undefined;
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= min && n <= max ? n : null;
}

export const REPLAY_RUNS_REFRESH_MS = 3000;
