// Test factories: rows a test needs, with overridable defaults.
import { randomBytes } from "node:crypto";
import type { Db, Role } from "../db/database";
import { hashPassword, setPasswordHashCost } from "../security/passwords";

/**
 * Tests hash at scrypt N = 2^12 (a production hash takes ~0.3 s); passwords.db.test.ts restores
 * the production cost to prove it and the re-hash at sign-in.
 */
export const TEST_SCRYPT_LOG_N = 12;
setPasswordHashCost(TEST_SCRYPT_LOG_N);

export const TEST_PASSWORD = "correct horse battery staple";
let cachedHash: Promise<string> | undefined;

export async function createUser(
  db: Db,
  overrides: { email?: string; role?: Role; name?: string; status?: "ACTIVE" | "SUSPENDED" } = {},
) {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  return db
    .insertInto("users")
    .values({
      email: overrides.email ?? `user-${randomBytes(4).toString("hex")}@example.test`,
      name: overrides.name ?? "Test User",
      role: overrides.role ?? "OPERATOR",
      status: overrides.status ?? "ACTIVE",
      passwordHash: await cachedHash,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
