// Security SQL: staff users, sessions, service tokens and JWT signing keys.
import { type Insertable, type Selectable, sql, type Updateable } from "kysely";
import type {
  DbOrTrx,
  NewUser,
  ServiceTokensTable,
  SessionsTable,
  SigningKeysTable,
  Trx,
  UserRow,
  UsersTable,
} from "../db/database";
import { newestFirst, type NewestFirstPage } from "../pagination/keyset";

export type ServiceTokenRow = Selectable<ServiceTokensTable>;

/** Emails are unique case-insensitively; pass the address lower-cased. */
export async function findUserByEmail(db: DbOrTrx, lowerEmail: string): Promise<UserRow | undefined> {
  return db
    .selectFrom("users")
    .selectAll()
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", lowerEmail))
    .executeTakeFirst();
}

/** By email, after the (email, id) keyset of the page before. */
export async function selectStaffUsers(
  db: DbOrTrx,
  page: { limit: number; after: readonly [string, string] | null },
): Promise<UserRow[]> {
  const { after } = page;
  let q = db.selectFrom("users").selectAll().where("role", "!=", "CUSTOMER");
  if (after) q = q.where((eb) => eb(eb.refTuple("email", "id"), ">", eb.tuple(after[0], after[1])));
  return q.orderBy("email").orderBy("id").limit(page.limit).execute();
}

/** Locks every active admin in id order (the first lock of every user change). */
export async function lockActiveAdminIds(trx: Trx): Promise<string[]> {
  const rows = await trx
    .selectFrom("users")
    .select("id")
    .where("role", "=", "ADMIN")
    .where("status", "=", "ACTIVE")
    .orderBy("id")
    .forUpdate()
    .execute();
  return rows.map((r) => r.id);
}

export async function lockUser(trx: Trx, userId: string): Promise<UserRow | undefined> {
  return trx.selectFrom("users").selectAll().where("id", "=", userId).forUpdate().executeTakeFirst();
}

export async function insertUser(db: DbOrTrx, row: NewUser): Promise<UserRow> {
  return db.insertInto("users").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateUser(
  db: DbOrTrx,
  userId: string,
  changes: Updateable<UsersTable>,
): Promise<UserRow> {
  return db
    .updateTable("users")
    .set(changes)
    .where("id", "=", userId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertSession(db: DbOrTrx, row: Insertable<SessionsTable>): Promise<{ id: string }> {
  return db.insertInto("sessions").values(row).returning(["id"]).executeTakeFirstOrThrow();
}

export async function updateSession(
  db: DbOrTrx,
  sessionId: string,
  changes: Updateable<SessionsTable>,
): Promise<void> {
  await db.updateTable("sessions").set(changes).where("id", "=", sessionId).execute();
}

/** Revokes one session or all of a user's; returns how many were still live. */
export async function revokeSessions(
  db: DbOrTrx,
  which: { sessionId: string } | { userId: string },
  reason: string,
): Promise<number> {
  const res = await db
    .updateTable("sessions")
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where((eb) => ("sessionId" in which ? eb("id", "=", which.sessionId) : eb("userId", "=", which.userId)))
    .where("revokedAt", "is", null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** The session holding a refresh token, with its user; locks both rows. */
export async function lockSessionByRefreshHash(trx: Trx, refreshTokenHash: string) {
  return trx
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.userId")
    .select([
      "sessions.id as sessionId",
      "sessions.revokedAt",
      "sessions.expiresAt",
      "users.id as userId",
      "users.email",
      "users.name",
      "users.role",
      "users.status",
    ])
    .where("sessions.refreshTokenHash", "=", refreshTokenHash)
    .forUpdate()
    .executeTakeFirst();
}

/** What an access token's session and user look like now. */
export async function findSessionUser(db: DbOrTrx, sessionId: string, userId: string) {
  return db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.userId")
    .select([
      "sessions.revokedAt",
      "sessions.expiresAt",
      "users.id",
      "users.email",
      "users.name",
      "users.role",
      "users.status",
    ])
    .where("sessions.id", "=", sessionId)
    .where("users.id", "=", userId)
    .executeTakeFirst();
}

export async function findActiveServiceTokenByName(db: DbOrTrx, name: string) {
  return db
    .selectFrom("serviceTokens")
    .select("id")
    .where("name", "=", name)
    .where("revokedAt", "is", null)
    .executeTakeFirst();
}

/** An unrevoked service token with its owner as they are now (null columns when ownerless). */
export async function findActiveServiceTokenByHash(db: DbOrTrx, tokenHash: string) {
  return db
    .selectFrom("serviceTokens")
    .leftJoin("users as owner", "owner.id", "serviceTokens.ownerUserId")
    .select([
      "serviceTokens.id",
      "serviceTokens.name",
      "serviceTokens.role",
      "serviceTokens.lastUsedAt",
      "serviceTokens.lastUsedIp",
      "serviceTokens.expiresAt",
      "serviceTokens.ownerUserId",
      "owner.role as ownerRole",
      "owner.status as ownerStatus",
    ])
    .where("serviceTokens.tokenHash", "=", tokenHash)
    .where("serviceTokens.revokedAt", "is", null)
    .executeTakeFirst();
}

/** Newest first, by (createdAt, id). */
export async function selectServiceTokens(db: DbOrTrx, page: NewestFirstPage) {
  return newestFirst(
    db
      .selectFrom("serviceTokens")
      .leftJoin("users as owner", "owner.id", "serviceTokens.ownerUserId")
      .selectAll("serviceTokens")
      .select("owner.email as ownerEmail"),
    { time: "serviceTokens.createdAt", id: "serviceTokens.id" },
    page,
  ).execute();
}

export async function insertServiceToken(
  db: DbOrTrx,
  row: Insertable<ServiceTokensTable>,
): Promise<ServiceTokenRow> {
  return db.insertInto("serviceTokens").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function lockServiceToken(trx: Trx, tokenId: string): Promise<ServiceTokenRow | undefined> {
  return trx.selectFrom("serviceTokens").selectAll().where("id", "=", tokenId).forUpdate().executeTakeFirst();
}

export async function updateServiceToken(
  db: DbOrTrx,
  tokenId: string,
  changes: Updateable<ServiceTokensTable>,
): Promise<ServiceTokenRow> {
  return db
    .updateTable("serviceTokens")
    .set(changes)
    .where("id", "=", tokenId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findActiveSigningKid(db: DbOrTrx) {
  return db.selectFrom("signingKeys").select("kid").where("state", "=", "ACTIVE").executeTakeFirst();
}

/** Inserts an ACTIVE key unless one exists (a partial unique index allows one ACTIVE key). */
export async function insertActiveSigningKeyIfNone(
  db: DbOrTrx,
  row: Omit<Insertable<SigningKeysTable>, "state">,
): Promise<void> {
  await db
    .insertInto("signingKeys")
    .values({ ...row, state: "ACTIVE" })
    .onConflict((oc) =>
      oc
        .expression(sql`state`)
        .where("state", "=", "ACTIVE")
        .doNothing(),
    )
    .execute();
}

/** Keys that still verify tokens (every state but REVOKED). */
export async function selectUsableSigningKeys(db: DbOrTrx) {
  return db.selectFrom("signingKeys").selectAll().where("state", "!=", "REVOKED").execute();
}
