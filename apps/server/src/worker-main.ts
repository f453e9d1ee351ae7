// A worker-only process: background jobs without the HTTP server. Run as many as you like.
import { checkpointConfigFromEnv } from "@radha/core/audit";
import { createDb, migrate, resolveDatabaseUrl } from "@radha/core/db";
import { createDeps } from "./deps";
import { loadEnv } from "./env";
import { startWorker } from "./jobs/worker";

const env = loadEnv();
const databaseUrl = resolveDatabaseUrl(env);
if (!databaseUrl) {
  console.error(
    "DATABASE_URL or DATABASE_URL_FILE is required for a separate worker (the server runs jobs in-process with the embedded database).",
  );
  process.exit(1);
}
const ownerUrl = env.OPS_MIGRATION_DATABASE_URL ?? databaseUrl;
const { db } = createDb({ connectionString: ownerUrl, max: 1 });
await migrate(db, ownerUrl);
await db.destroy();
const deps = createDeps(env);
const auditCheckpoint = checkpointConfigFromEnv(env);
// Follows DATABASE_URL_FILE like the server (password rotation without a restart).
const worker = await startWorker(deps, deps.databasePool.currentUrl, { auditCheckpoint });
console.log(`worker running (concurrency ${env.OPS_WORKER_CONCURRENCY})`);
const stop = async () => {
  await worker.stop();
  await deps.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
