import { announceFlagChange } from "@radha/core/emergency";
import { listFlags, setFlag } from "@radha/core/system";
import { ZSetFlag } from "@radha/core/system/schema";
import { router, staffProcedure } from "../init";

export const systemRouter = router({
  health: staffProcedure("VIEWER").query(({ ctx }) => ctx.deps.health.report()),
  flags: staffProcedure("VIEWER").query(({ ctx }) => listFlags(ctx.deps.db)),
  setFlag: staffProcedure("ADMIN")
    .input(ZSetFlag)
    .mutation(async ({ ctx, input }) => {
      const flag = await setFlag(ctx.deps.db, ctx.actor, input);
      await announceFlagChange(ctx.deps.store);
      return flag;
    }),
});
