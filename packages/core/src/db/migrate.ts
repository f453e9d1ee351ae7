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
  await defineQuietAddJobs(db);
  // The application role's grants, graphile-worker's schema included (see db/roles.ts).
  await sql`SELECT db_apply_app_grants()`.execute(db);
  return { applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName) };
}

/**
 * `ops_add_jobs_quiet(specs)`: graphile-worker's own add_jobs, derived from its definition in
 * this database at every migrate (so it follows the installed version), without its pg_notify.
 * A transaction that notifies holds a cluster-wide lock from its pre-commit to the end of its
 * commit, WAL flush included, so every intake group commit waited for the one before it (the
 * webhook intake's backends were found waiting on that lock in 7–12 % of samples). The intake queues
 * its jobs with this in the same statement as the events, and wakes the workers with its own
 * notify after the commit (`notifyNewJobs`). Fails the migrate if add_jobs no longer notifies
 * the way this expects (a graphile-worker upgrade must be looked at, not silently followed).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs before any typed schema exists
async function defineQuietAddJobs(db: Kysely<any>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(7340003)`.execute(trx); // concurrent starts
    const { rows } = await sql<{ def: string }>`
      SELECT pg_get_functiondef('graphile_worker.add_jobs(graphile_worker.job_spec[], boolean)'::regprocedure) AS def
    `.execute(trx);
    const def = rows[0]?.def ?? "";
    const notify = /\n\s*perform pg_notify\('jobs:insert', [^;\n]*\);/g;
    const header = "CREATE OR REPLACE FUNCTION graphile_worker.add_jobs(";
    if ((def.match(notify) ?? []).length !== 1 || !def.startsWith(header))
      throw new Error(
        "graphile_worker.add_jobs is not the one ops_add_jobs_quiet was made from: look at its definition",
      );
    const quiet = def
      .replace(notify, "")
      .replace(header, "CREATE OR REPLACE FUNCTION public.ops_add_jobs_quiet(");
    await sql.raw(quiet).execute(trx);
    await sql`GRANT EXECUTE ON FUNCTION public.ops_add_jobs_quiet(graphile_worker.job_spec[], boolean) TO radha_app`.execute(
      trx,
    );
  });
}

const quietLogger = new Logger(() => () => undefined);
