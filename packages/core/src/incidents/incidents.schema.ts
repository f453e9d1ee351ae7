// Browser-safe incident shapes: severities with the runbook's response targets, the lifecycle,
// the timeline and the post-incident review.
import { z } from "zod";
import { pageInput } from "../pagination/pagination.schema";

export const SEVERITIES = ["P0", "P1", "P2", "P3"] as const;
export type TSeverity = (typeof SEVERITIES)[number];
export const ZSeverity = z.enum(SEVERITIES);

export const INCIDENT_STATUSES = [
  "INVESTIGATING",
  "IDENTIFIED",
  "MONITORING",
  "RESOLVED",
  "REVIEWED",
] as const;
export type TIncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const ZIncidentStatus = z.enum(INCIDENT_STATUSES);

export const INCIDENT_ENTRY_KINDS = [
  "DECLARED",
  "NOTE",
  "STATUS",
  "ACKNOWLEDGED",
  "CHECK",
  "REVIEW",
] as const;
export type TIncidentEntryKind = (typeof INCIDENT_ENTRY_KINDS)[number];

/**
 * Response targets. Acknowledge: the runbook's response time (P3: one business day).
 * Resolve: our own targets, stated here once.
 */
export const SEVERITY_TARGETS: Record<
  TSeverity,
  { label: string; ackMinutes: number; resolveMinutes: number }
> = {
  P0: { label: "Critical: system down, data loss", ackMinutes: 15, resolveMinutes: 4 * 60 },
  P1: { label: "High: major functionality impacted", ackMinutes: 60, resolveMinutes: 24 * 60 },
  P2: { label: "Medium: minor functionality impacted", ackMinutes: 4 * 60, resolveMinutes: 3 * 24 * 60 },
  // P3 counts business days (Monday to Friday, UTC): see dueAt().
  P3: { label: "Low: cosmetic, requests", ackMinutes: 24 * 60, resolveMinutes: 5 * 24 * 60 },
};

export const ZDeclareIncident = z.object({
  title: z.string().trim().min(3, "title: at least 3 characters").max(200),
  severity: ZSeverity,
  alertId: z.uuid().optional(),
  note: z.string().trim().max(5000).optional(),
});
export type TDeclareIncident = z.input<typeof ZDeclareIncident>;

export const ZIncidentId = z.object({ id: z.uuid("id: not an incident id") });

export const ZIncidentNote = z.object({
  id: z.uuid("id: not an incident id"),
  text: z.string().trim().min(1, "text: say something").max(5000),
});

export const ZIncidentStatusChange = z.object({
  id: z.uuid("id: not an incident id"),
  status: ZIncidentStatus,
  note: z.string().trim().max(5000).optional(),
});

export const ZActionItem = z.object({
  text: z.string().trim().min(1).max(1000),
  owner: z.string().trim().min(1, "owner: every action item needs an owner").max(200),
  due: z.string().trim().max(40).optional(),
});

export const ZIncidentReview = z.object({
  id: z.uuid("id: not an incident id"),
  summary: z.string().trim().min(1, "summary: required").max(10000),
  impact: z.string().trim().min(1, "impact: required").max(10000),
  rootCause: z.string().trim().min(1, "rootCause: required").max(10000),
  actionItems: z.array(ZActionItem).max(50).default([]),
});
export type TIncidentReviewInput = z.input<typeof ZIncidentReview>;
export type TIncidentReview = Omit<z.output<typeof ZIncidentReview>, "id"> & { reviewedBy: string | null };

export const ZIncidentListInput = pageInput({ status: ZIncidentStatus.optional() }).prefault({});

export interface TTimer {
  dueAt: string;
  /** When it was met (acknowledged / resolved), or null while it runs. */
  metAt: string | null;
  breached: boolean;
  /** Seconds left (negative: overdue) while it runs; null once met. */
  remainingSeconds: number | null;
}

export interface TIncident {
  id: string;
  title: string;
  severity: TSeverity;
  status: TIncidentStatus;
  alertId: string | null;
  declaredAt: string;
  declaredBy: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  reviewedAt: string | null;
  timers: { acknowledge: TTimer; resolve: TTimer };
  review: TIncidentReview | null;
}

export type TTimelineSource = "incident" | "audit" | "alert";

export interface TTimelineEntry {
  at: string;
  source: TTimelineSource;
  kind: string;
  actor: string | null;
  text: string;
  ref: string | null;
}

export interface TIncidentDetail extends TIncident {
  timeline: TTimelineEntry[];
}
