import { ZLoginInput, ZRefreshInput } from "@radha/core/security/schema";
import { refreshCookie } from "../cookies";
import { publicProcedure, router, staffProcedure } from "../init";

export const authRouter = router({
  login: publicProcedure.input(ZLoginInput).mutation(async ({ ctx, input }) => {
    const tokens = await ctx.deps.auth.login(input, ctx.meta);
    ctx.setCookie(refreshCookie(tokens.refreshToken, ctx.deps.config.refreshTokenTtlSeconds, ctx.secure));
    return tokens;
  }),
  refresh: publicProcedure.input(ZRefreshInput).mutation(async ({ ctx, input }) => {
    const tokens = await ctx.deps.auth.refresh(
      input?.refreshToken ?? ctx.refreshCookie ?? undefined,
      ctx.meta,
    );
    ctx.setCookie(refreshCookie(tokens.refreshToken, ctx.deps.config.refreshTokenTtlSeconds, ctx.secure));
    return tokens;
  }),
  logout: staffProcedure("VIEWER").mutation(async ({ ctx }) => {
    ctx.setCookie(refreshCookie(null, 0, ctx.secure));
    if (ctx.principal.kind !== "user") return { ok: true as const };
    return ctx.deps.auth.logout(ctx.principal, ctx.meta);
  }),
  me: staffProcedure("VIEWER").query(({ ctx }) => {
    const p = ctx.principal;
    return p.kind === "user"
      ? { kind: p.kind, id: p.userId, email: p.email, name: p.name, role: p.role }
      : { kind: p.kind, id: p.tokenId, email: null, name: p.name, role: p.role };
  }),
});
