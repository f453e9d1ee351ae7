// Backups, verification, retention, restore and drills. Long work (a backup, a verification, a
// drill) is queued as a background job; a restore runs in the request (restore, the CLI's shape)
// or in the background of this server (restoreStart, the console's), step by step, audited, its
// progress the restore report (restoreStatus).
import {
  applyRestore,
  backupHealth,
  getBackup,
  getRestoreReport,
  listBackups,
  listDrills,
  previewRestore,
  pruneBackups,
  queueDbopsJob,
  startRestore,
  type DbopsConfig,
} from "@radha/core/dbops";
import {
  ZBackupList,
  ZBackupRef,
  ZCreateBackup,
  ZDrillList,
  ZPrune,
  ZRestore,
  ZRestoreRef,
  ZStartRestore,
} from "@radha/core/dbops/schema";
import { DomainError } from "@radha/core/errors";
import { z } from "zod";
import type { ApiDeps } from "../deps";
import { router, staffProcedure } from "../init";

function dbopsOf(deps: ApiDeps): DbopsConfig {
  const config = deps.config.dbops;
  if (!config) throw new DomainError("PRECONDITION_FAILED", "Backups are not configured on this server");
  return config;
}

const ZReasonOnly = z.object({
  reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(500),
});

export const backupsRouter = router({
  list: staffProcedure("VIEWER")
    .input(ZBackupList)
    .query(({ ctx, input }) => listBackups(dbopsOf(ctx.deps), input)),
  get: staffProcedure("VIEWER")
    .input(ZBackupRef)
    .query(({ ctx, input }) => getBackup(dbopsOf(ctx.deps), input)),
  health: staffProcedure("VIEWER").query(({ ctx }) => backupHealth(dbopsOf(ctx.deps))),
  create: staffProcedure("OPERATOR")
    .input(ZCreateBackup)
    .mutation(({ ctx, input }) =>
      queueDbopsJob(
        ctx.deps.db,
        ctx.actor,
        "backupCreate",
        { label: input.label ?? null },
        `backup:${Date.now()}`,
      ),
    ),
  verify: staffProcedure("OPERATOR")
    .input(ZBackupRef)
    .mutation(async ({ ctx, input }) => {
      await getBackup(dbopsOf(ctx.deps), input);
      return queueDbopsJob(ctx.deps.db, ctx.actor, "backupVerify", { id: input.id }, `verify:${input.id}`);
    }),
  prunePreview: staffProcedure("OPERATOR").query(({ ctx }) =>
    pruneBackups({ db: ctx.deps.db, config: dbopsOf(ctx.deps) }, ctx.actor, { apply: false }),
  ),
  prune: staffProcedure("ADMIN")
    .input(ZReasonOnly)
    .mutation(({ ctx, input }) =>
      pruneBackups({ db: ctx.deps.db, config: dbopsOf(ctx.deps) }, ctx.actor, {
        ...ZPrune.parse({ apply: true }),
        reason: input.reason,
      }),
    ),
  restorePreview: staffProcedure("ADMIN")
    .input(ZBackupRef)
    .query(({ ctx, input }) => previewRestore({ db: ctx.deps.db, config: dbopsOf(ctx.deps) }, input)),
  restore: staffProcedure("ADMIN")
    .input(ZRestore.extend({ apply: z.literal(true), reason: ZReasonOnly.shape.reason }))
    .mutation(({ ctx, input }) =>
      applyRestore({ db: ctx.deps.db, config: dbopsOf(ctx.deps) }, ctx.actor, input),
    ),
  /** Starts a restore in the background; the typed database name confirms it. */
  restoreStart: staffProcedure("ADMIN")
    .input(ZStartRestore)
    .mutation(({ ctx, input }) =>
      startRestore({ db: ctx.deps.db, config: dbopsOf(ctx.deps) }, ctx.actor, input),
    ),
  /** A restore's report: its steps so far and, once finished, its outcome. */
  restoreStatus: staffProcedure("ADMIN")
    .input(ZRestoreRef)
    .query(({ ctx, input }) => getRestoreReport(dbopsOf(ctx.deps), input)),
  drills: staffProcedure("VIEWER")
    .input(ZDrillList)
    .query(({ ctx, input }) => listDrills(dbopsOf(ctx.deps), input)),
  runDrill: staffProcedure("OPERATOR")
    .input(z.object({}))
    .mutation(({ ctx }) => {
      dbopsOf(ctx.deps);
      return queueDbopsJob(ctx.deps.db, ctx.actor, "drillRun", {}, "drill");
    }),
});
