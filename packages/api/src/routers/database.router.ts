// Live database diagnostics and the emergency actions on one backend (cancel, terminate).
import { cancelDbBackend, getDbStatus, terminateDbBackend } from "@radha/core/dbops";
import { ZCancelBackend, ZTerminateBackend } from "@radha/core/dbops/schema";
import { z } from "zod";
import { router, staffProcedure } from "../init";

export const databaseRouter = router({
  status: staffProcedure("VIEWER")
    .input(z.object({ longRunningSeconds: z.number().int().min(0).max(86_400).default(30) }).prefault({}))
    .query(({ ctx, input }) =>
      getDbStatus(ctx.deps.db, { pool: ctx.deps.pool, longRunningSeconds: input.longRunningSeconds }),
    ),
  cancel: staffProcedure("ADMIN")
    .input(ZCancelBackend)
    .mutation(({ ctx, input }) => cancelDbBackend(ctx.deps.db, ctx.actor, input)),
  terminate: staffProcedure("ADMIN")
    .input(ZTerminateBackend)
    .mutation(({ ctx, input }) => terminateDbBackend(ctx.deps.db, ctx.actor, input)),
});
