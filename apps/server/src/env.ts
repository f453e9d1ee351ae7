// The server's and the worker's environment: the only place in apps/server that reads process.env.
import {
  auditCheckpointEnv,
  createEnvLoader,
  databaseEnv,
  optionalString,
  redisEnv,
  webhookProcessingEnv,
} from "@radha/core/env";
import { z } from "zod";

const ZServerEnv = z.object({
  ...databaseEnv,
  ...redisEnv,
  ...webhookProcessingEnv,
  ...auditCheckpointEnv,
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
});

export type TServerEnv = z.infer<typeof ZServerEnv>;

/** Parses the environment once; a bad value stops the process with a message naming it. */
export const loadEnv = createEnvLoader(ZServerEnv, () => process.env);
