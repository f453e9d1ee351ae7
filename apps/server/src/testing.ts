// Boots a real server on a fresh database for tests (server, client, CLI, console e2e).
import { loadEnv } from "@radha/core/env";
import { ensureActiveSigningKey, createServiceToken, type TStaffRole } from "@radha/core/security";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { createTestDatabase, createUser, TEST_PASSWORD, type TestDatabase } from "@radha/core/testing";
import { createMemoryStore, type SharedStore } from "@radha/core/shared-store";
import { buildApp, type App } from "./app";
import { createDeps, type AppDeps } from "./deps";
import { startWorker, type WorkerHandle } from "./jobs/worker";
import { createCaller } from "./trpc/root";
import { createContextInner } from "./trpc/context";

export interface TestServer {
  app: App;
  deps: AppDeps;
  database: TestDatabase;
  /** Base URL once listen() was called. */
  url: string;
  listen(): Promise<string>;
  /** A user of that role, signed in: its access token and a createCaller bound to it. */
  signIn(
    role: TStaffRole,
    email?: string,
  ): Promise<{
    userId: string;
    email: string;
    accessToken: string;
    refreshToken: string;
    caller: ReturnType<typeof createCaller>;
  }>;
  serviceToken(role: TStaffRole): Promise<string>;
  callerFor(bearer: string | null): ReturnType<typeof createCaller>;
  /** Starts a graphile-worker runner on this server's database (stopped by close()). */
  startWorker(opts?: { concurrency?: number }): Promise<WorkerHandle>;
  close(): Promise<void>;
}

export async function createTestServer(
  opts: { store?: SharedStore; env?: Partial<Record<string, string>>; consoleDist?: string } = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const env = {
    ...loadEnv(),
    LOG_LEVEL: "silent" as const,
    ...(opts.env ? loadEnv({ ...process.env, ...opts.env }) : {}),
  };
  const deps = createDeps(env, { databaseUrl: database.url, store: opts.store ?? createMemoryStore() });
  await ensureActiveSigningKey(deps.db);
  const app = await buildApp(deps, {
    logLevel: "silent",
    ...(opts.consoleDist ? { consoleDist: opts.consoleDist } : {}),
  });
  const workers: WorkerHandle[] = [];
  const callerFor = (bearer: string | null) =>
    createCaller(createContextInner({ deps, bearer, requestId: "test", ip: "127.0.0.1" }));
  const server: TestServer = {
    app,
    deps,
    database,
    url: "",
    async listen() {
      const address = await app.server.listen({ port: 0, host: "127.0.0.1" });
      server.url = address;
      return address;
    },
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
      const { token } = await createServiceToken(database.db, SYSTEM_ACTOR, {
        name: `svc-${role.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`,
        role,
      });
      return token;
    },
    callerFor,
    async startWorker(workerOpts = {}) {
      const runner = await startWorker(deps, database.url, {
        concurrency: workerOpts.concurrency ?? 4,
        pollInterval: 100,
        crontab: false,
      });
      workers.push(runner);
      return runner;
    },
    async close() {
      for (const w of workers) await w.stop().catch(() => undefined);
      await app.stop();
      await deps.close();
      await database.drop();
    },
  };
  return server;
}
