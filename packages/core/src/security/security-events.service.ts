// Security events: what the audit log should not grow without bound for (failed sign-ins,
// lockouts, refused calls, refresh-token reuse). Kept in a table capped to its newest rows.
import { z } from "zod";
import type { Selectable } from "kysely";
import type { DbOrTrx, SecurityEventsTable } from "../db/database";
import type { Actor } from "../audit/audit.service";
import { decodeCursor, toPage, ZKeyBigint } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { insertSecurityEventCapped, selectSecurityEvents } from "./security-events.queries";
import {
  ZSecurityEventListInput,
  type TSecurityEvent,
  type TSecurityEventKind,
  type TSecurityEventListInput,
} from "./security-events.schema";

/** How many rows the table keeps; older ones are deleted as new ones arrive. */
export const SECURITY_EVENTS_CAP = 10_000;

export interface SecurityEventInput {
  kind: TSecurityEventKind;
  target?: string | null;
  detail?: string | null;
}

/**
 * Records one event. Never throws: a security event must not turn the refusal it describes
 * into a 500 (the caller still gets its 401/403/429).
 */
export async function recordSecurityEvent(
  db: DbOrTrx,
  actor: Actor,
  event: SecurityEventInput,
  cap = SECURITY_EVENTS_CAP,
): Promise<void> {
  try {
    await insertSecurityEventCapped(
      db,
      {
        kind: event.kind,
        actorType: actor.type,
        actorId: actor.id,
        actorLabel: actor.label?.slice(0, 320) ?? null,
        ip: actor.ip ?? null,
        requestId: actor.requestId ?? null,
        target: event.target?.slice(0, 200) ?? null,
        detail: event.detail?.slice(0, 500) ?? null,
      },
      cap,
    );
  } catch {
    // The table is a trace, not a gate.
  }
}

const ZSecurityEventKey = z.tuple([ZKeyBigint]);

export async function listSecurityEvents(
  db: DbOrTrx,
  raw: TSecurityEventListInput = {},
): Promise<TPage<TSecurityEvent>> {
  const { cursor, limit, kind } = ZSecurityEventListInput.parse(raw);
  const before = decodeCursor(cursor, ZSecurityEventKey);
  const rows = await selectSecurityEvents(db, { limit: limit + 1, beforeId: before?.[0] ?? null, kind });
  return toPage(rows, limit, toSecurityEvent, (r) => [r.id]);
}

function toSecurityEvent(r: Selectable<SecurityEventsTable>): TSecurityEvent {
  return {
    id: r.id,
    occurredAt: r.occurredAt.toISOString(),
    kind: r.kind,
    actorType: r.actorType,
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    ip: r.ip,
    requestId: r.requestId,
    target: r.target,
    detail: r.detail,
  };
}
