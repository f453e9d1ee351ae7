// Webhook signing secrets valid right now: the ones from the environment (valid from start)
// plus rolling ones stored in webhook_secrets until they expire. Secrets never leave this module
// except to the signature check.
import type { DbOrTrx } from "../db/database";
import { selectLiveSecrets } from "./webhooks.queries";
import type { TProvider } from "./webhooks.schema";

export interface SecretSource {
  active(provider: TProvider): Promise<string[]>;
  /** Forget the cached list (after a rotation), so the next request reads the table. */
  invalidate(): void;
}

export function createSecretSource(
  db: DbOrTrx,
  fromEnv: Partial<Record<TProvider, string>>,
  cacheMs = 5_000,
): SecretSource {
  let cached: { at: number; rows: { provider: TProvider; secret: string }[] } | undefined;
  return {
    invalidate() {
      cached = undefined;
    },
    async active(provider) {
      if (!cached || Date.now() - cached.at > cacheMs) {
        const rows = await selectLiveSecrets(db, new Date());
        cached = { at: Date.now(), rows };
      }
      const env = fromEnv[provider];
      return [
        ...(env ? [env] : []),
        ...cached.rows.filter((r) => r.provider === provider).map((r) => r.secret),
      ];
    },
  };
}
