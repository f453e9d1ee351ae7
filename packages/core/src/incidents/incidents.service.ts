// Incidents: declare (from scratch or from an alert), acknowledge, move through the lifecycle,
// add notes, review; the timeline is assembled from the incident's own entries, every audit event
// recorded while it was open, and the alerts that fired meanwhile.
import { type Actor, writeAudit } from "../audit/audit.service";
import type { Db, DbOrTrx, Trx } from "../db/database";
import { DomainError } from "../errors";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { z } from "zod";
import {
  databaseNow,
  insertIncident,
  insertIncidentEntry,
  lockIncident,
  selectAlertForIncident,
  selectAlertsFiredDuring,
  selectAuditDuring,
  selectIncident,
  selectIncidentEntries,
  selectIncidents,
  selectOpenIncidents,
  updateIncident,
  type IncidentRow,
} from "./incidents.queries";
import {
  ZDeclareIncident,
  ZIncidentListInput,
  ZIncidentNote,
  ZIncidentReview,
  ZIncidentStatusChange,
  type TIncident,
  type TIncidentDetail,
  type TIncidentEntryKind,
  type TIncidentReview,
  type TIncidentStatus,
  type TTimelineEntry,
} from "./incidents.schema";
import { dueAt, timerState } from "./timers";

const OPEN: readonly TIncidentStatus[] = ["INVESTIGATING", "IDENTIFIED", "MONITORING"];
const TIMELINE_AUDIT_LIMIT = 1_000;

export interface Clock {
  /** The time timers are measured at; the database's now() when absent. */
  now?: Date;
}

function toIncident(r: IncidentRow, now: Date): TIncident {
  return {
    id: r.id,
    title: r.title,
    severity: r.severity,
    status: r.status,
    alertId: r.alertId,
    declaredAt: r.declaredAt.toISOString(),
    declaredBy: r.declaredBy,
    acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: r.acknowledgedBy,
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
    reviewedAt: r.reviewedAt?.toISOString() ?? null,
    timers: {
      acknowledge: timerState(r.ackDueAt, r.acknowledgedAt, now),
      resolve: timerState(r.resolveDueAt, r.resolvedAt, now),
    },
    review: (r.review as TIncidentReview | null) ?? null,
  };
}

async function mustLock(trx: Trx, id: string): Promise<IncidentRow> {
  const row = await lockIncident(trx, id);
  if (!row) throw new DomainError("NOT_FOUND", `No incident ${id}`);
  return row;
}

async function addEntry(
  trx: Trx,
  incidentId: string,
  actor: Actor,
  kind: TIncidentEntryKind,
  body: string,
  data?: unknown,
): Promise<void> {
  await insertIncidentEntry(trx, {
    incidentId,
    kind,
    actorLabel: actor.label,
    body,
    data: data === undefined ? null : JSON.stringify(data),
  });
}

/** A person's first action on an incident acknowledges it (stops the acknowledge timer). */
async function acknowledgeIfFirst(trx: Trx, row: IncidentRow, actor: Actor): Promise<IncidentRow> {
  if (row.acknowledgedAt || (actor.type === "SYSTEM" && actor.label === "system")) return row;
  const updated = await updateIncident(trx, row.id, {
    acknowledgedAt: new Date(),
    acknowledgedBy: actor.label,
  });
  await addEntry(trx, row.id, actor, "ACKNOWLEDGED", `Acknowledged by ${actor.label ?? "someone"}`);
  return updated;
}

export async function declareIncident(db: Db, actor: Actor, raw: unknown): Promise<TIncidentDetail> {
  const input = ZDeclareIncident.parse(raw);
  const id = await db.transaction().execute(async (trx) => {
    const alert = input.alertId ? await selectAlertForIncident(trx, input.alertId) : undefined;
    if (input.alertId && !alert) throw new DomainError("NOT_FOUND", `alertId: no alert ${input.alertId}`);
    const declaredAt = await databaseNow(trx);
    const row = await insertIncident(trx, {
      title: input.title,
      severity: input.severity,
      alertId: input.alertId ?? null,
      declaredAt,
      declaredBy: actor.label,
      ackDueAt: dueAt(input.severity, declaredAt, "ack"),
      resolveDueAt: dueAt(input.severity, declaredAt, "resolve"),
    });
    await addEntry(
      trx,
      row.id,
      actor,
      "DECLARED",
      alert
        ? `Declared ${input.severity} from alert "${alert.ruleName}": ${alert.message}`
        : `Declared ${input.severity}: ${input.title}`,
      alert ? { alertId: alert.id } : undefined,
    );
    if (input.note) await addEntry(trx, row.id, actor, "NOTE", input.note);
    await writeAudit(trx, actor, {
      action: "incidents.declare",
      target: { type: "incident", id: row.id },
      after: { title: input.title, severity: input.severity, alertId: input.alertId ?? null },
    });
    return row.id;
  });
  return getIncident(db, id);
}

export async function addIncidentNote(db: Db, actor: Actor, raw: unknown): Promise<TIncidentDetail> {
  const input = ZIncidentNote.parse(raw);
  await db.transaction().execute(async (trx) => {
    const row = await mustLock(trx, input.id);
    await acknowledgeIfFirst(trx, row, actor);
    await addEntry(trx, row.id, actor, "NOTE", input.text);
    await writeAudit(trx, actor, {
      action: "incidents.note",
      target: { type: "incident", id: row.id },
      after: { text: input.text },
    });
  });
  return getIncident(db, input.id);
}

export async function acknowledgeIncident(db: Db, actor: Actor, id: string): Promise<TIncidentDetail> {
  await db.transaction().execute(async (trx) => {
    const row = await mustLock(trx, id);
    if (row.acknowledgedAt) return;
    await acknowledgeIfFirst(trx, row, actor);
    await writeAudit(trx, actor, { action: "incidents.acknowledge", target: { type: "incident", id } });
  });
  return getIncident(db, id);
}

export async function setIncidentStatus(db: Db, actor: Actor, raw: unknown): Promise<TIncidentDetail> {
  const input = ZIncidentStatusChange.parse(raw);
  if (input.status === "REVIEWED")
    throw new DomainError(
      "BAD_REQUEST",
      "status: an incident becomes REVIEWED through its review (incidents review)",
    );
  await db.transaction().execute(async (trx) => {
    let row = await mustLock(trx, input.id);
    if (row.status === "REVIEWED")
      throw new DomainError("CONFLICT", "This incident has been reviewed; its status no longer changes");
    if (row.status === input.status && !input.note) return;
    row = await acknowledgeIfFirst(trx, row, actor);
    const resolving = input.status === "RESOLVED";
    if (row.status !== input.status) {
      await updateIncident(trx, row.id, {
        status: input.status,
        // Reopening clears the resolution; resolving stops the resolve timer.
        resolvedAt: resolving ? (row.resolvedAt ?? new Date()) : null,
      });
      await addEntry(
        trx,
        row.id,
        actor,
        "STATUS",
        `${row.status} → ${input.status}${input.note ? `: ${input.note}` : ""}`,
        { from: row.status, to: input.status },
      );
    } else if (input.note) {
      await addEntry(trx, row.id, actor, "NOTE", input.note);
    }
    await writeAudit(trx, actor, {
      action: "incidents.set_status",
      target: { type: "incident", id: row.id },
      before: { status: row.status },
      after: { status: input.status },
      reason: input.note ?? null,
    });
  });
  return getIncident(db, input.id);
}

export async function reviewIncident(db: Db, actor: Actor, raw: unknown): Promise<TIncidentDetail> {
  const input = ZIncidentReview.parse(raw);
  await db.transaction().execute(async (trx) => {
    const row = await mustLock(trx, input.id);
    if (OPEN.includes(row.status))
      throw new DomainError("PRECONDITION_FAILED", "Resolve the incident before reviewing it");
    const review: TIncidentReview = {
      summary: input.summary,
      impact: input.impact,
      rootCause: input.rootCause,
      actionItems: input.actionItems,
      reviewedBy: actor.label,
    };
    await updateIncident(trx, row.id, {
      status: "REVIEWED",
      reviewedAt: row.reviewedAt ?? new Date(),
      review: JSON.stringify(review),
    });
    await addEntry(
      trx,
      row.id,
      actor,
      "REVIEW",
      `Review ${row.reviewedAt ? "updated" : "recorded"}: ${input.actionItems.length} action item(s)`,
    );
    await writeAudit(trx, actor, {
      action: "incidents.review",
      target: { type: "incident", id: row.id },
      before: { status: row.status },
      after: { status: "REVIEWED", actionItems: input.actionItems.length },
    });
  });
  return getIncident(db, input.id);
}

/** Adds an entry (an emergency-check report, say) to every open incident, inside `trx`. */
export async function attachToOpenIncidents(
  trx: Trx,
  actor: Actor,
  kind: TIncidentEntryKind,
  body: string,
  data?: unknown,
): Promise<string[]> {
  const open = await selectOpenIncidents(trx);
  for (const incident of open) await addEntry(trx, incident.id, actor, kind, body, data);
  return open.map((i) => i.id);
}

export async function getIncident(db: DbOrTrx, id: string, clock: Clock = {}): Promise<TIncidentDetail> {
  if (!z.uuid().safeParse(id).success)
    throw new DomainError("BAD_REQUEST", `id: "${id}" is not an incident id`);
  const row = await selectIncident(db, id);
  if (!row) throw new DomainError("NOT_FOUND", `No incident ${id}`);
  const now = clock.now ?? (await databaseNow(db));
  const windowEnd = row.resolvedAt ?? now;
  const [entries, audit, alerts] = await Promise.all([
    selectIncidentEntries(db, id),
    selectAuditDuring(db, row.declaredAt, windowEnd, TIMELINE_AUDIT_LIMIT),
    selectAlertsFiredDuring(db, row.declaredAt, windowEnd),
  ]);
  const timeline: TTimelineEntry[] = [
    ...entries.map((e) => ({
      at: e.at.toISOString(),
      source: "incident" as const,
      kind: e.kind,
      actor: e.actorLabel,
      text: e.body,
      ref: null,
    })),
    ...audit.map((a) => ({
      at: a.occurredAt.toISOString(),
      source: "audit" as const,
      kind: a.action,
      actor: a.actorLabel,
      text: `${a.action}${a.targetType ? ` ${a.targetType}${a.targetId ? ` ${a.targetId}` : ""}` : ""}${a.reason ? ` — ${a.reason}` : ""}`,
      ref: `audit:${a.seq}`,
    })),
    ...alerts.flatMap((a) => {
      const out: TTimelineEntry[] = [];
      if (a.firedAt >= row.declaredAt && a.firedAt <= windowEnd)
        out.push({
          at: a.firedAt.toISOString(),
          source: "alert",
          kind: "ALERT_FIRING",
          actor: null,
          text: `${a.severity} alert fired: ${a.ruleName} — ${a.message}`,
          ref: `alert:${a.id}`,
        });
      if (a.resolvedAt && a.resolvedAt >= row.declaredAt && a.resolvedAt <= windowEnd)
        out.push({
          at: a.resolvedAt.toISOString(),
          source: "alert",
          kind: "ALERT_RESOLVED",
          actor: null,
          text: `Alert resolved: ${a.ruleName}`,
          ref: `alert:${a.id}`,
        });
      return out;
    }),
  ].sort((x, y) => x.at.localeCompare(y.at));
  return { ...toIncident(row, now), timeline };
}

const ZIncidentKey = z.tuple([ZKeyTime, z.uuid()]);

export async function listIncidents(
  db: DbOrTrx,
  raw: unknown = {},
  clock: Clock = {},
): Promise<TPage<TIncident>> {
  const { cursor, limit, status } = ZIncidentListInput.parse(raw);
  const before = decodeCursor(cursor, ZIncidentKey);
  const [rows, now] = await Promise.all([
    selectIncidents(db, { status }, { limit: limit + 1, before }),
    clock.now ? Promise.resolve(clock.now) : databaseNow(db),
  ]);
  return toPage(
    rows,
    limit,
    (r) => toIncident(r, now),
    (r) => [r.keyTime, r.id],
  );
}
