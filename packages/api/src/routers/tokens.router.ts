import { createServiceToken, listServiceTokens, revokeServiceToken } from "@radha/core/security";
import { ZCreateServiceToken, ZServiceTokenListInput } from "@radha/core/security/schema";
import { z } from "zod";
import { router, staffProcedure } from "../init";

export const tokensRouter = router({
  list: staffProcedure("ADMIN")
    .input(ZServiceTokenListInput)
    .query(({ ctx, input }) => listServiceTokens(ctx.deps.db, input)),
  create: staffProcedure("ADMIN")
    .input(ZCreateServiceToken)
    .mutation(({ ctx, input }) => createServiceToken(ctx.deps.db, ctx.actor, input)),
  revoke: staffProcedure("ADMIN")
    .input(z.object({ tokenId: z.uuid("Not a token id") }))
    .mutation(({ ctx, input }) => revokeServiceToken(ctx.deps.db, ctx.actor, input.tokenId)),
});
