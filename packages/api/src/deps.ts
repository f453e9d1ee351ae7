// What the routers need, wired from core once: the server builds it from its env, tests from a
// test database. The server adds what only raw routes and jobs use (webhook intake, env).
import type { Db } from "@radha/core/db";
import type { BackupStatus, ChecklistDeps } from "@radha/core/emergency";
import { createMetricRegistry, type MetricRegistry } from "@radha/core/monitoring";
import { createAuthService, Keyring, type AuthService } from "@radha/core/security";
import type { SharedStore } from "@radha/core/shared-store";
import { createHealthService, type HealthService, type ProviderKeys } from "@radha/core/system";
import type { ProcessOptions } from "@radha/core/webhooks";

export interface ApiConfig {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  loginMaxPerAccount: number;
  loginMaxPerIp: number;
  loginWindowSeconds: number;
  /** Retry policy shared by automatic processing and replays. */
  webhookProcessing: Pick<ProcessOptions, "maxAttempts" | "backoffBaseSeconds">;
  providerKeys: ProviderKeys;
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
  /** Where sampled metrics come from; other domains register theirs (one call each). */
  metricSources: MetricRegistry;
  /** What the recovery checklist reads. */
  checklist(): ChecklistDeps;
}

export function createApiDeps(db: Db, store: SharedStore, config: ApiConfig): ApiDeps {
  const keyring = new Keyring(db);
  const auth = createAuthService({
    db,
    keyring,
    store,
    config: {
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      loginMaxPerAccount: config.loginMaxPerAccount,
      loginMaxPerIp: config.loginMaxPerIp,
      loginWindowSeconds: config.loginWindowSeconds,
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
  return { db, store, keyring, auth, health, config, metricSources, checklist };
}
