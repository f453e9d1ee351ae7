// Everything a running server needs, built once from the environment and closed on stop.
import { createApiDeps, type ApiDeps } from "@radha/api";
import { createDb } from "@radha/core/db";
import { createFlagCache, type FlagCache } from "@radha/core/emergency";
import { processMetricSource } from "@radha/core/monitoring";
import { createSharedStore, type SharedStore } from "@radha/core/shared-store";
import {
  createSecretSource,
  createWebhookIntake,
  type SecretSource,
  type WebhookIntake,
} from "@radha/core/webhooks";
import type { TServerEnv } from "./env";

export interface AppDeps extends ApiDeps {
  env: TServerEnv;
  webhookSecrets: SecretSource;
  webhookIntake: WebhookIntake;
  /** This instance's copy of the system flags, refreshed when any instance announces a change. */
  flags: FlagCache;
  close(): Promise<void>;
}

export function createDeps(
  env: TServerEnv,
  overrides: { databaseUrl?: string; store?: SharedStore } = {},
): AppDeps {
  const databaseUrl = overrides.databaseUrl ?? env.DATABASE_URL;
  if (!databaseUrl)
    throw new Error("DATABASE_URL is required here (main.ts starts an embedded Postgres when it is unset)");
  const { db, pool } = createDb({
    connectionString: databaseUrl,
    max: env.OPS_DB_POOL_MAX,
    applicationName: "radha-ops-server",
    // One line per lost connection, so a Postgres restart shows in the log; the pool reconnects.
    onConnectionError: (error) =>
      console.error(JSON.stringify({ level: "warn", msg: "postgres connection lost", err: error.message })),
  });
  const store = overrides.store ?? createSharedStore(env.REDIS_URL);
  const api = createApiDeps(db, store, {
    accessTokenTtlSeconds: env.OPS_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.OPS_REFRESH_TOKEN_TTL_SECONDS,
    loginMaxPerAccount: env.OPS_LOGIN_MAX_PER_ACCOUNT,
    loginMaxPerIp: env.OPS_LOGIN_MAX_PER_IP,
    loginWindowSeconds: env.OPS_LOGIN_WINDOW_SECONDS,
    webhookProcessing: {
      maxAttempts: env.OPS_WEBHOOK_MAX_ATTEMPTS,
      backoffBaseSeconds: env.OPS_WEBHOOK_BACKOFF_SECONDS,
    },
    providerKeys: {
      stripeSecretKey: env.STRIPE_SECRET_KEY,
      razorpayKeyId: env.RAZORPAY_KEY_ID,
      razorpayKeySecret: env.RAZORPAY_KEY_SECRET,
    },
    monitoring: { diskPaths: [{ label: "data", path: env.OPS_DATA_DIR ?? process.cwd() }] },
  });
  api.metricSources.register(processMetricSource(pool));
  const flags = createFlagCache(db, store);
  const webhookSecrets = createSecretSource(db, {
    STRIPE: env.STRIPE_WEBHOOK_SECRET,
    RAZORPAY: env.RAZORPAY_WEBHOOK_SECRET,
  });
  return {
    ...api,
    env,
    webhookSecrets,
    webhookIntake: createWebhookIntake(db, webhookSecrets),
    flags,
    async close() {
      api.health.stop();
      await flags.stop();
      await store.close();
      await db.destroy();
    },
  };
}
