import {
  acknowledgeIncident,
  addIncidentNote,
  declareIncident,
  getIncident,
  incidentToMarkdown,
  listIncidents,
  reviewIncident,
  setIncidentStatus,
} from "@radha/core/incidents";
import {
  ZDeclareIncident,
  ZIncidentId,
  ZIncidentListInput,
  ZIncidentNote,
  ZIncidentReview,
  ZIncidentStatusChange,
} from "@radha/core/incidents/schema";
import { router, staffProcedure } from "../init";

export const incidentsRouter = router({
  list: staffProcedure("VIEWER")
    .input(ZIncidentListInput)
    .query(({ ctx, input }) => listIncidents(ctx.deps.db, input)),
  get: staffProcedure("VIEWER")
    .input(ZIncidentId)
    .query(({ ctx, input }) => getIncident(ctx.deps.db, input.id)),
  export: staffProcedure("VIEWER")
    .input(ZIncidentId)
    .query(async ({ ctx, input }) => ({
      markdown: incidentToMarkdown(await getIncident(ctx.deps.db, input.id)),
    })),
  declare: staffProcedure("OPERATOR")
    .input(ZDeclareIncident)
    .mutation(({ ctx, input }) => declareIncident(ctx.deps.db, ctx.actor, input)),
  acknowledge: staffProcedure("OPERATOR")
    .input(ZIncidentId)
    .mutation(({ ctx, input }) => acknowledgeIncident(ctx.deps.db, ctx.actor, input.id)),
  note: staffProcedure("OPERATOR")
    .input(ZIncidentNote)
    .mutation(({ ctx, input }) => addIncidentNote(ctx.deps.db, ctx.actor, input)),
  setStatus: staffProcedure("OPERATOR")
    .input(ZIncidentStatusChange)
    .mutation(({ ctx, input }) => setIncidentStatus(ctx.deps.db, ctx.actor, input)),
  review: staffProcedure("OPERATOR")
    .input(ZIncidentReview)
    .mutation(({ ctx, input }) => reviewIncident(ctx.deps.db, ctx.actor, input)),
});
