import { listAuditEvents, verifyAuditChain } from "@radha/core/audit";
import { ZAuditListInput } from "@radha/core/audit/schema";
import { listSecurityEvents } from "@radha/core/security";
import { ZSecurityEventListInput } from "@radha/core/security/schema";
import { router, staffProcedure } from "../init";

export const auditRouter = router({
  list: staffProcedure("OPERATOR")
    .input(ZAuditListInput)
    .query(({ ctx, input }) => listAuditEvents(ctx.deps.db, input)),
  verify: staffProcedure("ADMIN").query(({ ctx }) => verifyAuditChain(ctx.deps.db)),
  /** Refused calls, failed sign-ins, lockouts, refresh-token reuse: a capped table, newest first. */
  securityEvents: staffProcedure("ADMIN")
    .input(ZSecurityEventListInput)
    .query(({ ctx, input }) => listSecurityEvents(ctx.deps.db, input)),
});
