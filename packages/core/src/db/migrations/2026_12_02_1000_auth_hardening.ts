// Issue 10 hardening: service tokens get an owner, an expiry and the last caller's address;
// refresh tokens remember the hashes they replaced (reuse = theft); passwords can be forced to
// change and carry an optional TOTP second factor; security events go to a capped table.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE service_tokens
      ADD COLUMN owner_user_id uuid REFERENCES users(id),
      ADD COLUMN expires_at timestamptz,
      ADD COLUMN last_used_ip text;
    -- Tokens made before owners existed belong to whoever created them, when that was a person;
    -- the rest stay ownerless and are refused until re-created.
    UPDATE service_tokens t SET owner_user_id = u.id
      FROM users u WHERE lower(u.email) = lower(t.created_by);
    UPDATE service_tokens SET expires_at = greatest(now(), created_at) + interval '90 days';
    ALTER TABLE service_tokens ALTER COLUMN expires_at SET NOT NULL;
    CREATE INDEX service_tokens_owner_idx ON service_tokens (owner_user_id);

    CREATE TABLE refresh_token_history (
      token_hash text PRIMARY KEY,
      session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      rotated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX refresh_token_history_session_idx ON refresh_token_history (session_id);

    ALTER TABLE users
      ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
      ADD COLUMN password_changed_at timestamptz,
      ADD COLUMN totp_secret text,
      ADD COLUMN totp_pending_secret text,
      ADD COLUMN totp_enabled_at timestamptz,
      ADD COLUMN totp_last_step bigint;

    CREATE TABLE security_events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      occurred_at timestamptz NOT NULL DEFAULT now(),
      kind text NOT NULL
        CHECK (kind IN ('LOGIN_FAILED','LOCKOUT','FORBIDDEN','REFRESH_TOKEN_REUSE','MFA_FAILED','TOKEN_REFUSED')),
      actor_type text NOT NULL CHECK (actor_type IN ('USER','SERVICE','SYSTEM','ANONYMOUS')),
      actor_id text,
      actor_label text,
      ip text,
      request_id text,
      target text,
      detail text
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS security_events;
    DROP TABLE IF EXISTS refresh_token_history;
    ALTER TABLE users
      DROP COLUMN IF EXISTS must_change_password,
      DROP COLUMN IF EXISTS password_changed_at,
      DROP COLUMN IF EXISTS totp_secret,
      DROP COLUMN IF EXISTS totp_pending_secret,
      DROP COLUMN IF EXISTS totp_enabled_at,
      DROP COLUMN IF EXISTS totp_last_step;
    ALTER TABLE service_tokens
      DROP COLUMN IF EXISTS owner_user_id,
      DROP COLUMN IF EXISTS expires_at,
      DROP COLUMN IF EXISTS last_used_ip;
  `.execute(db);
}
