// Security test fixtures: a fixed master key (tests only: it is public), and a secret source
// holding fixed webhook secrets (as if from the environment).
import { parseMasterKey } from "../security/master-key";
import type { SecretSource } from "../webhooks/secrets";

export const TEST_MASTER_KEY_BASE64 = Buffer.alloc(32, 7).toString("base64");
export const TEST_MASTER_KEY = parseMasterKey(TEST_MASTER_KEY_BASE64);

export function fixedSecretSource(...secrets: string[]): SecretSource {
  return {
    active: () => Promise.resolve(secrets.map((secret) => ({ id: null, secret }))),
    markVerified: () => undefined,
    invalidate: () => undefined,
    listen: () => Promise.resolve(() => Promise.resolve()),
    flush: () => Promise.resolve(),
  };
}
