// The only module that reads process.env. Everything else receives typed config.
import { z } from "zod";

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const ZEnv = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: optionalString,
  REDIS_URL: optionalString,
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  RAZORPAY_KEY_ID: optionalString,
  RAZORPAY_KEY_SECRET: optionalString,
  RAZORPAY_WEBHOOK_SECRET: optionalString,
  OPS_ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
  OPS_ADMIN_PASSWORD: optionalString,
  OPS_DATA_DIR: optionalString,
  OPS_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  OPS_SEED: z.enum(["auto", "always", "never"]).default("auto"),
  OPS_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86400).default(900),
  OPS_REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(60 * 60 * 24 * 14),
  OPS_LOGIN_MAX_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  OPS_LOGIN_MAX_PER_IP: z.coerce.number().int().min(1).default(30),
  OPS_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  OPS_SERVER_URL: optionalString,
  OPS_TOKEN: optionalString,
  OPS_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  OPS_WEBHOOK_BACKOFF_SECONDS: z.coerce.number().min(0.01).max(3600).default(30),
  OPS_WEBHOOK_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  /** "inline": this server process also runs background jobs; "off": run `pnpm worker` separately. */
  OPS_WORKER: z.enum(["inline", "off"]).default("inline"),
  OPS_DB_POOL_MAX: z.coerce.number().int().min(2).max(200).default(20),
  OPS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  CHROMIUM_PATH: z.string().default("/usr/bin/chromium"),
  CI: optionalString,
  /** Where `pnpm ops …` was typed (pnpm sets it); relative CLI paths resolve against it. */
  INIT_CWD: optionalString,
});

export type TEnv = z.infer<typeof ZEnv>;

let cached: TEnv | undefined;

/** Parses the environment once; a bad value stops the process with a message naming it. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): TEnv {
  if (source === process.env && cached) return cached;
  const parsed = ZEnv.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  if (source === process.env) cached = parsed.data;
  return parsed.data;
}
