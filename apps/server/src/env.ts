// The server's and the worker's environment: the only place in apps/server that reads process.env.
import { createEnvLoader, operationsEnv, optionalString } from "@radha/core/env";
import { isIP } from "node:net";
import { z } from "zod";

function isCidr(value: string): boolean {
  const [address, bits, extra] = value.split("/");
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

const ZServerEnv = z.object({
  ...operationsEnv,
  /** Days between scheduled signing-key rotations (the job checks hourly). */
  OPS_KEY_ROTATION_DAYS: z.coerce.number().min(1).max(365).default(30),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  OPS_ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
  OPS_ADMIN_PASSWORD: optionalString,
  OPS_SEED: z.enum(["auto", "always", "never"]).default("auto"),
  OPS_REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(60 * 60 * 24 * 14),
  /** Failed sign-ins per account + address pair, per address, and per account from anywhere. */
  OPS_LOGIN_MAX_PER_ACCOUNT_IP: z.coerce.number().int().min(1).default(10),
  OPS_LOGIN_MAX_PER_IP: z.coerce.number().int().min(1).default(30),
  OPS_LOGIN_MAX_PER_ACCOUNT: z.coerce.number().int().min(1).default(200),
  OPS_REQUIRE_ADMIN_MFA: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Comma-separated CIDRs (or addresses) whose X-Forwarded-For is believed; none by default. */
  OPS_TRUSTED_PROXIES: optionalString.pipe(
    z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(",")
              .map((c) => c.trim())
              .filter(Boolean)
          : [],
      )
      .refine(
        (list) => list.every(isCidr),
        "OPS_TRUSTED_PROXIES: give IPv4/IPv6 addresses or CIDRs, comma-separated",
      ),
  ),
  /** Webhook requests per provider per minute before 429 (providers retry). */
  OPS_WEBHOOK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(3000),
  OPS_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  OPS_WEBHOOK_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  /** A signed Razorpay body whose created_at is older than this is refused (replay window). */
  OPS_RAZORPAY_MAX_EVENT_AGE_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86400)
    .default(24 * 3600),
  /** "inline": this server process also runs background jobs; "off": run `pnpm worker` separately. */
  OPS_WORKER: z.enum(["inline", "off"]).default("inline"),
  OPS_DB_POOL_MAX: z.coerce.number().int().min(2).max(200).default(20),
  OPS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** How often each instance writes its request-metric deltas for the minute sampler to merge. */
  OPS_REQUEST_STATS_FLUSH_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  /** Bearer token for GET /metrics; unset: loopback clients only. */
  OPS_METRICS_TOKEN: optionalString.pipe(z.string().min(16, "at least 16 characters").optional()),
});

export type TServerEnv = z.infer<typeof ZServerEnv>;

/** Parses the environment once; a bad value stops the process with a message naming it. */
export const loadEnv = createEnvLoader(ZServerEnv, () => process.env);
