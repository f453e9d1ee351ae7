// What the routers need, wired from core once: the server builds it from its env, tests from a
// test database. The server adds what only raw routes and jobs use (webhook intake, env).
import type { Db } from "@radha/core/db";
import type { DbopsConfig, PoolStats } from "@radha/core/dbops";
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
  /** Backups, restores and drills; without it those procedures answer PRECONDITION_FAILED. */
  dbops?: DbopsConfig | undefined;
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
}

export function createApiDeps(db: Db, store: SharedStore, config: ApiConfig, pool?: PoolStats): ApiDeps {
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
  return { db, store, keyring, auth, health, config, pool };
}
