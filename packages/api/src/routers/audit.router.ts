import { listAuditEvents, verifyAuditChain } from "@radha/core/audit";
import { ZAuditListInput } from "@radha/core/audit/schema";
import { router, staffProcedure } from "../init";

export const auditRouter = router({
  list: staffProcedure("OPERATOR")
    .input(ZAuditListInput)
    .query(({ ctx, input }) => listAuditEvents(ctx.deps.db, input)),
  verify: staffProcedure("ADMIN").query(({ ctx }) => verifyAuditChain(ctx.deps.db)),
});
