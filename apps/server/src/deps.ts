// Everything a running server needs, built once from the environment and closed on stop.
import { createDb, type Db } from "@radha/core/db";
import type { TEnv } from "@radha/core/env";
import { createAuthService, Keyring, type AuthService } from "@radha/core/security";
import { createSharedStore, type SharedStore } from "@radha/core/shared-store";
import {
  createSecretSource,
  createWebhookIntake,
  type ProcessOptions,
  type SecretSource,
  type WebhookIntake,
} from "@radha/core/webhooks";
import { createHealthService, type HealthService } from "./health/health.service";

export interface AppDeps {
  env: TEnv;
  db: Db;
  store: SharedStore;
  keyring: Keyring;
  auth: AuthService;
  health: HealthService;
  webhookSecrets: SecretSource;
  webhookIntake: WebhookIntake;
  /** Retry policy shared by automatic processing and replays. */
  webhookProcessing: Pick<ProcessOptions, "maxAttempts" | "backoffBaseSeconds">;
  close(): Promise<void>;
}

export function createDeps(
  env: TEnv,
  overrides: { databaseUrl?: string; store?: SharedStore } = {},
): AppDeps {
  const databaseUrl = overrides.databaseUrl ?? env.DATABASE_URL;
  if (!databaseUrl)
    throw new Error("DATABASE_URL is required here (main.ts starts an embedded Postgres when it is unset)");
  const { db } = createDb({
    connectionString: databaseUrl,
    max: env.OPS_DB_POOL_MAX,
    applicationName: "radha-ops-server",
  });
  const store = overrides.store ?? createSharedStore(env.REDIS_URL);
  const keyring = new Keyring(db);
  const auth = createAuthService({
    db,
    keyring,
    store,
    config: {
      accessTokenTtlSeconds: env.OPS_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.OPS_REFRESH_TOKEN_TTL_SECONDS,
      loginMaxPerAccount: env.OPS_LOGIN_MAX_PER_ACCOUNT,
      loginMaxPerIp: env.OPS_LOGIN_MAX_PER_IP,
      loginWindowSeconds: env.OPS_LOGIN_WINDOW_SECONDS,
    },
  });
  const health = createHealthService({ db, store, env });
  const webhookSecrets = createSecretSource(db, {
    STRIPE: env.STRIPE_WEBHOOK_SECRET,
    RAZORPAY: env.RAZORPAY_WEBHOOK_SECRET,
  });
  return {
    env,
    db,
    store,
    keyring,
    auth,
    health,
    webhookSecrets,
    webhookIntake: createWebhookIntake(db, webhookSecrets),
    webhookProcessing: {
      maxAttempts: env.OPS_WEBHOOK_MAX_ATTEMPTS,
      backoffBaseSeconds: env.OPS_WEBHOOK_BACKOFF_SECONDS,
    },
    async close() {
      health.stop();
      await store.close();
      await db.destroy();
    },
  };
}
