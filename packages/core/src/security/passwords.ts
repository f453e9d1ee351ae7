// scrypt password hashes in a self-describing string: scrypt$N$r$p$salt$hash (base64url).
// The cost follows OWASP's scrypt guidance (N = 2^17, r = 8, p = 1: 128 MiB, ~0.3 s here); a
// stored hash with a lower cost is re-hashed at its owner's next sign-in.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );

/** log2 of scrypt's N in production. */
export const PRODUCTION_SCRYPT_LOG_N = 17;
const R = 8;
const P = 1;
const KEYLEN = 32;
/** scrypt needs 128·N·r bytes; allow twice that at the largest N we accept. */
const maxmemFor = (n: number) => 256 * n * R;

let currentLogN = PRODUCTION_SCRYPT_LOG_N;

/**
 * Sets the cost new hashes get. Only test harnesses lower it (a production-cost hash takes
 * ~0.3 s); `passwords.db.test.ts` proves the production cost and the re-hash on sign-in.
 */
export function setPasswordHashCost(logN: number): void {
  if (!Number.isInteger(logN) || logN < 10 || logN > 20) throw new Error("scrypt log2(N) must be 10..20");
  currentLogN = logN;
}

export function passwordHashCost(): number {
  return currentLogN;
}

export async function hashPassword(password: string, logN = currentLogN): Promise<string> {
  const N = 2 ** logN;
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: maxmemFor(N) });
  return ["scrypt", N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const N = Number(n);
  // A stored hash never chooses a cost beyond what we would write (no memory-exhaustion rows).
  if (!Number.isInteger(N) || N < 2 || N > 2 ** 20 || Number(r) > 32 || Number(p) > 16) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await scrypt(password, Buffer.from(salt, "base64url"), expected.length, {
    N,
    r: Number(r),
    p: Number(p),
    maxmem: maxmemFor(N) * Math.max(1, Number(r) / R),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** True when a stored hash was made with less than today's cost (re-hash it at sign-in). */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split("$");
  return scheme !== "scrypt" || Number(n) < 2 ** currentLogN || Number(r) !== R || Number(p) !== P;
}

const dummyHashes = new Map<number, Promise<string>>();

/** A hash of a random password: lets a failed login for an unknown email cost the same time. */
export function dummyHash(): Promise<string> {
  let h = dummyHashes.get(currentLogN);
  if (!h) {
    h = hashPassword(randomBytes(16).toString("hex"));
    dummyHashes.set(currentLogN, h);
  }
  return h;
}
