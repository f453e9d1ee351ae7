import {
  changeUserRole,
  createStaffUser,
  listStaffUsers,
  restoreUser,
  suspendUser,
} from "@radha/core/security";
import {
  ZChangeRole,
  ZCreateUser,
  ZRestoreUser,
  ZStaffUserListInput,
  ZSuspendUser,
} from "@radha/core/security/schema";
import { router, staffProcedure } from "../init";

export const usersRouter = router({
  list: staffProcedure("ADMIN")
    .input(ZStaffUserListInput)
    .query(({ ctx, input }) => listStaffUsers(ctx.deps.db, input)),
  create: staffProcedure("ADMIN")
    .input(ZCreateUser)
    .mutation(({ ctx, input }) => createStaffUser(ctx.deps.db, ctx.actor, input)),
  suspend: staffProcedure("ADMIN")
    .input(ZSuspendUser)
    .mutation(({ ctx, input }) => suspendUser(ctx.deps.db, ctx.actor, input)),
  restore: staffProcedure("ADMIN")
    .input(ZRestoreUser)
    .mutation(({ ctx, input }) => restoreUser(ctx.deps.db, ctx.actor, input)),
  changeRole: staffProcedure("ADMIN")
    .input(ZChangeRole)
    .mutation(({ ctx, input }) => changeUserRole(ctx.deps.db, ctx.actor, input)),
});
