import {
  cancelReplay,
  getReplayRun,
  getWebhookEvent,
  getWebhookHealth,
  getWebhookHealthSeries,
  listReplayRuns,
  listWebhookEvents,
  listWebhookRejections,
  previewReplay,
  replayOneEvent,
  startReplay,
} from "@radha/core/webhooks";
import {
  ZHealthInput,
  ZRejectionListInput,
  ZReplayRunListInput,
  ZReplayStart,
  ZWebhookFilter,
  ZWebhookListInput,
} from "@radha/core/webhooks/schema";
import { z } from "zod";
import { router, staffProcedure } from "../init";

const ZId = z.object({ id: z.uuid("Not an id") });

export const webhooksRouter = router({
  list: staffProcedure("VIEWER")
    .input(ZWebhookListInput)
    .query(({ ctx, input }) => listWebhookEvents(ctx.deps.db, input)),
  get: staffProcedure("VIEWER")
    .input(ZId)
    .query(({ ctx, input }) => getWebhookEvent(ctx.deps.db, input.id)),
  rejections: staffProcedure("VIEWER")
    .input(ZRejectionListInput)
    .query(({ ctx, input }) => listWebhookRejections(ctx.deps.db, input)),
  health: staffProcedure("VIEWER")
    .input(ZHealthInput)
    .query(({ ctx, input }) => getWebhookHealth(ctx.deps.db, input)),
  healthSeries: staffProcedure("VIEWER")
    .input(ZHealthInput.pick({ windowHours: true }))
    .query(({ ctx, input }) => getWebhookHealthSeries(ctx.deps.db, input.windowHours)),
  replayOne: staffProcedure("OPERATOR")
    .input(ZId)
    .mutation(({ ctx, input }) =>
      replayOneEvent(ctx.deps.db, ctx.actor, input.id, ctx.deps.config.webhookProcessing),
    ),
  replayPreview: staffProcedure("OPERATOR")
    .input(z.object({ filter: ZWebhookFilter }))
    .query(({ ctx, input }) => previewReplay(ctx.deps.db, input.filter)),
  replayStart: staffProcedure("OPERATOR")
    .input(ZReplayStart)
    .mutation(({ ctx, input }) => startReplay(ctx.deps.db, ctx.actor, input)),
  replayCancel: staffProcedure("OPERATOR")
    .input(ZId)
    .mutation(({ ctx, input }) => cancelReplay(ctx.deps.db, ctx.actor, input.id)),
  replayRun: staffProcedure("VIEWER")
    .input(ZId)
    .query(({ ctx, input }) => getReplayRun(ctx.deps.db, input.id)),
  replayRuns: staffProcedure("VIEWER")
    .input(ZReplayRunListInput)
    .query(({ ctx, input }) => listReplayRuns(ctx.deps.db, input)),
});
