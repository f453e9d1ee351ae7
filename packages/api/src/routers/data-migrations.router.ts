// Named data migrations: state, dry runs (in the request), runs (a background job), pause.
import { listDataMigrations, pauseDataMigration, queueDbopsJob, runDataMigration } from "@radha/core/dbops";
import { ZMigrationName, ZRunDataMigration } from "@radha/core/dbops/schema";
import { z } from "zod";
import { router, staffProcedure } from "../init";

export const dataMigrationsRouter = router({
  list: staffProcedure("VIEWER").query(({ ctx }) => listDataMigrations(ctx.deps.db)),
  dryRun: staffProcedure("OPERATOR")
    .input(ZRunDataMigration.omit({ dryRun: true }))
    .query(({ ctx, input }) => runDataMigration(ctx.deps.db, ctx.actor, { ...input, dryRun: true })),
  run: staffProcedure("ADMIN")
    .input(ZRunDataMigration.omit({ dryRun: true }))
    .mutation(({ ctx, input }) =>
      queueDbopsJob(ctx.deps.db, ctx.actor, "dataMigrationRun", input, `data-migration:${input.name}`),
    ),
  pause: staffProcedure("ADMIN")
    .input(z.object({ name: ZMigrationName }))
    .mutation(({ ctx, input }) => pauseDataMigration(ctx.deps.db, ctx.actor, input.name)),
});
