// Least privilege: the server and workers run as members of the application role `radha_app`,
// which may read and write data but owns nothing (so it cannot ALTER tables or disable the audit
// triggers) and may not UPDATE/DELETE/TRUNCATE the append-only tables listed in
// `db_append_only_tables`. `db_apply_app_grants()` (re)applies the grants; `migrate()` calls it
// after every run (graphile-worker's schema included). Default privileges give tables created
// later by the migrating role the application grants; a later migration that adds an
// append-only table inserts one row into `db_append_only_tables`.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // Roles are cluster-wide: create if missing (parallel runs race here), never drop.
  await sql`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'radha_app') THEN
        CREATE ROLE radha_app NOLOGIN;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$;

    CREATE TABLE db_append_only_tables (
      table_name text PRIMARY KEY,
      why text NOT NULL
    );
    INSERT INTO db_append_only_tables (table_name, why) VALUES
      ('audit_log', 'hash-chained audit trail'),
      ('inventory_transactions', 'stock ledger'),
      ('webhook_attempts', 'attempt history is never reset'),
      ('webhook_rejections', 'log of refused deliveries');

    CREATE FUNCTION db_apply_app_grants() RETURNS void LANGUAGE plpgsql AS $fn$
    DECLARE
      t record;
    BEGIN
      PERFORM pg_advisory_xact_lock(7340002); -- concurrent GRANTs on one object fail otherwise
      GRANT USAGE ON SCHEMA public TO radha_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO radha_app;
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO radha_app;
      IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'graphile_worker') THEN
        GRANT USAGE ON SCHEMA graphile_worker TO radha_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA graphile_worker TO radha_app;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA graphile_worker TO radha_app;
        GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA graphile_worker TO radha_app;
        REVOKE INSERT, UPDATE, DELETE ON graphile_worker.migrations FROM radha_app;
        -- graphile-worker keeps its private tables under row-level security (only the owner
        -- passes); the application role gets a policy of its own on each.
        FOR t IN SELECT c.relname AS table_name FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'graphile_worker' AND c.relkind = 'r' AND c.relrowsecurity LOOP
          IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'graphile_worker'
                         AND tablename = t.table_name AND policyname = 'radha_app_all') THEN
            EXECUTE format('CREATE POLICY radha_app_all ON graphile_worker.%I TO radha_app USING (true) WITH CHECK (true)',
                           t.table_name);
          END IF;
        END LOOP;
      END IF;
      FOR t IN SELECT a.table_name FROM db_append_only_tables a
               JOIN pg_tables p ON p.schemaname = 'public' AND p.tablename = a.table_name LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON public.%I FROM radha_app', t.table_name);
      END LOOP;
      -- What only migrations change.
      REVOKE INSERT, UPDATE, DELETE ON db_append_only_tables FROM radha_app;
      IF to_regclass('public.kysely_migration') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE ON kysely_migration, kysely_migration_lock FROM radha_app;
      END IF;
    END $fn$;
    REVOKE ALL ON FUNCTION db_apply_app_grants() FROM PUBLIC;

    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO radha_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO radha_app;
    SELECT db_apply_app_grants();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM radha_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM radha_app;
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM radha_app;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM radha_app;
    REVOKE ALL ON SCHEMA public FROM radha_app;
    DROP FUNCTION IF EXISTS db_apply_app_grants();
    DROP TABLE IF EXISTS db_append_only_tables;
  `.execute(db);
}
