// Opens the database the server uses: DATABASE_URL (or DATABASE_URL_FILE's URL) when set, else the embedded Postgres in
// <repo>/.data/pg (adopting one the server left running, stopping only one we started).
import { createDb, resolveDatabaseUrl, type Db } from "@radha/core/db";
import { startLocalDatabase, type EmbeddedPostgres } from "@radha/dev-db";
import { loadEnv } from "../env";

export type DatabaseLog = (message: string) => void;

/** `owner`: schema work (migrate, seed) uses OPS_MIGRATION_DATABASE_URL when it is set. */
export async function withDatabase<T>(
  fn: (db: Db, url: string) => Promise<T>,
  log: DatabaseLog,
  opts: { owner?: boolean } = {},
): Promise<T> {
  const env = loadEnv();
  let embedded: EmbeddedPostgres | undefined;
  let url = (opts.owner ? env.OPS_MIGRATION_DATABASE_URL : undefined) ?? resolveDatabaseUrl(env);
  if (!url) {
    embedded = await startLocalDatabase({
      dataDir: env.OPS_DATA_DIR,
      port: env.OPS_EMBEDDED_PG_PORT,
      log: (m) => log(`embedded PostgreSQL: ${m}`),
    });
    url = embedded.url;
  }
  // Three: an in-process replay run holds one for its execution lock and works on the others.
  const { db } = createDb({ connectionString: url, max: 3, applicationName: "radha-ops-cli" });
  try {
    return await fn(db, url);
  } finally {
    await db.destroy();
    // A server already running on it adopted or started it; leave that one alone.
    if (embedded && !embedded.adopted) await embedded.stop();
  }
}
