// Small assertions tests share: how many rows a table holds, the DomainError a call rejects with,
// and waiting for a condition (such as a statement waiting on a lock the test holds).
import { sql } from "kysely";
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

/** Sessions of the test's database waiting for a lock (one the test holds, say). */
export async function lockWaiters(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
  return rows[0]?.n ?? 0;
}

/** Polls `check` until it holds; fails the test after 10 s. */
export async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Locks a webhook event's row (FOR UPDATE) in a transaction of its own, held until `release()`,
 * so whatever locks the row next waits on it.
 */
export async function holdEventRowLock(db: Db, eventId: string): Promise<{ release(): Promise<void> }> {
  let mayRelease!: () => void;
  let held!: () => void;
  const holding = new Promise<void>((r) => (held = r));
  const released = new Promise<void>((r) => (mayRelease = r));
  const holder = db.transaction().execute(async (trx) => {
    await sql`SELECT id FROM webhook_events WHERE id = ${eventId} FOR UPDATE`.execute(trx);
    held();
    await released;
  });
  await Promise.race([holding, holder]);
  return {
    async release() {
      mayRelease();
      await holder;
    },
  };
}
