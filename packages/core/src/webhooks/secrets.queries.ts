// Webhook-secret SQL (receiver side): the rolling secrets, their states and last use.
import type { Insertable, Selectable, Updateable } from "kysely";
import type { DbOrTrx, Trx, WebhookSecretsTable } from "../db/database";
import { newestFirst, type NewestFirstPage } from "../pagination/keyset";
import type { TProvider } from "./webhooks.schema";

export type WebhookSecretRow = Selectable<WebhookSecretsTable>;

/** Secrets neither revoked nor expired at `now` (expired ones are filtered again at use). */
export async function selectLiveStoredSecrets(db: DbOrTrx, now: Date) {
  return db
    .selectFrom("webhookSecrets")
    .select(["id", "provider", "secret", "secretSealed", "expiresAt"])
    .where("revokedAt", "is", null)
    .where((eb) => eb.or([eb("expiresAt", "is", null), eb("expiresAt", ">", now)]))
    .orderBy("createdAt", "desc")
    .execute();
}

export async function selectWebhookSecretsPage(db: DbOrTrx, page: NewestFirstPage) {
  return newestFirst(
    db.selectFrom("webhookSecrets").selectAll(),
    { time: "createdAt", id: "id" },
    page,
  ).execute();
}

/** The provider's live secrets, locked in id order (an add shortens their lives). */
export async function lockLiveSecretsOf(
  trx: Trx,
  provider: TProvider,
  now: Date,
): Promise<WebhookSecretRow[]> {
  return trx
    .selectFrom("webhookSecrets")
    .selectAll()
    .where("provider", "=", provider)
    .where("revokedAt", "is", null)
    .where((eb) => eb.or([eb("expiresAt", "is", null), eb("expiresAt", ">", now)]))
    .orderBy("id")
    .forUpdate()
    .execute();
}

export async function lockWebhookSecret(trx: Trx, id: string): Promise<WebhookSecretRow | undefined> {
  return trx.selectFrom("webhookSecrets").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function insertWebhookSecret(
  db: DbOrTrx,
  row: Insertable<WebhookSecretsTable>,
): Promise<WebhookSecretRow> {
  return db.insertInto("webhookSecrets").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateWebhookSecret(
  db: DbOrTrx,
  id: string,
  changes: Updateable<WebhookSecretsTable>,
): Promise<WebhookSecretRow> {
  return db
    .updateTable("webhookSecrets")
    .set(changes)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function touchSecretsVerified(db: DbOrTrx, ids: readonly string[], at: Date): Promise<void> {
  if (!ids.length) return;
  await db
    .updateTable("webhookSecrets")
    .set({ lastVerifiedAt: at })
    .where("id", "in", ids)
    .where((eb) => eb.or([eb("lastVerifiedAt", "is", null), eb("lastVerifiedAt", "<", at)]))
    .execute();
}

/** Rows stored before secrets were sealed (plain text). */
export async function selectUnsealedWebhookSecrets(db: DbOrTrx) {
  return db
    .selectFrom("webhookSecrets")
    .select(["id", "secret"])
    .where("secretSealed", "is", null)
    .where("secret", "is not", null)
    .execute();
}

/** When each environment secret last verified a delivery (stored deliveries say which). */
export async function selectEnvironmentLastVerified(db: DbOrTrx) {
  return db
    .selectFrom("webhookEvents")
    .select(["provider", (eb) => eb.fn.max("receivedAt").as("lastVerifiedAt")])
    .where("verifiedWith", "=", "ENVIRONMENT")
    .groupBy("provider")
    .execute();
}
