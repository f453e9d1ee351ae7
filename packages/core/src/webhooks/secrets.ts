// Webhook signing secrets valid right now: the ones from the environment (valid from start)
// plus rolling ones stored (sealed) in webhook_secrets until they expire or are revoked. Secrets
// never leave this module except to the signature check. A change announced on the shared store
// makes every instance re-read the table at once.
import type { DbOrTrx } from "../db/database";
import { type MasterKey, openSecret } from "../security/master-key";
import type { SharedStore } from "../shared-store/index";
import { selectLiveStoredSecrets, touchSecretsVerified } from "./secrets.queries";
import type { TProvider } from "./webhooks.schema";

export const WEBHOOK_SECRETS_CHANNEL = "webhook-secrets";

export const webhookSecretContext = (id: string) => `webhook_secret:${id}`;

export interface LiveSecret {
  /** null: the secret from the environment. */
  id: string | null;
  secret: string;
}

export interface SecretSource {
  /** Environment secret first, then stored ones newest first. */
  active(provider: TProvider): Promise<LiveSecret[]>;
  /** Notes that a stored secret verified a delivery (written at most every few seconds). */
  markVerified(id: string): void;
  /** Forget the cached list (after a rotation), so the next request reads the table. */
  invalidate(): void;
  /** Re-reads whenever any instance announces a change. */
  listen(store: SharedStore): Promise<() => Promise<void>>;
  /** Writes pending "last verified" times. */
  flush(): Promise<void>;
}

interface CachedSecret {
  id: string;
  provider: TProvider;
  secret: string;
  expiresAt: Date | null;
}

export function createSecretSource(
  db: DbOrTrx,
  fromEnv: Partial<Record<TProvider, string>>,
  masterKey: MasterKey,
  cacheMs = 5_000,
): SecretSource {
  let cached: { at: number; rows: CachedSecret[] } | undefined;
  const verified = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;

  async function flush(): Promise<void> {
    flushTimer = undefined;
    const ids = [...verified];
    verified.clear();
    await touchSecretsVerified(db, ids, new Date()).catch(() => undefined);
  }

  return {
    invalidate() {
      cached = undefined;
    },
    async listen(store) {
      return store.subscribe(WEBHOOK_SECRETS_CHANNEL, () => {
        cached = undefined;
      });
    },
    markVerified(id) {
      verified.add(id);
      flushTimer ??= setTimeout(() => void flush(), 2_000);
      flushTimer.unref();
    },
    flush,
    async active(provider) {
      if (!cached || Date.now() - cached.at > cacheMs) {
        const rows = await selectLiveStoredSecrets(db, new Date());
        cached = {
          at: Date.now(),
          rows: rows.map((r) => ({
            id: r.id,
            provider: r.provider,
            secret: r.secretSealed
              ? openSecret(masterKey, r.secretSealed, webhookSecretContext(r.id))
              : (r.secret ?? ""),
            expiresAt: r.expiresAt,
          })),
        };
      }
      const now = Date.now();
      const env = fromEnv[provider];
      return [
        ...(env ? [{ id: null, secret: env }] : []),
        // Expiry is checked at use, so an overlap ends on time whatever the cache's age.
        ...cached.rows
          .filter((r) => r.provider === provider && r.secret && (!r.expiresAt || r.expiresAt.getTime() > now))
          .map((r) => ({ id: r.id, secret: r.secret })),
      ];
    },
  };
}
