// Small assertions tests share: how many rows a table holds, and the DomainError a call rejects with.
import type { Database, Db } from "../db/database";
import { DomainError } from "../errors";

export async function countRows(db: Db, table: keyof Database): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The DomainError `p` rejects with; fails the test if it resolves or rejects with anything else. */
export async function domainErrorOf(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(e)}`);
  return e;
}

/** A node of `EXPLAIN (ANALYZE, FORMAT JSON)`'s plan, as tests read it. */
export interface PlanNode {
  "Node Type": string;
  "Actual Rows": number;
  "Index Name"?: string;
  Plans?: PlanNode[];
}
