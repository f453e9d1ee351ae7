// Long database operations asked for from the console run as background jobs: the request queues
// one (audited, in one transaction) and the page follows the catalog as it fills in.
import { type Actor, writeAudit } from "../audit/audit.service";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { JOB } from "../jobs/queue";
import { getFlag, getFlags } from "../system/system.service";
import { enqueueJob } from "./dbops.queries";

export type TDbopsJob = "backupCreate" | "backupVerify" | "drillRun" | "dataMigrationRun";

export async function queueDbopsJob(
  db: Db,
  actor: Actor,
  job: TDbopsJob,
  payload: Record<string, unknown>,
  jobKey: string,
): Promise<{ queued: true; job: string; jobKey: string }> {
  await db.transaction().execute(async (trx) => {
    await enqueueJob(trx, JOB[job], { ...payload, actor }, { jobKey, maxAttempts: 1 });
    await writeAudit(trx, actor, {
      action: `dbops.queue.${job}`,
      target: { type: "job", id: jobKey },
      after: payload,
    });
  });
  return { queued: true, job: JOB[job], jobKey };
}

export const RESTORE_RUNNING_MESSAGE =
  "A database restore is running: ops changes are refused until it finishes (see `ops backups restore` / the Backups page)";

/** Refuses changes while a restore runs (the api checks it on every staff mutation). */
export async function assertNoRestoreRunning(db: Db): Promise<void> {
  if (await getFlag(db, "restore_in_progress")) throw new DomainError("UNAVAILABLE", RESTORE_RUNNING_MESSAGE);
}

/** Webhook processing waits while maintenance is on or a restore runs (intake keeps storing). */
export async function webhookProcessingPaused(db: Db): Promise<boolean> {
  const flags = await getFlags(db, ["maintenance_mode", "restore_in_progress"]);
  return flags.maintenance_mode || flags.restore_in_progress;
}
