// The embedded demo runs like production: migrations as the superuser that owns the schema, the
// server as a login role of the application role (no ownership, append-only tables stay so).
import { ensureAppLoginRole, withCredentials } from "@radha/core/db";
import type { Db } from "@radha/core/db";

/** Local only: the embedded cluster trusts 127.0.0.1, so this password guards nothing. */
export const LOCAL_APP_LOGIN = { user: "radha_app_local", password: "radha-app-local" } as const;

/** Creates the local application login (if missing) on a migrated database; returns its URL. */
export async function prepareLocalAppLogin(ownerDb: Db, ownerUrl: string): Promise<string> {
  await ensureAppLoginRole(ownerDb, LOCAL_APP_LOGIN.user, LOCAL_APP_LOGIN.password);
  return withCredentials(ownerUrl, LOCAL_APP_LOGIN.user, LOCAL_APP_LOGIN.password);
}
