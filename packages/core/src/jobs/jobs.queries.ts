// graphile-worker SQL: adding a job in the caller's transaction.
import { sql } from "kysely";
import type { DbOrTrx } from "../db/database";

export interface EnqueueOptions {
  /** Jobs with the same key collapse into one (graphile-worker job_key, mode "replace"). */
  jobKey?: string;
  runAt?: Date;
  maxAttempts?: number;
}

/**
 * Priorities: lower runs first (workers take jobs by priority, then run_at; graphile-worker's
 * default is 0). Webhook processing keeps the default. A replay an operator started must not wait
 * behind a backlog of automatic webhook jobs (the soak saw it wait minutes); it processes its
 * events itself, so it is not starved by them either. The worker's crons (CRON_PRIORITY, set in
 * its crontab) come before both: they are short, and the minute sweep and table maintenance are
 * what a backlog needs most (queued behind one, the maintenance ran 3 times in a 10-minute soak).
 * Nothing else depends on the order jobs run in.
 */
const PRIORITY: Record<string, number> = { webhook_replay_run: -10 };
export const CRON_PRIORITY = -20;

export async function enqueueJob(
  db: DbOrTrx,
  task: string,
  payload: Record<string, unknown>,
  opts: EnqueueOptions = {},
): Promise<void> {
  await sql`SELECT graphile_worker.add_job(
    ${task}, ${JSON.stringify(payload)}::json,
    run_at => ${opts.runAt ?? null}::timestamptz,
    max_attempts => ${opts.maxAttempts ?? 1}::int,
    job_key => ${opts.jobKey ?? null}::text,
    priority => ${PRIORITY[task] ?? 0}::int
  )`.execute(db);
}
