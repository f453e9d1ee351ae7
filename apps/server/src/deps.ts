// Everything a running server needs, built once from the environment and closed on stop.
import { createApiDeps, type ApiDeps } from "@radha/api";
import {
  createSwappableDb,
  resolveDatabaseUrl,
  type SwappablePool,
  watchDatabaseUrlFile,
} from "@radha/core/db";
import { type MasterKey, parseMasterKey } from "@radha/core/security";
import { dbopsConfigFromEnv } from "@radha/core/dbops";
import { createFlagCache, type FlagCache } from "@radha/core/emergency";
import { processMetricSource } from "@radha/core/monitoring";
import { backupFreshnessSource, backupStatus, oversoldOrdersSource } from "./monitoring/connected-sources";
import { sharedRequestStatsSource } from "./monitoring/request-stats";
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
  /** The pool behind `db`: swaps to new credentials when DATABASE_URL_FILE changes. */
  databasePool: SwappablePool;
  /** Called with each new database URL this process switches to (the worker's pool follows). */
  onDatabaseUrlChange(listener: (url: string) => void): () => void;
  close(): Promise<void>;
}

/** OPS_MASTER_KEY, or the embedded demo's generated key; a clear error otherwise. */
export function requireMasterKey(env: TServerEnv, demoKey?: string): MasterKey {
  const value = env.OPS_MASTER_KEY ?? demoKey;
  if (!value)
    throw new Error(
      "OPS_MASTER_KEY is not set. It seals signing keys and webhook secrets at rest: set it to 32 random bytes in base64 " +
        "(make one with: openssl rand -base64 32) and keep it in your secret manager; losing it means new signing keys and re-adding webhook secrets.",
    );
  return parseMasterKey(value);
}

export function createDeps(
  env: TServerEnv,
  overrides: {
    databaseUrl?: string;
    /** The owning role's URL: backups and restores (pg_dump sees every table only as the owner). */
    ownerUrl?: string;
    store?: SharedStore;
    masterKey?: MasterKey;
    /** The embedded demo database: no passwords to rotate. */
    embedded?: boolean;
  } = {},
): AppDeps {
  const masterKey = overrides.masterKey ?? requireMasterKey(env);
  const databaseUrl = overrides.databaseUrl ?? resolveDatabaseUrl(env);
  if (!databaseUrl)
    throw new Error(
      "DATABASE_URL or DATABASE_URL_FILE is required here (main.ts starts an embedded Postgres when both are unset)",
    );
  const log = (level: string, msg: string, extra: Record<string, unknown> = {}) =>
    console.error(JSON.stringify({ level, msg, ...extra }));
  const { db, pool } = createSwappableDb({
    connectionString: databaseUrl,
    max: env.OPS_DB_POOL_MAX,
    applicationName: "radha-ops-server",
    // One line per lost connection, so a Postgres restart shows in the log; the pool reconnects.
    onConnectionError: (error) => log("warn", "postgres connection lost", { err: error.message }),
    onDrained: ({ user }) => log("info", "database pool: old connections drained", { role: user }),
  });
  // Credentials from a file follow it: a rotation writes the file, every instance switches
  // its pool without a restart (the URL — a password — is never logged; the role is).
  const urlListeners = new Set<(url: string) => void>();
  const switchTo = (url: string) => {
    if (!pool.swap(url)) return;
    log("info", "database credentials changed: new connections use the new login role", { role: pool.user });
    for (const l of urlListeners) l(url);
  };
  const urlFile = overrides.databaseUrl ? undefined : env.DATABASE_URL_FILE;
  const urlWatcher = urlFile
    ? watchDatabaseUrlFile(urlFile, switchTo, {
        onError: (e) =>
          log("warn", "DATABASE_URL_FILE unreadable; keeping the current credentials", { err: e.message }),
      })
    : undefined;
  const store = overrides.store ?? createSharedStore(env.REDIS_URL);
  const webhookSecretsFromEnv = { STRIPE: env.STRIPE_WEBHOOK_SECRET, RAZORPAY: env.RAZORPAY_WEBHOOK_SECRET };
  const dbops = dbopsConfigFromEnv(
    env,
    overrides.ownerUrl ?? env.OPS_MIGRATION_DATABASE_URL ?? databaseUrl,
    process.cwd(),
  );
  const api = createApiDeps(
    db,
    store,
    {
      accessTokenTtlSeconds: env.OPS_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.OPS_REFRESH_TOKEN_TTL_SECONDS,
      loginMaxPerAccountIp: env.OPS_LOGIN_MAX_PER_ACCOUNT_IP,
      loginMaxPerAccount: env.OPS_LOGIN_MAX_PER_ACCOUNT,
      loginMaxPerIp: env.OPS_LOGIN_MAX_PER_IP,
      loginWindowSeconds: env.OPS_LOGIN_WINDOW_SECONDS,
      requireAdminMfa: env.OPS_REQUIRE_ADMIN_MFA,
      webhookProcessing: {
        maxAttempts: env.OPS_WEBHOOK_MAX_ATTEMPTS,
        backoffBaseSeconds: env.OPS_WEBHOOK_BACKOFF_SECONDS,
      },
      providerKeys: {
        stripeSecretKey: env.STRIPE_SECRET_KEY,
        razorpayKeyId: env.RAZORPAY_KEY_ID,
        razorpayKeySecret: env.RAZORPAY_KEY_SECRET,
      },
      masterKey,
      webhookSecretsFromEnv,
      dbops,
      dbPassword: {
        adminUrl: env.OPS_DB_ADMIN_URL ?? env.OPS_MIGRATION_DATABASE_URL ?? overrides.ownerUrl,
        credentialsFile: urlFile,
        staticUrl: urlFile || overrides.embedded ? undefined : databaseUrl,
        applyLocally: switchTo,
      },
      monitoring: {
        diskPaths: [
          { label: "data", path: env.OPS_DATA_DIR ?? process.cwd() },
          { label: "backups", path: dbops.backupDir },
        ],
        backupStatus: () => backupStatus(dbops),
      },
      providerCheck: {
        stripeSecretKey: env.STRIPE_SECRET_KEY,
        razorpayKeyId: env.RAZORPAY_KEY_ID,
        razorpayKeySecret: env.RAZORPAY_KEY_SECRET,
        stripeApiBase: env.STRIPE_API_BASE,
        razorpayApiBase: env.RAZORPAY_API_BASE,
      },
    },
    pool,
  );
  const webhookSecrets = createSecretSource(db, webhookSecretsFromEnv, masterKey);
  const ready = Promise.all([api.ready, webhookSecrets.listen(store).catch(() => undefined)]).then(
    () => undefined,
  );
  api.metricSources.register(processMetricSource(pool));
  api.metricSources.register(oversoldOrdersSource);
  api.metricSources.register(backupFreshnessSource(dbops));
  // Every instance's request metrics (a worker-only process samples them too; buildApp adds its own flush).
  api.metricSources.register(sharedRequestStatsSource());
  const flags = createFlagCache(db, store, { listenVia: pool });
  return {
    ...api,
    ready,
    env,
    webhookSecrets,
    webhookIntake: createWebhookIntake(db, webhookSecrets, {
      razorpayMaxAgeSeconds: env.OPS_RAZORPAY_MAX_EVENT_AGE_SECONDS,
    }),
    flags,
    databasePool: pool,
    onDatabaseUrlChange(listener) {
      urlListeners.add(listener);
      return () => urlListeners.delete(listener);
    },
    async close() {
      urlWatcher?.stop();
      api.health.stop();
      await flags.stop();
      await webhookSecrets.flush();
      await store.close();
      await db.destroy();
    },
  };
}
