// A fresh database with the API wired on it, for router tests (createCaller) and the server's own
// test harness, which adds HTTP on top.
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { createServiceToken, ensureSigningKeys, type TStaffRole } from "@radha/core/security";
import { createMemoryStore, type SharedStore } from "@radha/core/shared-store";
import {
  createTestDatabase,
  createUser,
  TEST_MASTER_KEY,
  TEST_PASSWORD,
  type TestDatabase,
} from "@radha/core/testing";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DbopsConfig } from "@radha/core/dbops";
import { createContextInner } from "./context";
import { createApiDeps, type ApiConfig, type ApiDeps } from "./deps";
import { createCaller } from "./root";

export type Caller = ReturnType<typeof createCaller>;

export const TEST_API_CONFIG: ApiConfig = {
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 14 * 24 * 3600,
  loginMaxPerAccountIp: 10,
  loginMaxPerAccount: 100,
  loginMaxPerIp: 30,
  requireAdminMfa: false,
  loginWindowSeconds: 900,
  webhookProcessing: { maxAttempts: 8, backoffBaseSeconds: 30 },
  providerKeys: {},
  masterKey: TEST_MASTER_KEY,
  webhookSecretsFromEnv: {},
  providerCheck: {},
};

/** Backups of the test database into `backupDir`, with the README's default retention. */
export function testDbopsConfig(databaseUrl: string, backupDir: string): DbopsConfig {
  return {
    databaseUrl,
    backupDir,
    retention: { keepLast: 7, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 },
    backupMaxAgeHours: 26,
    drillMaxAgeHours: 50,
  };
}

export interface TestApi {
  deps: ApiDeps;
  database: TestDatabase;
  /** A user of that role, signed in: its tokens and a createCaller bound to it. */
  signIn(
    role: TStaffRole,
    email?: string,
  ): Promise<{ userId: string; email: string; accessToken: string; refreshToken: string; caller: Caller }>;
  serviceToken(role: TStaffRole): Promise<string>;
  callerFor(bearer: string | null): Caller;
  close(): Promise<void>;
}

/**
 * Without `deps`, wires the API on the test database's pool (closed with it). With `deps` (the
 * server's harness passes its own), callers use them and their owner closes them.
 */
export async function createTestApi(
  opts: { store?: SharedStore; config?: Partial<ApiConfig>; database?: TestDatabase; deps?: ApiDeps } = {},
): Promise<TestApi> {
  const database = opts.database ?? (await createTestDatabase());
  const ownDeps = !opts.deps;
  const deps =
    opts.deps ??
    createApiDeps(database.appDb, opts.store ?? createMemoryStore(), {
      ...TEST_API_CONFIG,
      dbops: testDbopsConfig(database.url, await mkdtemp(path.join(tmpdir(), "radha-api-backups-"))),
      ...opts.config,
    });
  await ensureSigningKeys(deps.db, deps.config.masterKey);
  await deps.ready;
  const callerFor = (bearer: string | null) =>
    createCaller(createContextInner({ deps, bearer, requestId: "test", ip: "127.0.0.1" }));
  return {
    deps,
    database,
    async signIn(role, email) {
      const user = await createUser(database.db, { role, ...(email ? { email } : {}) });
      const tokens = await deps.auth.login(
        { email: user.email, password: TEST_PASSWORD },
        { ip: "127.0.0.1" },
      );
      return {
        userId: user.id,
        email: user.email,
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        caller: callerFor(tokens.accessToken),
      };
    },
    async serviceToken(role) {
      const name = `svc-${role.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`;
      const owner = await createUser(database.db, { role });
      const { token } = await createServiceToken(database.db, SYSTEM_ACTOR, {
        name,
        role,
        ownerEmail: owner.email,
      });
      return token;
    },
    callerFor,
    async close() {
      if (ownDeps) await deps.store.close();
      await database.drop();
    },
  };
}
