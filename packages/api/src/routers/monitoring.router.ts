import {
  acknowledgeAlert,
  createChannel,
  editChannel,
  getChannel,
  getMetricSeries,
  listAlertRules,
  listAlerts,
  listChannels,
  listDeliveries,
  removeChannel,
  setChannelEnabled,
  testChannel,
  updateAlertRule,
} from "@radha/core/monitoring";
import {
  METRICS,
  ZAlertId,
  ZAlertListInput,
  ZChannelId,
  ZCreateChannel,
  ZDeliveryListInput,
  ZMetricSeriesInput,
  ZSetChannelEnabled,
  ZUpdateAlertRule,
  ZUpdateChannel,
} from "@radha/core/monitoring/schema";
import type { ApiDeps } from "../deps";
import { router, staffProcedure } from "../init";

const channelOps = (deps: ApiDeps) => ({ db: deps.db, masterKey: deps.config.masterKey });

export const monitoringRouter = router({
  metrics: staffProcedure("VIEWER").query(() => METRICS),
  series: staffProcedure("VIEWER")
    .input(ZMetricSeriesInput)
    .query(({ ctx, input }) => getMetricSeries(ctx.deps.db, input)),
  rules: staffProcedure("VIEWER").query(({ ctx }) => listAlertRules(ctx.deps.db, ctx.deps.metricSources)),
  updateRule: staffProcedure("ADMIN")
    .input(ZUpdateAlertRule)
    .mutation(({ ctx, input }) => updateAlertRule(ctx.deps.db, ctx.actor, input)),
  alerts: staffProcedure("VIEWER")
    .input(ZAlertListInput)
    .query(({ ctx, input }) => listAlerts(ctx.deps.db, input)),
  acknowledgeAlert: staffProcedure("OPERATOR")
    .input(ZAlertId)
    .mutation(({ ctx, input }) => acknowledgeAlert(ctx.deps.db, ctx.actor, input.id)),
  channels: staffProcedure("VIEWER").query(({ ctx }) => listChannels(ctx.deps.db)),
  createChannel: staffProcedure("ADMIN")
    .input(ZCreateChannel)
    .mutation(({ ctx, input }) => createChannel(channelOps(ctx.deps), ctx.actor, input)),
  channel: staffProcedure("VIEWER")
    .input(ZChannelId)
    .query(({ ctx, input }) => getChannel(ctx.deps.db, input.id)),
  updateChannel: staffProcedure("ADMIN")
    .input(ZUpdateChannel)
    .mutation(({ ctx, input }) => editChannel(channelOps(ctx.deps), ctx.actor, input)),
  setChannelEnabled: staffProcedure("ADMIN")
    .input(ZSetChannelEnabled)
    .mutation(({ ctx, input }) => setChannelEnabled(ctx.deps.db, ctx.actor, input)),
  deleteChannel: staffProcedure("ADMIN")
    .input(ZChannelId)
    .mutation(({ ctx, input }) => removeChannel(ctx.deps.db, ctx.actor, input.id)),
  testChannel: staffProcedure("ADMIN")
    .input(ZChannelId)
    .mutation(({ ctx, input }) => testChannel(ctx.deps.db, ctx.actor, input.id)),
  deliveries: staffProcedure("VIEWER")
    .input(ZDeliveryListInput)
    .query(({ ctx, input }) => listDeliveries(ctx.deps.db, input)),
});
