// Boots a real server on a fresh database for tests (server, client, CLI, console e2e): the
// API's test harness plus HTTP and, on request, a job worker.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createMemoryStore, type SharedStore } from "@radha/core/shared-store";
import { createTestApi, type TestApi } from "@radha/api/testing";
import { createTestDatabase, TEST_MASTER_KEY_BASE64 } from "@radha/core/testing";
import { buildApp, type App } from "./app";
import { createDeps, type AppDeps } from "./deps";
import { loadEnv } from "./env";
import { startWorker, type WorkerHandle } from "./jobs/worker";

export interface TestServer extends Omit<TestApi, "deps"> {
  app: App;
  deps: AppDeps;
  /** Base URL once listen() was called. */
  url: string;
  listen(): Promise<string>;
  /** Starts a graphile-worker runner on this server's database (stopped by close()). */
  startWorker(opts?: { concurrency?: number }): Promise<WorkerHandle>;
}

export async function createTestServer(
  opts: { store?: SharedStore; env?: Partial<Record<string, string>>; consoleDist?: string } = {},
): Promise<TestServer> {
  // A fixed master key (public, tests only) unless the test brings its own; backups go to a
  // folder of this test's own unless the test names one.
  const backupDir = opts.env?.OPS_BACKUP_DIR ?? (await mkdtemp(path.join(tmpdir(), "radha-server-backups-")));
  const env = {
    ...loadEnv({ OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64, ...opts.env, OPS_BACKUP_DIR: backupDir }),
    LOG_LEVEL: "silent" as const,
  };
  // The API harness creates the database and signs people in; the server wires its own deps on it.
  const database = await createTestDatabase();
  const deps = createDeps(env, {
    databaseUrl: database.appUrl,
    ownerUrl: database.url,
    store: opts.store ?? createMemoryStore(),
  });
  const api = await createTestApi({ database, deps });
  const app = await buildApp(deps, {
    logLevel: "silent",
    ...(opts.consoleDist ? { consoleDist: opts.consoleDist } : {}),
  });
  const workers: WorkerHandle[] = [];
  const server: TestServer = {
    ...api,
    database,
    app,
    deps,
    url: "",
    async listen() {
      const address = await app.server.listen({ port: 0, host: "127.0.0.1" });
      server.url = address;
      return address;
    },
    async startWorker(workerOpts = {}) {
      const runner = await startWorker(deps, api.database.appUrl, {
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
      await api.close();
    },
  };
  return server;
}
