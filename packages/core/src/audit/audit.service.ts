// Writes audit events inside the caller's transaction and verifies the hash chain.
import { z } from "zod";
import type { Selectable } from "kysely";
import type { AuditLogTable, DbOrTrx, Trx, Db } from "../db/database";
import { decodeCursor, toPage, ZKeyBigint } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { insertAuditRows, selectAuditChainRows, selectAuditRows } from "./audit.queries";
import type { TActorType, TAuditEvent, TAuditListInput, TAuditVerifyResult } from "./audit.schema";
import { ZAuditListInput } from "./audit.schema";

/** Who did something, and from where: carried from the request into every audit row. */
export interface Actor {
  type: TActorType;
  id: string | null;
  label: string | null;
  requestId?: string | null;
  ip?: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: "SYSTEM", id: null, label: "system" };

export interface AuditInput {
  action: string;
  target?: { type: string; id: string | null };
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

const SECRET_KEY = /(password|secret|token|hash|private|jwk|authorization|cookie|api[_-]?key)/i;

/** Replaces the value of every secret-looking key, at any depth, before it is stored. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) ? "[redacted]" : redactSecrets(v),
      ]),
    );
  }
  return value;
}

const toJson = (v: unknown) => (v === undefined ? null : JSON.stringify(redactSecrets(v)));

/** Must be called with the mutation's own transaction: the event commits or rolls back with it. */
export async function writeAudit(trx: Trx, actor: Actor, event: AuditInput): Promise<void> {
  await writeAudits(trx, [{ actor, event }]);
}

/** Several audit events in one statement (a batch's), chained in the order given. */
export async function writeAudits(
  trx: Trx,
  events: readonly { actor: Actor; event: AuditInput }[],
): Promise<void> {
  await insertAuditRows(
    trx,
    events.map(({ actor, event }) => ({
      actorType: actor.type,
      actorId: actor.id,
      actorLabel: actor.label,
      action: event.action,
      targetType: event.target?.type ?? null,
      targetId: event.target?.id ?? null,
      before: toJson(event.before),
      after: toJson(event.after),
      reason: event.reason ?? null,
      requestId: actor.requestId ?? null,
      ip: actor.ip ?? null,
    })),
  );
}

/** For events that are the whole of their transaction (a failed login). */
export async function recordAuditEvent(db: Db, actor: Actor, event: AuditInput): Promise<void> {
  await db.transaction().execute((trx) => writeAudit(trx, actor, event));
}

const ZAuditKey = z.tuple([ZKeyBigint]);

export async function listAuditEvents(db: DbOrTrx, rawInput: TAuditListInput): Promise<TPage<TAuditEvent>> {
  const { cursor, limit, ...filter } = ZAuditListInput.parse(rawInput);
  const after = decodeCursor(cursor, ZAuditKey);
  const rows = await selectAuditRows(db, { ...filter, limit: limit + 1, beforeSeq: after?.[0] ?? null });
  return toPage(rows, limit, toAuditEvent, (r) => [r.seq]);
}

function toAuditEvent(r: Selectable<AuditLogTable>): TAuditEvent {
  return {
    seq: r.seq,
    occurredAt: r.occurredAt.toISOString(),
    actorType: r.actorType,
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    before: r.before,
    after: r.after,
    reason: r.reason,
    requestId: r.requestId,
    ip: r.ip,
    hash: r.hash,
  };
}

/**
 * Walks the chain in seq order, recomputing each row's hash in the database with the same
 * function the insert trigger used. Reports the first row whose content, predecessor link
 * or position does not match.
 */
export async function verifyAuditChain(db: DbOrTrx, batchSize = 5_000): Promise<TAuditVerifyResult> {
  let checked = 0;
  let expectedPrev = "0".repeat(64);
  let expectedSeq = 1n;
  for (;;) {
    const rows = await selectAuditChainRows(db, expectedSeq, batchSize);
    if (rows.length === 0) return { ok: true, checked, firstBroken: null };
    for (const row of rows) {
      const broken = (reason: string): TAuditVerifyResult => ({
        ok: false,
        checked,
        firstBroken: { seq: row.seq, reason },
      });
      if (BigInt(row.seq) !== expectedSeq)
        return broken(`row ${expectedSeq} is missing (next row is ${row.seq})`);
      if (row.prevHash !== expectedPrev) return broken("its link does not match the previous row's hash");
      if (row.recomputed !== row.hash) return broken("its content no longer matches its hash");
      checked += 1;
      expectedPrev = row.hash;
      expectedSeq += 1n;
    }
  }
}
