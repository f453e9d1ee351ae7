// initTRPC, called once. Every procedure is built from `publicProcedure` or `staffProcedure(role)`,
// which record the minimum role in meta so the role-matrix test can check each one.
import { initTRPC } from "@trpc/server";
import { findUnstorableText, UNSTORABLE_TEXT_MESSAGE } from "@radha/core/input/schema";
import type { TStaffRole } from "@radha/core/security/schema";
import { DomainError } from "@radha/core/errors";
import { recordSecurityEvent } from "@radha/core/security";
import { assertNoRestoreRunning } from "@radha/core/dbops";
import { requireStaff } from "./authorize";
import type { Context } from "./context";
import { asDomainError, domainErrorData, toTRPCError } from "./errors";

export interface Meta {
  minRole: TStaffRole | "PUBLIC";
  /** Only people signed in may call it, never a service token (managing users, tokens, credentials). */
  peopleOnly?: boolean;
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

// Text Postgres cannot store (NUL, unpaired surrogates) is refused in any field of any procedure,
// naming the field, before authentication or SQL sees it.
const rejectUnstorableInput = t.middleware(async ({ getRawInput, next }) => {
  const field = findUnstorableText(await getRawInput());
  if (field !== null) throw new DomainError("BAD_REQUEST", `${field}: ${UNSTORABLE_TEXT_MESSAGE}`);
  return next();
});

export const publicProcedure = t.procedure
  .meta({ minRole: "PUBLIC" })
  .use(mapErrors)
  .use(rejectUnstorableInput);

// While a restore swaps the database, changes would land in the database being replaced.
// Signing out and setting flags (the way out of a restore that died) stay possible.
const RESTORE_EXEMPT = new Set(["auth.logout", "system.setFlag"]);

export function staffProcedure(minRole: TStaffRole, opts: { peopleOnly?: boolean } = {}) {
  return t.procedure
    .meta({ minRole, ...(opts.peopleOnly ? { peopleOnly: true } : {}) })
    .use(mapErrors)
    .use(rejectUnstorableInput)
    .use(async ({ ctx, next, type, path }) => {
      const principal = await requireStaff(ctx.bearer, () => ctx.authenticate(), minRole).catch(
        async (error: unknown) => {
          // A refused call at a privileged procedure leaves a trace in the capped security events.
          if (error instanceof DomainError && error.code === "FORBIDDEN")
            await recordForbidden(ctx, path, error.message);
          throw error;
        },
      );
      if (opts.peopleOnly && principal.kind !== "user") {
        const message = "Service tokens cannot do this; sign in as a person";
        await recordForbidden(ctx, path, message);
        throw new DomainError("FORBIDDEN", message);
      }
      if (type === "mutation" && !RESTORE_EXEMPT.has(path)) await assertNoRestoreRunning(ctx.deps.db);
      return next({ ctx: { principal, actor: ctx.actor(principal) } });
    });
}

async function recordForbidden(ctx: Context, path: string, message: string): Promise<void> {
  const principal = await ctx.authenticate().catch(() => null);
  await recordSecurityEvent(ctx.deps.db, ctx.actor(principal), {
    kind: "FORBIDDEN",
    target: path,
    detail: message,
  });
}
