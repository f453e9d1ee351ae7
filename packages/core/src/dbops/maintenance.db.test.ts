// Table maintenance for a server with autovacuum off: the cron vacuums what autovacuum would, so
// the FAILED list stops walking the index entries of events replayed long ago.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFailedWebhookEvents,
  createTestDatabase,
  type PlanNode,
  type TestDatabase,
} from "../testing/index";
import { runTableMaintenance } from "./maintenance.service";

let t: TestDatabase;
let autovacuumOn = false;
beforeAll(async () => {
  t = await createTestDatabase();
  const { rows } = await sql<{ on: boolean }>`SELECT current_setting('autovacuum') = 'on' AS on`.execute(
    t.db,
  );
  autovacuumOn = rows[0]!.on;
});
afterAll(() => t.drop());

/** Index entries the FAILED list's bitmap scan of the status index returns, dead rows' included. */
async function failedEntriesScanned(): Promise<number> {
  const plan = await t.db.transaction().execute(async (trx) => {
    await sql`SET LOCAL enable_seqscan = off`.execute(trx);
    await sql`SET LOCAL enable_indexscan = off`.execute(trx);
    const { rows } = await sql<{ "QUERY PLAN": [{ Plan: PlanNode }] }>`
      EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM webhook_events WHERE status = 'FAILED'
      ORDER BY received_at DESC, id DESC LIMIT 51`.execute(trx);
    return rows[0]!["QUERY PLAN"][0].Plan;
  });
  const find = (n: PlanNode): PlanNode | undefined =>
    n["Node Type"] === "Bitmap Index Scan" ? n : (n.Plans ?? []).map(find).find(Boolean);
  return find(plan)!["Actual Rows"];
}

describe("runTableMaintenance", () => {
  it("with autovacuum off, vacuums the events a replay changed, so the FAILED list meets only live entries", async () => {
    // A server that vacuums by itself (a laptop's embedded Postgres) is left to it; CI's has it off.
    if (autovacuumOn) {
      expect(await runTableMaintenance(t.url)).toEqual({ autovacuum: true, tables: [] });
      return;
    }
    await createFailedWebhookEvents(t.db, { count: 400, tag: "maint" });
    // What a replay does to them: FAILED → PROCESSED, each change leaving the old index entries.
    await t.db.transaction().execute(async (trx) => {
      await sql`UPDATE webhook_events SET status = 'PROCESSED', processed_at = now() WHERE status = 'FAILED'`.execute(
        trx,
      );
      await sql`SELECT pg_stat_force_next_flush()`.execute(trx);
    });
    expect(await failedEntriesScanned()).toBeGreaterThanOrEqual(400);

    // The statistics reach shared memory when that backend goes idle: poll briefly.
    let result = await runTableMaintenance(t.url);
    for (let i = 0; i < 20 && !result.tables.some((x) => x.table === "public.webhook_events"); i++) {
      await new Promise((r) => setTimeout(r, 250));
      result = await runTableMaintenance(t.url);
    }
    expect(result.autovacuum).toBe(false);
    expect(result.tables).toContainEqual(
      expect.objectContaining({ table: "public.webhook_events", vacuum: true }),
    );
    expect(await failedEntriesScanned()).toBe(0);
    const { rows } = await sql<{ vacuumed: boolean }>`
      SELECT last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables WHERE relname = 'webhook_events'`.execute(
      t.db,
    );
    expect(rows[0]?.vacuumed).toBe(true);

    // Nothing left to do: a second pass leaves webhook_events alone.
    await new Promise((r) => setTimeout(r, 1_100));
    const again = await runTableMaintenance(t.url);
    expect(again.tables.map((x) => x.table)).not.toContain("public.webhook_events");
  });

  it("skips tables the connected role may not vacuum (the application role owns nothing)", async () => {
    const result = await runTableMaintenance(t.appUrl);
    expect(result.tables).toEqual([]);
  });
});
