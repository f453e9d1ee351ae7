import {
  changeUserRole,
  createStaffUser,
  listStaffUsers,
  resetUserPassword,
  restoreUser,
  suspendUser,
} from "@radha/core/security";
import {
  ZChangeRole,
  ZCreateUser,
  ZResetPassword,
  ZRestoreUser,
  ZStaffUserListInput,
  ZSuspendUser,
} from "@radha/core/security/schema";
import { router, staffProcedure } from "../init";

export const usersRouter = router({
  list: staffProcedure("ADMIN", { peopleOnly: true })
    .input(ZStaffUserListInput)
    .query(({ ctx, input }) => listStaffUsers(ctx.deps.db, input)),
  create: staffProcedure("ADMIN", { peopleOnly: true })
    .input(ZCreateUser)
    .mutation(({ ctx, input }) => createStaffUser(ctx.deps.db, ctx.actor, input)),
  suspend: staffProcedure("ADMIN", { peopleOnly: true })
    .input(ZSuspendUser)
    .mutation(({ ctx, input }) => suspendUser(ctx.deps.db, ctx.actor, input)),
  restore: staffProcedure("ADMIN", { peopleOnly: true })
    .input(ZRestoreUser)
    .mutation(({ ctx, input }) => restoreUser(ctx.deps.db, ctx.actor, input)),
  /** A temporary password shown once; the user must change it at the next sign-in. */
  resetPassword: staffProcedure("ADMIN", { peopleOnly: true })
    .input(ZResetPassword)
    .mutation(({ ctx, input }) => resetUserPassword(ctx.deps.db, ctx.actor, input)),
  changeRole: staffProcedure("ADMIN", { peopleOnly: true })
    .input(ZChangeRole)
    .mutation(({ ctx, input }) => changeUserRole(ctx.deps.db, ctx.actor, input)),
});
