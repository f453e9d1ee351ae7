import { createServiceToken, listServiceTokens, revokeServiceToken } from "@radha/core/security";
import { ZCreateServiceToken, ZServiceTokenListInput } from "@radha/core/security/schema";
import { z } from "zod";
import { router, staffProcedure } from "../init";

// Tokens never mint or revoke tokens (a stolen token could otherwise outlive its revocation).

export const tokensRouter = router({
  list: staffProcedure("ADMIN", { peopleOnly: true })
    .input(ZServiceTokenListInput)
    .query(({ ctx, input }) => listServiceTokens(ctx.deps.db, input)),
  create: staffProcedure("ADMIN", { peopleOnly: true })
    .input(ZCreateServiceToken)
    .mutation(({ ctx, input }) => createServiceToken(ctx.deps.db, ctx.actor, input)),
  revoke: staffProcedure("ADMIN", { peopleOnly: true })
    .input(z.object({ tokenId: z.uuid("Not a token id") }))
    .mutation(({ ctx, input }) => revokeServiceToken(ctx.deps.db, ctx.actor, input.tokenId)),
});
