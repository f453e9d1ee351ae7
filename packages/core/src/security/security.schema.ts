// Browser-safe security shapes: roles, login, users, service tokens.
import { z } from "zod";
import { pageInput } from "../pagination/pagination.schema";
import { STAFF_ROLES, type TStaffRole } from "./roles";

export * from "./roles";
export * from "./security-events.schema";

export const ZStaffRole = z.enum(STAFF_ROLES);

export const USER_STATUSES = ["ACTIVE", "SUSPENDED"] as const;
export type TUserStatus = (typeof USER_STATUSES)[number];

/** A signing key's life: NEXT → ACTIVE → RETIRING → RETIRED, or REVOKED at any point. */
export const SIGNING_KEY_STATES = ["NEXT", "ACTIVE", "RETIRING", "RETIRED", "REVOKED"] as const;
export type TSigningKeyState = (typeof SIGNING_KEY_STATES)[number];
export const SIGNING_KEY_ALGS = ["ES256", "EdDSA"] as const;
export type TSigningKeyAlg = (typeof SIGNING_KEY_ALGS)[number];

export const ZLoginInput = z.object({
  email: z.email("Enter a valid email address").max(320),
  password: z.string().min(1, "Enter your password").max(1024),
  /** The 6-digit code of an authenticator app (ADMIN accounts with TOTP, or enrolling). */
  totpCode: z
    .string()
    .trim()
    .regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app")
    .optional(),
  /** Only when the sign-in asked for it (an admin reset the password). */
  newPassword: z.string().max(1024).optional(),
});
export type TLoginInput = z.infer<typeof ZLoginInput>;

export const ZRefreshInput = z.object({ refreshToken: z.string().min(20).max(200).optional() }).optional();

export interface TSessionUser {
  id: string;
  email: string;
  name: string;
  role: TStaffRole;
}

export interface TAuthTokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  user: TSessionUser;
}

export const ZCreateServiceToken = z.object({
  name: z
    .string()
    .trim()
    .min(2)
    .max(80)
    .regex(/^[a-z0-9][a-z0-9._-]*$/i, "Use letters, digits, dot, dash or underscore"),
  role: ZStaffRole,
  /** Days until the token stops working: 90 unless given, at most a year. */
  expiresInDays: z.number().int().min(1).max(365).default(90),
  /** Who the token acts for; only when no person is signed in (the CLI). A person owns their own. */
  ownerEmail: z.email("Enter a valid email address").max(320).optional(),
});
export type TCreateServiceToken = z.infer<typeof ZCreateServiceToken>;

/** By email. */
export const ZStaffUserListInput = pageInput({}).prefault({});
export type TStaffUserListInput = z.input<typeof ZStaffUserListInput>;

/** Newest first. */
export const ZServiceTokenListInput = pageInput({}).prefault({});
export type TServiceTokenListInput = z.input<typeof ZServiceTokenListInput>;

export const ZUserIdInput = z.object({ userId: z.uuid("Not a user id") });
export const ZSuspendUser = z.object({
  userId: z.uuid("Not a user id"),
  reason: z.string().trim().min(3, "Give a reason").max(500),
});
export const ZRestoreUser = z.object({
  userId: z.uuid("Not a user id"),
  reason: z.string().trim().max(500).optional(),
});
export const ZChangeRole = z.object({
  userId: z.uuid("Not a user id"),
  role: ZStaffRole,
  reason: z.string().trim().max(500).optional(),
});
export const ZCreateUser = z.object({
  email: z.email("Enter a valid email address").max(320),
  name: z.string().trim().min(1).max(200),
  role: ZStaffRole,
  password: z.string().min(12, "Passwords need at least 12 characters").max(1024),
});

export interface TStaffUser {
  id: string;
  email: string;
  name: string;
  role: string;
  status: TUserStatus;
  suspendedAt: string | null;
  suspensionReason: string | null;
  lastLoginAt: string | null;
  createdAt: string;
  mustChangePassword: boolean;
  totpEnabled: boolean;
}

export interface TServiceTokenInfo {
  id: string;
  name: string;
  role: TStaffRole;
  tokenPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expiresAt: string;
  ownerEmail: string | null;
  lastUsedIp: string | null;
}

export const ZChangePassword = z.object({
  currentPassword: z.string().min(1, "Enter your current password").max(1024),
  newPassword: z.string().min(12, "Passwords need at least 12 characters").max(1024),
});
export type TChangePassword = z.infer<typeof ZChangePassword>;

export const ZResetPassword = z.object({
  userId: z.uuid("Not a user id"),
  reason: z.string().trim().min(3, "Give a reason").max(500),
});

export const ZTotpCode = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app"),
});

export interface TTotpEnrolment {
  secret: string;
  otpauthUrl: string;
}
