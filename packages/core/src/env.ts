// The shared env parser. Each app (server, CLI, test tooling) defines its own schema and is the
// only reader of process.env, through `createEnvLoader`; the field helpers and the variable
// groups more than one app reads live here so they are spelled once.
import { z } from "zod";
import { formatZodIssues } from "./errors";

export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Unset and blank are the same: `FOO=` in a .env file means "not configured". */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/** Where the database is: DATABASE_URL, else an embedded Postgres in OPS_DATA_DIR (server, CLI, tests). */
export const databaseEnv = {
  DATABASE_URL: optionalString,
  /** A file holding the URL instead (re-read when it changes: `ops db rotate-password` writes it). */
  DATABASE_URL_FILE: optionalString,
  /** A superuser or CREATEROLE role's URL for password rotation; else OPS_MIGRATION_DATABASE_URL. */
  OPS_DB_ADMIN_URL: optionalString,
  /** The owning role, for migrations (`DATABASE_URL` is then an application login role). */
  OPS_MIGRATION_DATABASE_URL: optionalString,
  OPS_DATA_DIR: optionalString,
  OPS_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
};

export const redisEnv = { REDIS_URL: optionalString };

/**
 * Security operations (secops): the master key that seals signing keys and webhook secrets, the
 * provider API bases (a stand-in or proxy), the access-token lifetime keys outlive when retiring.
 */
export const securityEnv = {
  OPS_MASTER_KEY: optionalString.refine(
    (v) => v === undefined || Buffer.from(v.trim(), "base64").length === 32,
    "must be 32 random bytes in base64 (make one with: openssl rand -base64 32)",
  ),
  STRIPE_API_BASE: optionalString.pipe(z.url().optional()),
  RAZORPAY_API_BASE: optionalString.pipe(z.url().optional()),
  OPS_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86400).default(900),
};

/** Payment provider API keys and the environment's webhook secrets (server and CLI alike). */
export const providerKeysEnv = {
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  RAZORPAY_KEY_ID: optionalString,
  RAZORPAY_KEY_SECRET: optionalString,
  RAZORPAY_WEBHOOK_SECRET: optionalString,
};

/** Audit checkpoints outside the database (audit/checkpoint.ts): a folder and an HMAC key (or its file). */
export const auditCheckpointEnv = {
  OPS_AUDIT_CHECKPOINT_DIR: optionalString,
  OPS_AUDIT_CHECKPOINT_KEY: optionalString,
  OPS_AUDIT_CHECKPOINT_KEY_FILE: optionalString,
};

/** How failed webhook events are retried: the server's worker and the CLI's replays alike. */
export const webhookProcessingEnv = {
  OPS_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  OPS_WEBHOOK_BACKOFF_SECONDS: z.coerce.number().min(0.01).max(3600).default(30),
};

/** Parses `source` with `schema`; a bad value throws a message naming every variable at fault. */
export function parseEnv<S extends z.ZodType>(schema: S, source: EnvSource): z.output<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) throw new Error(`Invalid environment:\n  ${formatZodIssues(parsed.error, "\n  ")}`);
  return parsed.data;
}

/**
 * An app's `loadEnv`: parses what `read()` returns once and caches it; with overrides (tests
 * starting a server with other settings) it parses afresh on top of the environment.
 */
export function createEnvLoader<S extends z.ZodType>(
  schema: S,
  read: () => EnvSource,
): (overrides?: EnvSource) => z.output<S> {
  let cached: z.output<S> | undefined;
  return (overrides) => {
    if (overrides) return parseEnv(schema, { ...read(), ...overrides });
    cached ??= parseEnv(schema, read());
    return cached;
  };
}

/** Backups, restores and drills (server jobs and the CLI read the same settings). */
export const dbopsEnv = {
  OPS_BACKUP_DIR: z.string().trim().default(".data/backups"),
  OPS_PG_BIN_DIR: optionalString,
  OPS_BACKUP_S3_BUCKET: optionalString,
  OPS_BACKUP_S3_ENDPOINT: optionalString,
  OPS_BACKUP_S3_REGION: z.string().trim().default("us-east-1"),
  OPS_BACKUP_S3_PREFIX: z.string().trim().default("radha-backups/"),
  OPS_BACKUP_S3_ACCESS_KEY_ID: optionalString,
  OPS_BACKUP_S3_SECRET_ACCESS_KEY: optionalString,
  OPS_BACKUP_S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).default("true"),
  OPS_BACKUP_KEEP_LAST: z.coerce.number().int().min(1).max(1000).default(7),
  OPS_BACKUP_KEEP_DAILY: z.coerce.number().int().min(0).max(1000).default(7),
  OPS_BACKUP_KEEP_WEEKLY: z.coerce.number().int().min(0).max(1000).default(4),
  OPS_BACKUP_KEEP_MONTHLY: z.coerce.number().int().min(0).max(1000).default(6),
  /** A newest backup older than this many hours turns the backups health check to warn (x2: fail). */
  OPS_BACKUP_MAX_AGE_HOURS: z.coerce.number().min(1).max(10_000).default(26),
  /** A drill older than this many hours is stale (warn). */
  OPS_DRILL_MAX_AGE_HOURS: z.coerce.number().min(1).max(10_000).default(50),
};

/** Every group the server and the CLI both read: each app adds only what is its own. */
export const operationsEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...webhookProcessingEnv,
  ...securityEnv,
  ...providerKeysEnv,
  ...dbopsEnv,
  ...auditCheckpointEnv,
};
