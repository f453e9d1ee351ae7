// Security test fixtures: a fixed master key (tests only: it is public), a secret source
// holding fixed webhook secrets (as if from the environment), and an auth service for tests.
import { randomUUID } from "node:crypto";
import type { Db } from "../db/database";
import { type AuthConfig, type AuthService, createAuthService } from "../security/auth.service";
import { Keyring } from "../security/keyring";
import { parseMasterKey } from "../security/master-key";
import { createMemoryStore, createRedisStore, type SharedStore } from "../shared-store/index";
import { loadTestEnv } from "./env";
import type { SecretSource } from "../webhooks/secrets";

export const TEST_MASTER_KEY_BASE64 = Buffer.alloc(32, 7).toString("base64");
export const TEST_MASTER_KEY = parseMasterKey(TEST_MASTER_KEY_BASE64);

export function fixedSecretSource(...secrets: string[]): SecretSource {
  return {
    active: () => Promise.resolve(secrets.map((secret) => ({ id: null, secret }))),
    markVerified: () => undefined,
    invalidate: () => undefined,
    listen: () => Promise.resolve(() => Promise.resolve()),
    flush: () => Promise.resolve(),
  };
}

/**
 * Two handles on one shared store, as two server instances have: Redis (a fresh key prefix) when
 * REDIS_URL is set, else one in-memory store used by both.
 */
export function sharedTestStores(): [SharedStore, SharedStore] {
  const url = loadTestEnv().REDIS_URL;
  if (!url) {
    const memory = createMemoryStore();
    return [memory, memory];
  }
  const prefix = `radha-test-${randomUUID().slice(0, 8)}:`;
  return [createRedisStore(url, prefix), createRedisStore(url, prefix)];
}

/** The sign-in limits auth tests run with (one place: tests override only what they test). */
export const TEST_AUTH_CONFIG: AuthConfig = {
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 3600,
  loginMaxPerAccountIp: 10,
  loginMaxPerAccount: 100,
  loginMaxPerIp: 100,
  loginWindowSeconds: 60,
};

/** An auth service on `db` with the test master key, a memory store and TEST_AUTH_CONFIG + `config`. */
export function createTestAuthService(db: Db, config: Partial<AuthConfig> = {}): AuthService {
  return createAuthService({
    db,
    keyring: new Keyring(db, TEST_MASTER_KEY),
    masterKey: TEST_MASTER_KEY,
    store: createMemoryStore(),
    config: { ...TEST_AUTH_CONFIG, ...config },
  });
}
