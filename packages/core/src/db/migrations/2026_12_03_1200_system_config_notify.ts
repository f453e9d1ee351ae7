// Any change to system_config (flags) is announced with NOTIFY on the database itself, inside the
// writing transaction, so it is delivered on commit to every server's flag cache whoever wrote it:
// the API, the CLI with only DATABASE_URL, a restore, or a psql session. Frozen in time: never edit
// after it has shipped.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION notify_system_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('radha_system_config_changed', '');
      RETURN NULL;
    END $$;
  `.execute(db);
  await sql`
    CREATE TRIGGER system_config_changed
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON system_config
      FOR EACH STATEMENT EXECUTE FUNCTION notify_system_config_changed();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS system_config_changed ON system_config`.execute(db);
  await sql`DROP FUNCTION IF EXISTS notify_system_config_changed()`.execute(db);
}
