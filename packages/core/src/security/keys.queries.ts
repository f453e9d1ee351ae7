// Signing-key SQL: the keyring's reads, rotation's locks and state changes.
import { type Insertable, type Selectable, sql, type Updateable } from "kysely";
import type { DbOrTrx, SigningKeysTable, Trx } from "../db/database";

export type SigningKeyRow = Selectable<SigningKeysTable>;

/** Every key, newest first (a keyring holds a handful). */
export async function selectSigningKeys(db: DbOrTrx): Promise<SigningKeyRow[]> {
  return db.selectFrom("signingKeys").selectAll().orderBy("createdAt", "desc").orderBy("kid").execute();
}

/** Keys that verify tokens and are published: NEXT, ACTIVE and RETIRING. */
export async function selectVerifyingSigningKeys(db: DbOrTrx): Promise<SigningKeyRow[]> {
  return db
    .selectFrom("signingKeys")
    .selectAll()
    .where("state", "in", ["NEXT", "ACTIVE", "RETIRING"])
    .orderBy("createdAt", "desc")
    .execute();
}

/** Locks the keys a rotation or revocation may change, in kid order (the one lock order). */
export async function lockLiveSigningKeys(trx: Trx): Promise<SigningKeyRow[]> {
  return trx
    .selectFrom("signingKeys")
    .selectAll()
    .where("state", "in", ["NEXT", "ACTIVE", "RETIRING"])
    .orderBy("kid")
    .forUpdate()
    .execute();
}

export async function lockSigningKey(trx: Trx, kid: string): Promise<SigningKeyRow | undefined> {
  return trx.selectFrom("signingKeys").selectAll().where("kid", "=", kid).forUpdate().executeTakeFirst();
}

export async function insertSigningKey(db: DbOrTrx, row: Insertable<SigningKeysTable>): Promise<void> {
  await db.insertInto("signingKeys").values(row).execute();
}

/** Inserts a key in `state` unless one holds it (partial unique indexes allow one ACTIVE, one NEXT). */
export async function insertSigningKeyIfStateFree(
  db: DbOrTrx,
  row: Insertable<SigningKeysTable> & { state: "ACTIVE" | "NEXT" },
): Promise<void> {
  await db
    .insertInto("signingKeys")
    .values(row)
    .onConflict((oc) =>
      oc
        .expression(sql`state`)
        .where("state", "=", row.state)
        .doNothing(),
    )
    .execute();
}

export async function updateSigningKey(
  db: DbOrTrx,
  kid: string,
  changes: Updateable<SigningKeysTable>,
): Promise<SigningKeyRow> {
  return db
    .updateTable("signingKeys")
    .set(changes)
    .where("kid", "=", kid)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Keys made before private keys were sealed. */
export async function selectUnsealedSigningKeys(db: DbOrTrx) {
  return db
    .selectFrom("signingKeys")
    .select(["kid", "privateJwk"])
    .where("privateKeySealed", "is", null)
    .where("privateJwk", "is not", null)
    .execute();
}

/** RETIRING keys whose last token has expired. */
export async function lockDueRetiringKeys(trx: Trx, now: Date): Promise<SigningKeyRow[]> {
  return trx
    .selectFrom("signingKeys")
    .selectAll()
    .where("state", "=", "RETIRING")
    .where("retireAfter", "<=", now)
    .orderBy("kid")
    .forUpdate()
    .execute();
}

/**
 * Ends the sessions that may hold a token signed in [from, to]: access tokens are issued at
 * sign-in (created_at) and at each refresh (last_used_at), so a session whose life overlaps the
 * window may hold one. Over-inclusive by design: an emergency revocation errs towards signing in.
 */
export async function revokeSessionsActiveBetween(
  db: DbOrTrx,
  from: Date,
  to: Date,
  reason: string,
): Promise<number> {
  const res = await db
    .updateTable("sessions")
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where("revokedAt", "is", null)
    .where("createdAt", "<=", to)
    .where("lastUsedAt", ">=", from)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
