// Browser-safe shapes of security operations: signing keys, sessions, webhook secrets, provider
// key checks and the provider key-rotation checklist.
import { z } from "zod";
import { pageInput } from "../pagination/pagination.schema";
import { ZProvider, type TProvider } from "../webhooks/webhooks.schema";
import type { TSigningKeyState } from "./security.schema";

const ZReason = z.string().trim().min(3, "Give a reason (at least 3 characters)").max(500);

// ---- signing keys
export interface TSigningKeyInfo {
  kid: string;
  alg: string;
  state: TSigningKeyState;
  createdAt: string;
  activatedAt: string | null;
  retiringAt: string | null;
  retireAfter: string | null;
  retiredAt: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
}
export const ZRotateKeys = z.object({ reason: ZReason });
export const ZRevokeKey = z.object({ kid: z.string().trim().min(1).max(100), reason: ZReason });
export interface TRotateResult {
  activated: string;
  retiring: string | null;
  next: string;
}
export interface TRevokeKeyResult {
  key: TSigningKeyInfo;
  sessionsRevoked: number;
  /** The key that signs from now on, when the revoked one was ACTIVE. */
  activated: string | null;
}

// ---- sessions
export const ZSessionListInput = pageInput({
  userEmail: z.email("Enter a valid email address").max(320).optional(),
  includeEnded: z.boolean().optional(),
}).prefault({});
export type TSessionListInput = z.input<typeof ZSessionListInput>;
export interface TSessionInfo {
  id: string;
  userId: string;
  userEmail: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
}
export const ZRevokeSessions = z.union([
  z.object({ sessionId: z.uuid("Not a session id"), reason: ZReason }),
  z.object({ userEmail: z.email("Enter a valid email address").max(320), reason: ZReason }),
  z.object({ all: z.literal(true), reason: ZReason }),
]);
export type TRevokeSessions = z.infer<typeof ZRevokeSessions>;

// ---- webhook secrets
export const VERIFIED_WITH = ["ENVIRONMENT", "STORED"] as const;
export type TVerifiedWith = (typeof VERIFIED_WITH)[number];
export type TWebhookSecretState = "ACTIVE" | "EXPIRING" | "EXPIRED" | "REVOKED";
export interface TWebhookSecretInfo {
  /** null for the secret from the environment. */
  id: string | null;
  provider: TProvider;
  source: "environment" | "stored";
  fingerprint: string;
  label: string;
  state: TWebhookSecretState;
  createdAt: string | null;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastVerifiedAt: string | null;
}
/** "24h", "90m", "2d", "30s"; at most 7 days (Stripe's roll allows 24 h). */
export const ZOverlap = z
  .string()
  .trim()
  .regex(/^\d+(s|m|h|d)$/, "Use a duration like 24h, 90m, 2d or 0s")
  .refine((v) => overlapSeconds(v) <= 7 * 86400, "The overlap can be at most 7d");
export function overlapSeconds(v: string): number {
  const n = Number.parseInt(v, 10);
  const unit = v.slice(-1);
  return n * (unit === "d" ? 86400 : unit === "h" ? 3600 : unit === "m" ? 60 : 1);
}
export const ZAddWebhookSecret = z
  .object({
    provider: ZProvider,
    /** Stripe's comes from its dashboard; Razorpay's may be generated here (then leave it out). */
    secret: z.string().min(16, "A webhook secret has at least 16 characters").max(500).optional(),
    generate: z.boolean().optional(),
    overlap: ZOverlap.default("24h"),
    label: z.string().trim().min(1).max(100).optional(),
    reason: ZReason,
  })
  .refine((v) => Boolean(v.secret) !== Boolean(v.generate), {
    error: "Give either the secret or generate: true",
    path: ["secret"],
  })
  .refine((v) => !(v.generate && v.provider === "STRIPE"), {
    error: "Stripe makes its own webhook secrets: paste the one from the dashboard",
    path: ["generate"],
  });
export type TAddWebhookSecret = z.input<typeof ZAddWebhookSecret>;
export interface TAddWebhookSecretResult {
  info: TWebhookSecretInfo;
  /** Only when generated here, shown this once. */
  secret: string | null;
  /** Secrets of the same provider that now expire at the end of the overlap. */
  expiring: { id: string | null; fingerprint: string; expiresAt: string }[];
}
export const ZWebhookSecretAction = z.object({ id: z.uuid("Not a webhook secret id"), reason: ZReason });

// ---- provider checks and the key-rotation checklist
export interface TProviderCheck {
  provider: TProvider;
  configured: boolean;
  /** A recognisable part of the key in use (never the key). */
  key: string | null;
  mode: "test" | "live" | null;
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
  checkedAt: string;
}
export const ROTATION_STATUSES = ["OPEN", "COMPLETED", "ABANDONED"] as const;
export type TRotationStatus = (typeof ROTATION_STATUSES)[number];
export const ROTATION_STEPS = ["CREATE_KEY", "SET_KEY", "CHECK_KEY", "REVOKE_OLD_KEY"] as const;
export type TRotationStep = (typeof ROTATION_STEPS)[number];
export const ROTATION_STEP_TEXT: Record<TRotationStep, string> = {
  CREATE_KEY: "Create a new API key in the provider's dashboard",
  SET_KEY: "Set it in the server's environment and restart (or redeploy)",
  CHECK_KEY: "Run the provider check: it must pass with the new key",
  REVOKE_OLD_KEY: "Revoke the old key in the provider's dashboard",
};
export const ZCheckProviders = z.object({});
export const ZStartRotation = z.object({ provider: ZProvider, reason: ZReason });
export const ZRotationStepInput = z.object({
  rotationId: z.uuid("Not a rotation id"),
  step: z.enum(ROTATION_STEPS),
  note: z.string().trim().max(500).optional(),
});
export const ZRotationListInput = pageInput({}).prefault({});
export interface TRotationInfo {
  id: string;
  provider: TProvider;
  status: TRotationStatus;
  reason: string;
  createdBy: string | null;
  createdAt: string;
  finishedAt: string | null;
  steps: {
    step: TRotationStep;
    text: string;
    doneBy: string | null;
    doneAt: string | null;
    note: string | null;
  }[];
}
export const ZAbandonRotation = z.object({ rotationId: z.uuid("Not a rotation id"), reason: ZReason });

// Database password rotation (alternating login roles; db-password.service.ts).
export const ZRotateDbPassword = z.object({ reason: ZReason });
export const ZSetupLoginRoles = z.object({
  prefix: z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_]{0,40}$/, "lower-case letters, digits and _ (a role name prefix)")
    .default("radha_login"),
  reason: ZReason,
});
export interface TDbRoleSessions {
  role: string;
  applicationName: string;
  count: number;
}
export interface TDbPasswordPlan {
  /** Whether `ops db rotate-password` can run here; when not, `reason` says why. */
  managed: boolean;
  reason: string | null;
  /** The login role in the credentials file (the servers' current one) and its partner. */
  activeRole: string | null;
  idleRole: string | null;
  credentialsFile: string | null;
  sessions: TDbRoleSessions[];
  /** What a rotation does, in order (shown when it cannot run). */
  steps: string[];
}
export interface TDbPasswordRotation {
  activeRole: string;
  previousRole: string;
  credentialsFile: string;
  /** False when sessions of the previous role remained past the wait: its password is unchanged. */
  previousPasswordReplaced: boolean;
  lingeringSessions: TDbRoleSessions[];
}
export interface TLoginRolesSetup {
  roles: string[];
  created: string[];
  activeRole: string;
  credentialsFile: string;
  fileWritten: boolean;
}
