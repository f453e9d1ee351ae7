// Audit log SQL: appending a row (the insert trigger chains it), listing, and the chain walk.
import { type Insertable, sql } from "kysely";
import type { AuditLogTable, DbOrTrx, Trx } from "../db/database";

/**
 * The insert trigger chains each row (in the order given) and takes the chain's advisory lock,
 * held until the caller's transaction ends.
 */
export async function insertAuditRows(trx: Trx, rows: readonly Insertable<AuditLogTable>[]): Promise<void> {
  if (rows.length > 0)
    await trx
      .insertInto("auditLog")
      .values([...rows])
      .execute();
}

export interface AuditRowFilter {
  limit: number;
  /** Rows below this seq (the keyset of the page before). */
  beforeSeq: string | null;
  /** Prefix of the action ("users." matches every users action). */
  action?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
}

/** Newest first; seq is unique, so it alone orders pages. */
export async function selectAuditRows(db: DbOrTrx, f: AuditRowFilter) {
  let q = db.selectFrom("auditLog").selectAll().orderBy("seq", "desc").limit(f.limit);
  if (f.beforeSeq !== null) q = q.where("seq", "<", f.beforeSeq as never);
  if (f.action) q = q.where("action", "like", `${f.action}%`);
  if (f.actorId) q = q.where("actorId", "=", f.actorId);
  if (f.targetId) q = q.where("targetId", "=", f.targetId);
  return q.execute();
}

export interface AuditChainRow {
  seq: string;
  prevHash: string;
  hash: string;
  /** The row's hash recomputed now by the function the insert trigger used. */
  recomputed: string;
}

/**
 * Rows from `fromSeq` in seq order with their recomputed hash. Raw SQL: the hash function takes
 * the whole row, which the query builder cannot pass.
 */
export async function selectAuditChainRows(
  db: DbOrTrx,
  fromSeq: bigint,
  limit: number,
): Promise<AuditChainRow[]> {
  const { rows } = await sql<AuditChainRow>`
    SELECT a.seq, a.prev_hash, a.hash, audit_row_hash(a.prev_hash, a) AS recomputed
    FROM audit_log a WHERE a.seq >= ${fromSeq.toString()} ORDER BY a.seq LIMIT ${limit}
  `.execute(db);
  return rows;
}
