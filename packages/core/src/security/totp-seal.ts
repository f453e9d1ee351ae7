// TOTP secrets at rest (users.totp_secret and totp_pending_secret) are sealed with the master
// key like signing keys and webhook secrets: a database dump alone cannot mint codes. The user's
// id is the additional data (a sealed value copied onto another user does not open); both
// columns share it, so confirming enrolment moves the sealed value as it is.
//
// Plain values from before sealing are sealed at start-up (`sealStoredTotpSecrets`, called by
// the server's main before it serves); a plain value met on read (a row written by an older
// instance during a rolling deploy) still works and is sealed the next time the row is written.
import { sql } from "kysely";
import type { Db } from "../db/database";
import { type MasterKey, openSecret, sealSecret } from "./master-key";

const context = (userId: string) => `users.totp:${userId}`;

/** Sealed values start with the format version; base32 TOTP secrets never contain ':'. */
export const isSealedTotp = (stored: string) => stored.startsWith("v1:");

export function sealTotpSecret(key: MasterKey, userId: string, secret: string): string {
  return sealSecret(key, secret, context(userId));
}

/** The base32 secret from a stored value (sealed, or plain from before sealing). */
export function openTotpSecret(key: MasterKey, userId: string, stored: string): string {
  return isSealedTotp(stored) ? openSecret(key, stored, context(userId)) : stored;
}

/** A stored value in sealed form (already sealed: as it is). */
export function resealTotpSecret(key: MasterKey, userId: string, stored: string): string {
  return isSealedTotp(stored) ? stored : sealTotpSecret(key, userId, stored);
}

/** Seals every plain TOTP secret (start-up); returns how many rows changed. Idempotent. */
export async function sealStoredTotpSecrets(db: Db, key: MasterKey): Promise<number> {
  const rows = await db
    .selectFrom("users")
    .select(["id", "totpSecret", "totpPendingSecret"])
    .where((eb) =>
      eb.or([
        eb.and([eb("totpSecret", "is not", null), eb("totpSecret", "not like", "v1:%")]),
        eb.and([eb("totpPendingSecret", "is not", null), eb("totpPendingSecret", "not like", "v1:%")]),
      ]),
    )
    .execute();
  let changed = 0;
  for (const r of rows) {
    // Only a value still plain is replaced: a concurrent enrolment's new value is left alone.
    const result = await db
      .updateTable("users")
      .set({
        totpSecret: r.totpSecret === null ? null : resealTotpSecret(key, r.id, r.totpSecret),
        totpPendingSecret:
          r.totpPendingSecret === null ? null : resealTotpSecret(key, r.id, r.totpPendingSecret),
      })
      .where("id", "=", r.id)
      .where(sql<boolean>`totp_secret IS NOT DISTINCT FROM ${r.totpSecret}`)
      .where(sql<boolean>`totp_pending_secret IS NOT DISTINCT FROM ${r.totpPendingSecret}`)
      .executeTakeFirst();
    changed += Number(result.numUpdatedRows);
  }
  return changed;
}
