// What the routers need, wired from core once: the server builds it from its env, tests from a
// test database. The server adds what only raw routes and jobs use (webhook intake, env).
import type { Db } from "@radha/core/db";
import {
  createAuthService,
  Keyring,
  type AuthService,
  type DbPasswordSettings,
  type MasterKey,
  type ProviderCheckConfig,
} from "@radha/core/security";
import type { DbopsConfig, PoolStats } from "@radha/core/dbops";
import type { BackupStatus, ChecklistDeps } from "@radha/core/emergency";
import { createMetricRegistry, type MetricRegistry } from "@radha/core/monitoring";
import type { SharedStore } from "@radha/core/shared-store";
import { createHealthService, type HealthService, type ProviderKeys } from "@radha/core/system";
import type { ProcessOptions, TProvider } from "@radha/core/webhooks";

export interface ApiConfig {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Failed sign-ins per account + address pair, per address, and per account (a much higher ceiling). */
  loginMaxPerAccountIp: number;
  loginMaxPerAccount: number;
  loginMaxPerIp: number;
  loginWindowSeconds: number;
  /** ADMIN sign-ins need a TOTP code (OPS_REQUIRE_ADMIN_MFA). */
  requireAdminMfa: boolean;
  /** Retry policy shared by automatic processing and replays. */
  webhookProcessing: Pick<ProcessOptions, "maxAttempts" | "backoffBaseSeconds">;
  providerKeys: ProviderKeys;
  /** Seals signing keys and webhook secrets at rest (OPS_MASTER_KEY). */
  masterKey: MasterKey;
  /** The environment's webhook secrets: listed (by fingerprint) beside the stored ones. */
  webhookSecretsFromEnv: Partial<Record<TProvider, string>>;
  /** Keys and API bases for `security.checkProviders`. */
  providerCheck: ProviderCheckConfig;
  /** Backups, restores and drills; without it those procedures answer PRECONDITION_FAILED. */
  dbops?: DbopsConfig | undefined;
  /** Database password rotation (admin URL, credentials file); without it `rotateDbPassword` explains and stops. */
  dbPassword?: DbPasswordSettings | undefined;
  /** The recovery checklist's disk folders and (after merge) the backups domain's status. */
  monitoring?: { diskPaths?: { label: string; path: string }[]; backupStatus?: () => Promise<BackupStatus> };
}

export interface ApiDeps {
  db: Db;
  store: SharedStore;
  keyring: Keyring;
  auth: AuthService;
  health: HealthService;
  config: ApiConfig;
  /** The pool behind `db`, for the Database page's pool usage. */
  pool?: PoolStats | undefined;
  /** Resolves once this instance listens for key changes announced by others. */
  ready: Promise<void>;
  /** Where sampled metrics come from; other domains register theirs (one call each). */
  metricSources: MetricRegistry;
  /** What the recovery checklist reads. */
  checklist(): ChecklistDeps;
}

export function createApiDeps(db: Db, store: SharedStore, config: ApiConfig, pool?: PoolStats): ApiDeps {
  const keyring = new Keyring(db, config.masterKey);
  const ready = keyring.listen(store).then(
    () => undefined,
    // Without the store's pub/sub, other instances' changes arrive within the keyring's cache time.
    () => undefined,
  );
  const auth = createAuthService({
    db,
    keyring,
    masterKey: config.masterKey,
    store,
    config: {
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      loginMaxPerAccountIp: config.loginMaxPerAccountIp,
      loginMaxPerAccount: config.loginMaxPerAccount,
      loginMaxPerIp: config.loginMaxPerIp,
      loginWindowSeconds: config.loginWindowSeconds,
      requireAdminMfa: config.requireAdminMfa,
    },
  });
  const health = createHealthService({ db, store, keys: config.providerKeys });
  const metricSources = createMetricRegistry();
  const checklist = (): ChecklistDeps => ({
    db,
    store,
    providerChecks: async () =>
      (await health.report()).checks.filter((c) => c.name === "stripe" || c.name === "razorpay"),
    diskPaths: config.monitoring?.diskPaths ?? [{ label: "data", path: process.cwd() }],
    ...(config.monitoring?.backupStatus ? { backupStatus: config.monitoring.backupStatus } : {}),
  });
  return { db, store, keyring, auth, health, config, ready, pool, metricSources, checklist };
}
