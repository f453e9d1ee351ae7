// Browser-safe system flags and health shapes.
import { z } from "zod";

export const SYSTEM_FLAGS = {
  payments_enabled: {
    schema: z.boolean(),
    default: true,
    description: "Accept new payments and process payment webhooks",
  },
  maintenance_mode: {
    schema: z.boolean(),
    default: false,
    description: "Storefront reads answer 503 while operators work",
  },
  restore_in_progress: {
    schema: z.boolean(),
    default: false,
    description: "Set while a restore runs: ops changes are refused and webhook processing waits",
  },
  low_stock_default_threshold: {
    schema: z.number().int().min(0).max(100000),
    default: 10,
    description: "Low-stock threshold where a variant and its product set none",
  },
} as const;

export type TFlagKey = keyof typeof SYSTEM_FLAGS;
export const ZFlagKey = z.enum(Object.keys(SYSTEM_FLAGS) as [TFlagKey, ...TFlagKey[]]);

export const ZSetFlag = z.object({
  key: ZFlagKey,
  value: z.union([z.boolean(), z.number()]),
  reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(500),
});
export type TSetFlag = z.infer<typeof ZSetFlag>;

export interface TFlag {
  key: TFlagKey;
  value: boolean | number;
  description: string;
  updatedAt: string | null;
  updatedBy: string | null;
}

export type TCheckStatus = "pass" | "warn" | "fail";

export interface THealthCheck {
  name: string;
  status: TCheckStatus;
  /** Milliseconds the check took (or took when it was last run, for cached checks). */
  durationMs: number;
  message: string;
  checkedAt: string;
  critical: boolean;
}

export interface THealthReport {
  status: TCheckStatus;
  checkedAt: string;
  version: string;
  uptimeSeconds: number;
  checks: THealthCheck[];
}
