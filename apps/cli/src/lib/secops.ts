// What security commands need beyond the database: the master key (OPS_MASTER_KEY, or the embedded
// demo's key file when the CLI uses the embedded database), the shared store to announce changes
// to running servers, the environment's provider keys, and secrets read from stdin.
import { loadOrCreateDemoMasterKey } from "@radha/dev-db";
import { DomainError } from "@radha/core/errors";
import { parseMasterKey, type MasterKey } from "@radha/core/security";
import { createSharedStore, type SharedStore } from "@radha/core/shared-store";
import { loadEnv } from "../env";

export function cliMasterKey(): MasterKey {
  const env = loadEnv();
  if (env.OPS_MASTER_KEY) return parseMasterKey(env.OPS_MASTER_KEY);
  if (!env.DATABASE_URL && !env.DATABASE_URL_FILE)
    return parseMasterKey(loadOrCreateDemoMasterKey(env.OPS_DATA_DIR).key);
  throw new DomainError(
    "PRECONDITION_FAILED",
    "OPS_MASTER_KEY is not set: give the CLI the same master key as the server (32 random bytes in base64).",
  );
}

/** Runs `fn` with the shared store (Redis when REDIS_URL is set), closed afterwards. */
export async function withStore<T>(fn: (store: SharedStore | undefined) => Promise<T>): Promise<T> {
  const url = loadEnv().REDIS_URL;
  // Without Redis there is nobody to tell: servers re-read keys and secrets within seconds.
  if (!url) return fn(undefined);
  const store = createSharedStore(url);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function accessTokenTtlSeconds(): number {
  return loadEnv().OPS_ACCESS_TOKEN_TTL_SECONDS;
}

export function webhookSecretsFromEnv() {
  const env = loadEnv();
  return { STRIPE: env.STRIPE_WEBHOOK_SECRET, RAZORPAY: env.RAZORPAY_WEBHOOK_SECRET };
}

export function providerCheckConfig() {
  const env = loadEnv();
  return {
    stripeSecretKey: env.STRIPE_SECRET_KEY,
    razorpayKeyId: env.RAZORPAY_KEY_ID,
    razorpayKeySecret: env.RAZORPAY_KEY_SECRET,
    stripeApiBase: env.STRIPE_API_BASE,
    razorpayApiBase: env.RAZORPAY_API_BASE,
  };
}

/** All of stdin, trimmed of its final newline; refuses a terminal (the secret would be echoed). */
export async function readSecretFromStdin(what: string): Promise<string> {
  if (process.stdin.isTTY)
    throw new DomainError(
      "BAD_REQUEST",
      `pipe the ${what} on stdin (e.g. \`pbpaste | ops …\`); it is not read from a terminal`,
    );
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const value = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (!value) throw new DomainError("BAD_REQUEST", `no ${what} on stdin`);
  return value;
}
