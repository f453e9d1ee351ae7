// initTRPC, called once. Every procedure is built from `publicProcedure` or `staffProcedure(role)`,
// which record the minimum role in meta so the role-matrix test can check each one.
import { initTRPC } from "@trpc/server";
import type { TStaffRole } from "@radha/core/security/schema";
import { assertNoRestoreRunning } from "@radha/core/dbops";
import { requireStaff } from "./authorize";
import type { Context } from "./context";
import { asDomainError, domainErrorData, toTRPCError } from "./errors";

export interface Meta {
  minRole: TStaffRole | "PUBLIC";
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      const internal = error.code === "INTERNAL_SERVER_ERROR";
      const domain = internal ? undefined : asDomainError(error.cause);
      return {
        ...shape,
        // Unknown failures never leak their message or stack; the request id finds the log line.
        message: internal
          ? `Internal error; quote request id ${ctx?.meta.requestId ?? "(none)"} to find it in the server log`
          : (domain?.message ?? shape.message),
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          domain: domain ? domainErrorData(domain) : null,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = toTRPCError(result.error.cause);
    if (mapped) throw mapped;
  }
  return result;
});

export const publicProcedure = t.procedure.meta({ minRole: "PUBLIC" }).use(mapErrors);

const RESTORE_EXEMPT = new Set(["auth.logout", "system.setFlag"]);

export function staffProcedure(minRole: TStaffRole) {
  return t.procedure
    .meta({ minRole })
    .use(mapErrors)
    .use(async ({ ctx, next, type, path }) => {
      const principal = await requireStaff(ctx.bearer, () => ctx.authenticate(), minRole);
      // While a restore swaps the database, changes would land in the database being replaced.
      // Signing out and setting flags (the way out of a restore that died) stay possible.
      if (type === "mutation" && !RESTORE_EXEMPT.has(path)) await assertNoRestoreRunning(ctx.deps.db);
      return next({ ctx: { principal, actor: ctx.actor(principal) } });
    });
}
