import {
  getEmergencyCheck,
  getEmergencyState,
  listEmergencyChecks,
  resumePayments,
  runEmergencyCheck,
  setMaintenance,
  stopPayments,
  ZCheckListInput,
} from "@radha/core/emergency";
import { ZEmergencyReason, ZMaintenance, ZResumePayments } from "@radha/core/emergency/schema";
import { z } from "zod";
import { router, staffProcedure } from "../init";

export const emergencyRouter = router({
  state: staffProcedure("VIEWER").query(({ ctx }) => getEmergencyState(ctx.deps.db)),
  stopPayments: staffProcedure("ADMIN")
    .input(ZEmergencyReason)
    .mutation(({ ctx, input }) => stopPayments(ctx.deps.db, ctx.deps.store, ctx.actor, input)),
  resumePayments: staffProcedure("ADMIN")
    .input(ZResumePayments)
    .mutation(({ ctx, input }) => resumePayments(ctx.deps.db, ctx.deps.store, ctx.actor, input)),
  setMaintenance: staffProcedure("ADMIN")
    .input(ZMaintenance)
    .mutation(({ ctx, input }) => setMaintenance(ctx.deps.db, ctx.deps.store, ctx.actor, input)),
  /** Runs the recovery checklist (reads only), stores the report, attaches it to open incidents. */
  check: staffProcedure("OPERATOR")
    .input(z.object({ run: z.literal(true) }))
    .mutation(({ ctx }) => runEmergencyCheck(ctx.deps.checklist(), ctx.actor)),
  checks: staffProcedure("VIEWER")
    .input(ZCheckListInput)
    .query(({ ctx, input }) => listEmergencyChecks(ctx.deps.db, input)),
  getCheck: staffProcedure("VIEWER")
    .input(z.object({ id: z.string().max(100) }))
    .query(({ ctx, input }) => getEmergencyCheck(ctx.deps.db, input.id)),
});
