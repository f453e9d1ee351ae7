// Server entry: env → database (embedded when DATABASE_URL is unset) → migrate → listen.
import { checkpointConfigFromEnv, writeAuditCheckpoint } from "@radha/core/audit";
import { createDb, describeRuntimeRole, migrate, resolveDatabaseUrl } from "@radha/core/db";
import { ensureBootstrapAdmin, ensureSigningKeys, sealStoredTotpSecrets } from "@radha/core/security";
import { sealStoredWebhookSecrets } from "@radha/core/webhooks";
import { sealStoredChannelSecrets } from "@radha/core/monitoring";
import type { EmbeddedPostgres } from "@radha/dev-db";
import { buildApp } from "./app";
import { createDeps, requireMasterKey } from "./deps";
import { loadEnv } from "./env";
import { startWorker } from "./jobs/worker";

/** The dev-only parts (embedded Postgres, demo seed) load only when asked for. */
const loadDevDb = () => import("@radha/dev-db");

async function main(): Promise<void> {
  const env = loadEnv();
  let embedded: EmbeddedPostgres | undefined;
  // Runtime credentials (an application login role) and the owner's, for migrations.
  // DATABASE_URL, or DATABASE_URL_FILE's URL (re-read on change by createDeps: password rotation).
  let databaseUrl = resolveDatabaseUrl(env);
  let ownerUrl = env.OPS_MIGRATION_DATABASE_URL ?? databaseUrl;
  let demoMasterKey: string | undefined;
  if (!databaseUrl || !ownerUrl) {
    const { loadOrCreateDemoMasterKey, startLocalDatabase } = await loadDevDb();
    if (!env.OPS_MASTER_KEY) {
      const demo = loadOrCreateDemoMasterKey(env.OPS_DATA_DIR);
      if (demo.created) console.log(`embedded demo: generated a master key in ${demo.file}`);
      demoMasterKey = demo.key;
    }
    embedded = await startLocalDatabase({ dataDir: env.OPS_DATA_DIR, port: env.OPS_EMBEDDED_PG_PORT });
    databaseUrl = ownerUrl = embedded.url;
  }
  // Before touching the database: a missing master key is a start-up error with the fix in it.
  const masterKey = requireMasterKey(env, demoMasterKey);

  const { db } = createDb({ connectionString: ownerUrl, max: 2, applicationName: "radha-ops-migrate" });
  let demoSignIn: string | undefined;
  try {
    const { applied } = await migrate(db, ownerUrl);
    if (embedded) databaseUrl = await (await loadDevDb()).prepareLocalAppLogin(db, ownerUrl);
    if (applied.length) console.log(`migrated: ${applied.join(", ")}`);
    await ensureSigningKeys(db, masterKey);
    await sealStoredWebhookSecrets(db, masterKey);
    // TOTP secrets from before sealing: sealed here, once, before any sign-in reads them.
    const sealedTotp = await sealStoredTotpSecrets(db, masterKey);
    if (sealedTotp > 0) console.log(`sealed ${sealedTotp} stored TOTP secret(s) with the master key`);
    await sealStoredChannelSecrets(db, masterKey);
    if (env.OPS_SEED === "always" || (env.OPS_SEED === "auto" && embedded)) {
      const { DEMO_ADMIN, DEMO_PASSWORD, seedDemoData } = await loadDevDb();
      // The published demo password only ever on the embedded demo database.
      const result = await seedDemoData(db, { demoStaff: embedded !== undefined });
      if (embedded) demoSignIn = `${DEMO_ADMIN.email} / ${DEMO_PASSWORD}`;
      if (result.products + result.users > 0) console.log(`seeded demo data: ${JSON.stringify(result)}`);
    }
    if (env.OPS_ADMIN_EMAIL && env.OPS_ADMIN_PASSWORD) {
      const outcome = await ensureBootstrapAdmin(db, env.OPS_ADMIN_EMAIL, env.OPS_ADMIN_PASSWORD);
      if (outcome !== "unchanged") console.log(`bootstrap admin ${env.OPS_ADMIN_EMAIL}: ${outcome}`);
    }
  } finally {
    await db.destroy();
  }

  // With DATABASE_URL_FILE, createDeps reads (and watches) the file itself.
  const deps = createDeps(env, {
    ...(env.DATABASE_URL_FILE && !embedded ? {} : { databaseUrl }),
    ownerUrl,
    masterKey,
    embedded: embedded !== undefined,
  });
  await deps.ready;
  const role = await describeRuntimeRole(deps.db);
  const roleLine =
    role.superuser || role.ownedTables > 0 || !role.appMember
      ? `${role.user} — WARNING: ${role.superuser ? "a superuser" : role.ownedTables > 0 ? "owns tables" : "not a member of radha_app"}; run the server as an application login role (README: Database roles)`
      : `${role.user} (application role)`;
  const app = await buildApp(deps);
  // Audit checkpoints: the configured folder and key, or the embedded demo's generated ones.
  const auditCheckpoint =
    checkpointConfigFromEnv(env) ?? (embedded ? (await loadDevDb()).localCheckpointConfig() : undefined);
  if (auditCheckpoint) await writeAuditCheckpoint(deps.db, auditCheckpoint);
  const worker =
    env.OPS_WORKER === "inline"
      ? await startWorker(deps, deps.databasePool.currentUrl, { auditCheckpoint })
      : undefined;
  await app.start();
  const everyInterface = env.HOST === "0.0.0.0" || env.HOST === "::";
  const url = `http://${everyInterface ? "localhost" : env.HOST}:${env.PORT}`;
  console.log(
    [
      "",
      `RadhaGsareees Ops is up: ${url}`,
      `  address:  ${everyInterface ? `every interface (HOST=${env.HOST})` : `${env.HOST} only (set HOST=0.0.0.0 to accept other machines)`}`,
      `  db role:  ${roleLine}`,
      `  audit checkpoints: ${auditCheckpoint ? `${auditCheckpoint.dir} (every 5 min)` : "off (set OPS_AUDIT_CHECKPOINT_DIR and _KEY)"}`,
      `  database: ${embedded ? `embedded PostgreSQL (${embedded.adopted ? "adopted running server" : "started"}) ${embedded.url}` : env.DATABASE_URL_FILE ? `DATABASE_URL_FILE ${env.DATABASE_URL_FILE} (followed on change)` : "DATABASE_URL"}`,
      `  worker:   ${worker ? `in this process (concurrency ${env.OPS_WORKER_CONCURRENCY})` : "off (run: pnpm --filter @radha/server worker)"}`,
      `  redis:    ${deps.store.kind === "redis" ? "REDIS_URL" : "not configured (in-memory fallback)"}`,
      ...(demoSignIn ? [`  demo sign-in: ${demoSignIn}  (also operator@… and viewer@…)`] : []),
      "",
    ].join("\n"),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await app.stop().catch(() => undefined);
    await worker?.stop().catch(() => undefined);
    await deps.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof Error && error.cause) console.error(error.cause);
  process.exit(1);
});
