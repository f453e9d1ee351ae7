import {
  beginTotpEnrolment,
  changeOwnPassword,
  confirmTotpEnrolment,
  type Person,
} from "@radha/core/security";
import { ZChangePassword, ZLoginInput, ZRefreshInput, ZTotpCode } from "@radha/core/security/schema";
import type { Principal } from "@radha/core/security";
import { z } from "zod";
import { refreshCookie } from "../cookies";
import { publicProcedure, router, staffProcedure } from "../init";

/**
 * The refresh token travels in the HttpOnly cookie only, out of reach of page scripts. A caller
 * without a cookie jar (a script, another service) asks for it in the body with
 * `returnRefreshToken: true`, and a refresh that sent its token in the body gets the next one there.
 */
function withoutRefreshToken<T extends { refreshToken: string }>(
  tokens: T,
  inBody: boolean,
): Omit<T, "refreshToken"> & { refreshToken?: string } {
  const { refreshToken, ...rest } = tokens;
  return inBody ? { ...rest, refreshToken } : rest;
}

const ZLoginRequest = ZLoginInput.extend({ returnRefreshToken: z.boolean().optional() });

export const authRouter = router({
  login: publicProcedure.input(ZLoginRequest).mutation(async ({ ctx, input }) => {
    const { returnRefreshToken, ...credentials } = input;
    const tokens = await ctx.deps.auth.login(credentials, ctx.meta);
    ctx.setCookie(refreshCookie(tokens.refreshToken, ctx.deps.config.refreshTokenTtlSeconds, ctx.secure));
    return withoutRefreshToken(tokens, returnRefreshToken === true);
  }),
  refresh: publicProcedure.input(ZRefreshInput).mutation(async ({ ctx, input }) => {
    const tokens = await ctx.deps.auth.refresh(
      input?.refreshToken ?? ctx.refreshCookie ?? undefined,
      ctx.meta,
    );
    ctx.setCookie(refreshCookie(tokens.refreshToken, ctx.deps.config.refreshTokenTtlSeconds, ctx.secure));
    return withoutRefreshToken(tokens, input?.refreshToken !== undefined);
  }),
  logout: staffProcedure("VIEWER").mutation(async ({ ctx }) => {
    ctx.setCookie(refreshCookie(null, 0, ctx.secure));
    if (ctx.principal.kind !== "user") return { ok: true as const };
    return ctx.deps.auth.logout(ctx.principal, ctx.meta);
  }),
  /** Every session of the caller ends, this one included: the console signs in again. */
  changePassword: staffProcedure("VIEWER", { peopleOnly: true })
    .input(ZChangePassword)
    .mutation(async ({ ctx, input }) => {
      const result = await changeOwnPassword(ctx.deps.db, person(ctx.principal), ctx.actor, input);
      ctx.setCookie(refreshCookie(null, 0, ctx.secure));
      return result;
    }),
  /** A new authenticator key for the signed-in admin, active once totpConfirm accepts a code. */
  totpBegin: staffProcedure("ADMIN", { peopleOnly: true }).mutation(({ ctx }) =>
    beginTotpEnrolment(ctx.deps.db, ctx.deps.config.masterKey, person(ctx.principal)),
  ),
  totpConfirm: staffProcedure("ADMIN", { peopleOnly: true })
    .input(ZTotpCode)
    .mutation(({ ctx, input }) =>
      confirmTotpEnrolment(ctx.deps.db, ctx.deps.config.masterKey, person(ctx.principal), ctx.actor, input),
    ),
  me: staffProcedure("VIEWER").query(({ ctx }) => {
    const p = ctx.principal;
    return p.kind === "user"
      ? { kind: p.kind, id: p.userId, email: p.email, name: p.name, role: p.role }
      : { kind: p.kind, id: p.tokenId, email: null, name: p.name, role: p.role };
  }),
});

/** peopleOnly procedures run only for signed-in users; this narrows the principal for them. */
function person(p: Principal): Person {
  if (p.kind !== "user") throw new Error("peopleOnly procedure reached by a service token");
  return { userId: p.userId, email: p.email };
}
