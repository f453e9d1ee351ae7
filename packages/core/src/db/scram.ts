// SCRAM-SHA-256 password verifiers (RFC 5802/7677, PostgreSQL's stored form). `ALTER ROLE …
// PASSWORD` is sent the verifier, never the password, so a statement log on the database server
// holds nothing that signs in; and a test can check which password a role's verifier accepts.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

const ITERATIONS = 4096;

function keys(password: string, salt: Buffer, iterations: number) {
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return { storedKey, serverKey };
}

/** `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`, as pg_authid.rolpassword holds it. */
export function scramVerifier(password: string): string {
  const salt = randomBytes(16);
  const { storedKey, serverKey } = keys(password, salt, ITERATIONS);
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** Whether `password` is the one `verifier` was made from. */
export function scramVerifierAccepts(verifier: string, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!m) return false;
  const { storedKey } = keys(password, Buffer.from(m[2] ?? "", "base64"), Number(m[1]));
  const expected = Buffer.from(m[3] ?? "", "base64");
  return expected.length === storedKey.length && timingSafeEqual(expected, storedKey);
}

/** A new database password: 32 random bytes, URL-safe (no escaping in a connection URL). */
export function newDatabasePassword(): string {
  return randomBytes(32).toString("base64url");
}
