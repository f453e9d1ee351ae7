// Webhook health over any window without reading the window's events (issue 13: the full table
// in < 100 ms). `webhook_health_deltas` holds signed event counts per UTC hour, provider, status
// and processing-latency bucket. Statement-level triggers with transition tables append one row
// per group a statement changed (an intake group commit of 64 events adds one or two rows; an
// UPDATE adds -1 for the old state and +1 for the new, netted; no row is ever updated in place,
// so concurrent writers never wait on each other). `compact_webhook_health()` (a minute cron)
// folds the rows of each touched key into one and adds what it folded to `webhook_health_days`
// (the same counts per UTC day) and `webhook_health_hours` (per hour and status, without
// latency: the chart's series), both written only by compaction. Health counts the window's
// first, partial hour from webhook_events itself, the hours up to the next midnight from the
// hourly rows, and later days from the daily rows plus the hourly rows not yet compacted; the
// series reads webhook_health_hours plus the rows not yet compacted.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE webhook_health_deltas (
      hour timestamptz NOT NULL,
      provider text NOT NULL,
      status text NOT NULL,
      -- webhook_latency_bucket(): -1 unless PROCESSED with a processed_at.
      latency_bucket smallint NOT NULL,
      events bigint NOT NULL,
      compacted boolean NOT NULL DEFAULT false
    );
    CREATE INDEX webhook_health_deltas_hour_idx ON webhook_health_deltas (hour)
      INCLUDE (provider, status, latency_bucket, events);
    CREATE INDEX webhook_health_deltas_fresh_idx ON webhook_health_deltas (hour)
      INCLUDE (provider, status, latency_bucket, events) WHERE NOT compacted;
    CREATE TABLE webhook_health_days (
      day timestamptz NOT NULL,
      provider text NOT NULL,
      status text NOT NULL,
      latency_bucket smallint NOT NULL,
      events bigint NOT NULL,
      PRIMARY KEY (day, provider, status, latency_bucket)
    );
    CREATE TABLE webhook_health_hours (
      hour timestamptz NOT NULL,
      provider text NOT NULL,
      status text NOT NULL,
      events bigint NOT NULL,
      PRIMARY KEY (hour, provider, status)
    );

    -- 20 buckets a decade of milliseconds (each about 12 % wide): bucket b holds latencies in
    -- [10^(b/20) - 1, 10^((b+1)/20) - 1) ms. Readers interpolate percentiles inside a bucket.
    CREATE FUNCTION webhook_latency_bucket(status text, received_at timestamptz, processed_at timestamptz)
    RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE WHEN status = 'PROCESSED' AND processed_at IS NOT NULL
        THEN floor(20 * log(1 + greatest(extract(epoch FROM processed_at - received_at)::float8 * 1000, 0)))::smallint
        ELSE -1::smallint END
    $$;

    CREATE FUNCTION webhook_health_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO webhook_health_deltas (hour, provider, status, latency_bucket, events)
        SELECT date_trunc('hour', received_at, 'UTC'), provider, status,
          webhook_latency_bucket(status, received_at, processed_at), count(*)
        FROM new_rows GROUP BY 1, 2, 3, 4;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO webhook_health_deltas (hour, provider, status, latency_bucket, events)
        SELECT date_trunc('hour', received_at, 'UTC'), provider, status,
          webhook_latency_bucket(status, received_at, processed_at), -count(*)
        FROM old_rows GROUP BY 1, 2, 3, 4;
      ELSE
        INSERT INTO webhook_health_deltas (hour, provider, status, latency_bucket, events)
        SELECT hour, provider, status, latency_bucket, sum(n)
        FROM (
          SELECT date_trunc('hour', received_at, 'UTC') AS hour, provider, status,
            webhook_latency_bucket(status, received_at, processed_at) AS latency_bucket, -1 AS n
          FROM old_rows
          UNION ALL
          SELECT date_trunc('hour', received_at, 'UTC'), provider, status,
            webhook_latency_bucket(status, received_at, processed_at), 1
          FROM new_rows
        ) d
        GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0;
      END IF;
      RETURN NULL;
    END $$;

    CREATE TRIGGER webhook_health_insert AFTER INSERT ON webhook_events
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_health_count();
    CREATE TRIGGER webhook_health_update AFTER UPDATE ON webhook_events
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_health_count();
    CREATE TRIGGER webhook_health_delete AFTER DELETE ON webhook_events
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_health_count();

    CREATE FUNCTION webhook_health_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM webhook_health_deltas;
      DELETE FROM webhook_health_days;
      DELETE FROM webhook_health_hours;
      RETURN NULL;
    END $$;
    CREATE TRIGGER webhook_health_truncate AFTER TRUNCATE ON webhook_events
      FOR EACH STATEMENT EXECUTE FUNCTION webhook_health_truncated();

    -- Folds every key that has fresh rows into one compacted row, and adds the fresh rows to the
    -- daily and hourly counts. One statement: rows another compaction deleted meanwhile are skipped, rows
    -- committed after its snapshot are left for the next run, so nothing is counted twice or
    -- lost however many run at once.
    CREATE FUNCTION compact_webhook_health() RETURNS bigint LANGUAGE sql AS $$
      WITH fresh AS (
        SELECT DISTINCT hour, provider, status, latency_bucket FROM webhook_health_deltas WHERE NOT compacted
      ), gone AS (
        DELETE FROM webhook_health_deltas d USING fresh f
        WHERE d.hour = f.hour AND d.provider = f.provider AND d.status = f.status
          AND d.latency_bucket = f.latency_bucket
        RETURNING d.hour, d.provider, d.status, d.latency_bucket, d.events, d.compacted
      ), folded AS (
        INSERT INTO webhook_health_deltas (hour, provider, status, latency_bucket, events, compacted)
        SELECT hour, provider, status, latency_bucket, sum(events), true FROM gone
        GROUP BY 1, 2, 3, 4 HAVING sum(events) <> 0
        RETURNING 1
      ), days AS (
        INSERT INTO webhook_health_days AS w (day, provider, status, latency_bucket, events)
        SELECT date_trunc('day', hour, 'UTC'), provider, status, latency_bucket, sum(events) FROM gone
        WHERE NOT compacted GROUP BY 1, 2, 3, 4 HAVING sum(events) <> 0
        ON CONFLICT (day, provider, status, latency_bucket) DO UPDATE SET events = w.events + excluded.events
        RETURNING 1
      ), hours AS (
        INSERT INTO webhook_health_hours AS w (hour, provider, status, events)
        SELECT hour, provider, status, sum(events) FROM gone
        WHERE NOT compacted GROUP BY 1, 2, 3 HAVING sum(events) <> 0
        ON CONFLICT (hour, provider, status) DO UPDATE SET events = w.events + excluded.events
        RETURNING 1
      )
      SELECT count(*) + (SELECT count(*) FROM days) + (SELECT count(*) FROM hours) FROM folded
    $$;

    -- Recounts from the events (after rows were written with triggers off, e.g. a bulk load in
    -- replica mode). Blocks event writes until the caller's transaction ends.
    CREATE FUNCTION rebuild_webhook_health() RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      LOCK TABLE webhook_events IN SHARE MODE;
      DELETE FROM webhook_health_deltas;
      DELETE FROM webhook_health_days;
      DELETE FROM webhook_health_hours;
      INSERT INTO webhook_health_deltas (hour, provider, status, latency_bucket, events, compacted)
      SELECT date_trunc('hour', received_at, 'UTC'), provider, status,
        webhook_latency_bucket(status, received_at, processed_at), count(*), true
      FROM webhook_events GROUP BY 1, 2, 3, 4;
      INSERT INTO webhook_health_days (day, provider, status, latency_bucket, events)
      SELECT date_trunc('day', hour, 'UTC'), provider, status, latency_bucket, sum(events)
      FROM webhook_health_deltas GROUP BY 1, 2, 3, 4;
      INSERT INTO webhook_health_hours (hour, provider, status, events)
      SELECT hour, provider, status, sum(events) FROM webhook_health_deltas GROUP BY 1, 2, 3;
    END $$;
    SELECT rebuild_webhook_health();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER IF EXISTS webhook_health_insert ON webhook_events;
    DROP TRIGGER IF EXISTS webhook_health_update ON webhook_events;
    DROP TRIGGER IF EXISTS webhook_health_delete ON webhook_events;
    DROP TRIGGER IF EXISTS webhook_health_truncate ON webhook_events;
    DROP FUNCTION IF EXISTS webhook_health_count(), webhook_health_truncated(), compact_webhook_health(),
      rebuild_webhook_health(), webhook_latency_bucket(text, timestamptz, timestamptz);
    DROP TABLE IF EXISTS webhook_health_deltas, webhook_health_days, webhook_health_hours;
  `.execute(db);
}
