// Applies every listed migration in order, then the job queue's own schema (graphile-worker);
// safe to call at every start and from several processes at once.
import { Logger, runMigrations } from "graphile-worker";
import { Migrator, sql, type Kysely } from "kysely";
import { migrations } from "./migrations/index";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before any typed schema exists
export async function migrate(db: Kysely<any>, connectionString: string): Promise<{ applied: string[] }> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new Error(`Migration ${failed?.migrationName ?? "(unknown)"} failed`, { cause: error });
  }
  await runMigrations({ connectionString, logger: quietLogger });
  // The application role's grants, graphile-worker's schema included (see db/roles.ts).
  await sql`SELECT db_apply_app_grants()`.execute(db);
  return { applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName) };
}

const quietLogger = new Logger(() => () => undefined);
