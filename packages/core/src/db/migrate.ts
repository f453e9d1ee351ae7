// Applies every listed migration in order, then the job queue's own schema (graphile-worker);
// safe to call at every start and from several processes at once.
import { Logger, runMigrations } from "graphile-worker";
import { Migrator, sql, type Kysely } from "kysely";
import { JOB } from "../jobs/queue";
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
  await prepareIntakeJobs(db);
  // The application role's grants, graphile-worker's schema included (see db/roles.ts).
  await sql`SELECT db_apply_app_grants()`.execute(db);
  return { applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName) };
}

/** graphile-worker's schema revision the intake's job insert was written against (see below). */
export const GRAPHILE_WORKER_SCHEMA_REVISION = 19;

/**
 * The intake writes each group's processing job into graphile-worker's jobs table itself, in the
 * statement that stores the events (insertEventsWithJobs): one INSERT of the row add_jobs would
 * write for that spec (task, payload, max_attempts 1, key; the rest the table's defaults), and no
 * notify inside the commit. add_jobs (a plpgsql function of four statements, upserting the task
 * and queue and clearing keys of running jobs, none of which applies to a new event's new key)
 * was ~0.9 ms of backend CPU per group, a quarter of the intake's Postgres work; and a notifying
 * commit holds a cluster-wide lock through its WAL flush. That needs the task's row to exist
 * (made here) and the schema this was written against: a graphile-worker upgrade fails the
 * migrate until the insert has been checked against the new add_jobs and the revision raised.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs before any typed schema exists
async function prepareIntakeJobs(db: Kysely<any>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(7340003)`.execute(trx); // concurrent starts
    const { rows } = await sql<{ revision: number }>`
      SELECT max(id)::int AS revision FROM graphile_worker.migrations`.execute(trx);
    const revision = rows[0]?.revision;
    if (revision !== GRAPHILE_WORKER_SCHEMA_REVISION)
      throw new Error(
        `graphile-worker's schema is at revision ${revision}; the webhook intake writes its jobs as of revision ` +
          `${GRAPHILE_WORKER_SCHEMA_REVISION} (insertEventsWithJobs): check that insert against the new add_jobs, then raise GRAPHILE_WORKER_SCHEMA_REVISION`,
      );
    await sql`INSERT INTO graphile_worker._private_tasks (identifier) VALUES (${JOB.webhookProcess}) ON CONFLICT DO NOTHING`.execute(
      trx,
    );
    // The intake's earlier way (add_jobs minus its notify), no longer called.
    await sql`DROP FUNCTION IF EXISTS public.ops_add_jobs_quiet(graphile_worker.job_spec[], boolean)`.execute(
      trx,
    );
  });
}

const quietLogger = new Logger(() => () => undefined);
