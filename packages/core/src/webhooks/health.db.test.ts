// The webhook health rollup (webhook_health_deltas, kept by statement triggers) answers exactly
// what a count(*) over webhook_events answers, through inserts, status changes, deletes,
// compaction (also two at once) and truncation.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type PlanNode, type TestDatabase } from "../testing/index";
import {
  compactWebhookHealth,
  getWebhookHealth,
  getWebhookHealthSeries,
  histogramPercentile,
} from "./webhooks.queries";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const WINDOWS = [1, 5, 24, 24 * 30, 24 * 365];

/** The plain answer: count(*) per provider and status over the window, straight from the events. */
async function plainCounts(windowHours: number) {
  const { rows } = await sql<{ provider: string; status: string; n: string }>`
    SELECT provider, status, count(*) AS n FROM webhook_events
    WHERE received_at >= now() - make_interval(hours => ${windowHours}) GROUP BY 1, 2
  `.execute(t.db);
  const n = (provider: string, ...statuses: string[]) =>
    rows
      .filter((r) => r.provider === provider && statuses.includes(r.status))
      .reduce((sum, r) => sum + Number(r.n), 0);
  return ["STRIPE", "RAZORPAY"].map((provider) => ({
    provider,
    total: rows.filter((r) => r.provider === provider).reduce((sum, r) => sum + Number(r.n), 0),
    processed: n(provider, "PROCESSED"),
    failed: n(provider, "FAILED"),
    pending: n(provider, "PENDING", "PROCESSING"),
    ignored: n(provider, "IGNORED"),
    needsReview: n(provider, "NEEDS_REVIEW"),
  }));
}

async function plainSeries(windowHours: number) {
  const { rows } = await sql<{ hour: Date; provider: string; processed: string; failed: string }>`
    SELECT date_trunc('hour', received_at, 'UTC') AS hour, provider,
      count(*) FILTER (WHERE status = 'PROCESSED') AS processed,
      count(*) FILTER (WHERE status = 'FAILED') AS failed
    FROM webhook_events WHERE received_at >= now() - make_interval(hours => ${windowHours})
    GROUP BY 1, 2 ORDER BY 1, 2
  `.execute(t.db);
  return rows.map((r) => ({
    hour: r.hour.toISOString(),
    provider: r.provider,
    processed: Number(r.processed),
    failed: Number(r.failed),
  }));
}

/** Health from the rollup equals the plain count for every window (counts and the series). */
async function expectHealthEqualsPlainCount(): Promise<void> {
  for (const windowHours of WINDOWS) {
    const health = await getWebhookHealth(t.db, { windowHours, minVolume: 1 });
    expect(
      health.map(({ provider, total, processed, failed, pending, ignored, needsReview }) => ({
        provider,
        total,
        processed,
        failed,
        pending,
        ignored,
        needsReview,
      })),
      `window ${windowHours} h`,
    ).toEqual(await plainCounts(windowHours));
    const series = await getWebhookHealthSeries(t.db, windowHours);
    expect(
      series.map(({ hour, provider, processed, failed }) => ({ hour, provider, processed, failed })),
      `series ${windowHours} h`,
    ).toEqual(await plainSeries(windowHours));
  }
}

/** 3,000 events over 40 days (a few minutes apart), mixed providers and statuses, in one statement. */
async function insertEvents(from: number, to: number): Promise<void> {
  await sql`
    INSERT INTO webhook_events (provider, provider_event_id, event_type, payload, raw_bytes, received_at,
      status, processed_at, body_sha256)
    SELECT CASE WHEN g % 3 = 0 THEN 'RAZORPAY' ELSE 'STRIPE' END, 'evt_health_' || g, 'payment_intent.succeeded',
      '{}'::jsonb, '\\x7b7d'::bytea, now() - g * interval '19 minutes',
      s.status, CASE WHEN s.status <> 'PENDING' THEN now() - g * interval '19 minutes' + (g % 700) * interval '7 ms' END,
      md5('health' || g)
    FROM generate_series(${from}::int, ${to}::int) g,
      LATERAL (SELECT (ARRAY['PROCESSED','PROCESSED','PROCESSED','FAILED','PENDING','IGNORED','NEEDS_REVIEW'])[1 + g % 7] AS status) s
  `.execute(t.db);
}

describe("webhook health rollup", () => {
  it("equals count(*) over the events after inserts, status changes and deletes, before and after compaction", async () => {
    await insertEvents(1, 1500);
    await insertEvents(1501, 3000);
    await expectHealthEqualsPlainCount();

    // Processing settles pending events; a replay turns failures into successes; some are ignored.
    await sql`UPDATE webhook_events SET status = 'PROCESSED', processed_at = received_at + interval '2 s'
      WHERE status = 'PENDING' AND provider_event_id LIKE '%1'`.execute(t.db);
    await sql`UPDATE webhook_events SET status = 'PROCESSING' WHERE status = 'PENDING' AND provider_event_id LIKE '%2'`.execute(
      t.db,
    );
    await sql`UPDATE webhook_events SET status = 'PROCESSED', processed_at = now()
      WHERE status = 'FAILED' AND provider_event_id LIKE '%3'`.execute(t.db);
    await sql`UPDATE webhook_events SET status = 'IGNORED' WHERE status = 'NEEDS_REVIEW' AND provider_event_id LIKE '%4'`.execute(
      t.db,
    );
    // An update that changes nothing health reads adds no delta rows.
    const before = await sql<{ n: string }>`SELECT count(*) AS n FROM webhook_health_deltas`.execute(t.db);
    await sql`UPDATE webhook_events SET attempt_count = attempt_count + 1`.execute(t.db);
    const after = await sql<{ n: string }>`SELECT count(*) AS n FROM webhook_health_deltas`.execute(t.db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    await sql`DELETE FROM webhook_events WHERE provider_event_id LIKE '%99'`.execute(t.db);
    await expectHealthEqualsPlainCount();

    // Two compactions at once: nothing counted twice or lost; then one row per key.
    const [a, b] = await Promise.all([compactWebhookHealth(t.db), compactWebhookHealth(t.db)]);
    expect(a + b).toBeGreaterThan(0);
    await expectHealthEqualsPlainCount();
    const { rows: keys } = await sql<{ rows: string; keys: string; fresh: string }>`
      SELECT count(*) AS rows, count(DISTINCT (hour, provider, status, latency_bucket)) AS keys,
        count(*) FILTER (WHERE NOT compacted) AS fresh
      FROM webhook_health_deltas`.execute(t.db);
    expect(keys[0]).toMatchObject({ fresh: "0" });
    expect(keys[0]!.rows).toBe(keys[0]!.keys);

    // More changes after compaction, then a rebuild from scratch agrees as well.
    await sql`UPDATE webhook_events SET status = 'FAILED', processed_at = NULL WHERE provider_event_id LIKE '%5'`.execute(
      t.db,
    );
    await expectHealthEqualsPlainCount();
    await sql`SELECT rebuild_webhook_health()`.execute(t.db);
    await expectHealthEqualsPlainCount();
  });

  it("latency percentiles are within a bucket's width of percentile_cont over the events", async () => {
    for (const windowHours of [24, 24 * 365]) {
      const { rows } = await sql<{ provider: string; p: [number, number] }>`
        SELECT provider, percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (
          ORDER BY extract(epoch FROM processed_at - received_at) * 1000) AS p
        FROM webhook_events
        WHERE received_at >= now() - make_interval(hours => ${windowHours}) AND status = 'PROCESSED'
        GROUP BY provider`.execute(t.db);
      const health = await getWebhookHealth(t.db, { windowHours, minVolume: 1 });
      for (const h of health) {
        const exact = rows.find((r) => r.provider === h.provider)!.p;
        expect(Math.abs(h.p50LatencyMs! - exact[0])).toBeLessThanOrEqual(exact[0] * 0.13 + 1);
        expect(Math.abs(h.p95LatencyMs! - exact[1])).toBeLessThanOrEqual(exact[1] * 0.13 + 1);
      }
    }
  });

  it("histogramPercentile interpolates inside the bucket that holds the rank", () => {
    expect(histogramPercentile(new Map(), 0.5)).toBeNull();
    // One bucket: the median sits in its middle.
    const lo = 10 ** (40 / 20) - 1;
    const hi = 10 ** (41 / 20) - 1;
    expect(histogramPercentile(new Map([[40, 1]]), 0.5)).toBeCloseTo((lo + hi) / 2);
    expect(
      histogramPercentile(
        new Map([
          [10, 9],
          [60, 1],
        ]),
        0.5,
      ),
    ).toBeLessThan(10 ** (11 / 20));
  });

  it("after a fold, health's scans meet only live index entries, with no VACUUM (autovacuum is off on CI)", async () => {
    // Index entries a bitmap scan returns (dead rows included) for the rows health reads.
    const entriesScanned = async (where: string) => {
      const plan = await t.db.transaction().execute(async (trx) => {
        await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        await sql`SET LOCAL enable_indexscan = off`.execute(trx);
        await sql`SET LOCAL enable_indexonlyscan = off`.execute(trx);
        const { rows } = await sql<{ "QUERY PLAN": [{ Plan: PlanNode }] }>`
          EXPLAIN (ANALYZE, FORMAT JSON) SELECT sum(events) FROM webhook_health_deltas WHERE ${sql.raw(where)}`.execute(
          trx,
        );
        return rows[0]!["QUERY PLAN"][0].Plan;
      });
      const find = (n: PlanNode): PlanNode | undefined =>
        n["Node Type"] === "Bitmap Index Scan" && n["Index Name"]?.startsWith("webhook_health_deltas")
          ? n
          : (n.Plans ?? []).map(find).find(Boolean);
      return find(plan)!["Actual Rows"];
    };
    const recent = "hour >= now() - interval '2 days'";
    const fresh = `NOT compacted AND ${recent}`;
    // The hours those statements change (other hours may hold earlier tests' dead entries).
    const { rows: changed } = await sql<{ hours: string }>`
      SELECT array_agg(DISTINCT date_trunc('hour', received_at, 'UTC'))::text AS hours FROM webhook_events
      WHERE status IN ('PROCESSED', 'FAILED') AND received_at >= now() - interval '2 days'`.execute(t.db);
    const folded = `hour = ANY('${changed[0]!.hours}'::timestamptz[])`;
    // 300 statements, each adding delta rows for the last two days' hours, then one fold.
    for (let i = 0; i < 150; i++) {
      await sql`UPDATE webhook_events SET status = 'FAILED', processed_at = NULL
        WHERE status = 'PROCESSED' AND received_at >= now() - interval '2 days'`.execute(t.db);
      await sql`UPDATE webhook_events SET status = 'PROCESSED', processed_at = received_at + interval '1 s'
        WHERE status = 'FAILED' AND received_at >= now() - interval '2 days'`.execute(t.db);
    }
    expect(await entriesScanned(fresh)).toBeGreaterThan(300);
    await compactWebhookHealth(t.db);
    const { rows } = await sql<{ live: string; fresh: string }>`
      SELECT count(*) FILTER (WHERE ${sql.raw(folded)}) AS live,
        count(*) FILTER (WHERE ${sql.raw(fresh)}) AS fresh FROM webhook_health_deltas`.execute(t.db);
    expect(await entriesScanned(fresh)).toBe(Number(rows[0]!.fresh));
    expect(await entriesScanned(folded)).toBe(Number(rows[0]!.live));
    await expectHealthEqualsPlainCount();
  });

  it("truncating the events empties the rollup", async () => {
    await sql`TRUNCATE webhook_events CASCADE`.execute(t.db);
    const [stripe] = await getWebhookHealth(t.db, { windowHours: 24 * 30, minVolume: 1 });
    expect(stripe).toMatchObject({ total: 0, p50LatencyMs: null });
    await expectHealthEqualsPlainCount();
  });
  it("with statistics (after an ANALYZE), health reads the events of its first partial hour only, never the whole table", async () => {
    // 20,000 events in the last 20 hours: none in a 24-hour window's first, partial hour.
    await sql`
      INSERT INTO webhook_events (provider, provider_event_id, event_type, payload, raw_bytes, received_at,
        status, processed_at, body_sha256)
      SELECT 'STRIPE', 'evt_stats_' || g, 'payment_intent.succeeded', '{}'::jsonb, '\\x7b7d'::bytea,
        now() - g * interval '3.6 s', 'PROCESSED', now() - g * interval '3.6 s', md5('stats' || g)
      FROM generate_series(1, 20000) g`.execute(t.db);
    await sql`ANALYZE webhook_events`.execute(t.db);
    const seqScans = await t.db.transaction().execute(async (trx) => {
      // Counted before and after, inside one transaction: since Postgres 15 the xact view also
      // holds this connection's earlier transactions until its stats are flushed (up to 1 s later),
      // such as the other tests' plain count(*)s over webhook_events.
      const scans = async () => {
        const { rows } = await sql<{ n: string }>`
          SELECT seq_scan AS n FROM pg_stat_xact_user_tables WHERE relname = 'webhook_events'`.execute(trx);
        return Number(rows[0]?.n ?? 0);
      };
      const before = await scans();
      await getWebhookHealth(trx, { windowHours: 24, minVolume: 1 });
      await getWebhookHealthSeries(trx, 24);
      return (await scans()) - before;
    });
    expect(seqScans).toBe(0);
  });
});
