// Browser-safe shapes of security events: refused calls, sign-in failures, lockouts, token theft.
import { z } from "zod";
import type { TActorType } from "../audit/audit.schema";
import { pageInput } from "../pagination/pagination.schema";

export const SECURITY_EVENT_KINDS = [
  "LOGIN_FAILED",
  "LOCKOUT",
  "FORBIDDEN",
  "REFRESH_TOKEN_REUSE",
  "MFA_FAILED",
  "TOKEN_REFUSED",
] as const;
export type TSecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** Newest first. */
export const ZSecurityEventListInput = pageInput({ kind: z.enum(SECURITY_EVENT_KINDS).optional() }).prefault(
  {},
);
export type TSecurityEventListInput = z.input<typeof ZSecurityEventListInput>;

export interface TSecurityEvent {
  id: string;
  occurredAt: string;
  kind: TSecurityEventKind;
  actorType: TActorType;
  actorId: string | null;
  actorLabel: string | null;
  ip: string | null;
  requestId: string | null;
  target: string | null;
  detail: string | null;
}
