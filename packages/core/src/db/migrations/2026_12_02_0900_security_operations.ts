// Security operations: signing keys get RETIRED and sealed private keys; rolling webhook secrets are
// sealed, fingerprinted and record when they last verified a delivery; each stored delivery
// records the secret that verified it; provider key-rotation checklists.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE signing_keys DROP CONSTRAINT IF EXISTS signing_keys_state_check;
    ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_state_check
      CHECK (state IN ('NEXT','ACTIVE','RETIRING','RETIRED','REVOKED'));
    ALTER TABLE signing_keys
      ALTER COLUMN private_jwk DROP NOT NULL,
      ADD COLUMN private_key_sealed text,
      ADD COLUMN retiring_at timestamptz,
      ADD COLUMN retire_after timestamptz,
      ADD COLUMN revoked_reason text;
    CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (state) WHERE state = 'NEXT';

    ALTER TABLE webhook_secrets
      ALTER COLUMN secret DROP NOT NULL,
      ADD COLUMN secret_sealed text,
      ADD COLUMN fingerprint text,
      ADD COLUMN created_by text,
      ADD COLUMN revoked_reason text,
      ADD COLUMN last_verified_at timestamptz;
    ALTER TABLE webhook_secrets ADD CONSTRAINT webhook_secrets_has_secret
      CHECK (secret IS NOT NULL OR secret_sealed IS NOT NULL);

    ALTER TABLE webhook_events
      ADD COLUMN verified_with text CHECK (verified_with IN ('ENVIRONMENT','STORED')),
      ADD COLUMN verified_secret_id uuid REFERENCES webhook_secrets(id);

    CREATE TABLE provider_key_rotations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      provider text NOT NULL CHECK (provider IN ('STRIPE','RAZORPAY')),
      status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN','COMPLETED','ABANDONED')),
      reason text NOT NULL,
      created_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
    CREATE UNIQUE INDEX provider_key_rotations_one_open ON provider_key_rotations (provider) WHERE status = 'OPEN';

    CREATE TABLE provider_key_rotation_steps (
      rotation_id uuid NOT NULL REFERENCES provider_key_rotations(id),
      step text NOT NULL CHECK (step IN ('CREATE_KEY','SET_KEY','CHECK_KEY','REVOKE_OLD_KEY')),
      done_by text NOT NULL,
      done_at timestamptz NOT NULL DEFAULT now(),
      note text,
      PRIMARY KEY (rotation_id, step)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS provider_key_rotation_steps, provider_key_rotations;
    ALTER TABLE webhook_events DROP COLUMN IF EXISTS verified_with, DROP COLUMN IF EXISTS verified_secret_id;
    ALTER TABLE webhook_secrets DROP CONSTRAINT IF EXISTS webhook_secrets_has_secret,
      DROP COLUMN IF EXISTS secret_sealed, DROP COLUMN IF EXISTS fingerprint, DROP COLUMN IF EXISTS created_by,
      DROP COLUMN IF EXISTS revoked_reason, DROP COLUMN IF EXISTS last_verified_at;
    DROP INDEX IF EXISTS signing_keys_one_next;
    ALTER TABLE signing_keys DROP COLUMN IF EXISTS private_key_sealed, DROP COLUMN IF EXISTS retiring_at,
      DROP COLUMN IF EXISTS retire_after, DROP COLUMN IF EXISTS revoked_reason;
  `.execute(db);
}
