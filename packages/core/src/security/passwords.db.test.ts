// Issue 10 finding 4: the password policy, change and reset (every session revoked), the
// production hash cost and the re-hash at sign-in, the bootstrap admin's password, TOTP.
import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAuditEvents, type Actor } from "../audit/audit.service";
import {
  createTestDatabase,
  createUser,
  TEST_PASSWORD,
  TEST_SCRYPT_LOG_N,
  TEST_MASTER_KEY,
  createTestAuthService,
  type TestDatabase,
} from "../testing/index";
import type { AuthService } from "./auth.service";
import {
  beginTotpEnrolment,
  changeOwnPassword,
  confirmTotpEnrolment,
  resetUserPassword,
} from "./credentials.service";
import { ensureSigningKeys } from "./keys.service";
import {
  hashPassword,
  needsRehash,
  PRODUCTION_SCRYPT_LOG_N,
  setPasswordHashCost,
  verifyPassword,
} from "./passwords";
import { passwordProblem } from "./passwords-policy";
import { newTotpSecret } from "./totp";
import { isSealedTotp, sealStoredTotpSecrets } from "./totp-seal";
import { createStaffUser, ensureBootstrapAdmin } from "./users.service";

let t: TestDatabase;
let auth: AuthService;
let mfaAuth: AuthService;
beforeAll(async () => {
  t = await createTestDatabase();
  await ensureSigningKeys(t.db, TEST_MASTER_KEY);
  auth = createTestAuthService(t.db);
  mfaAuth = createTestAuthService(t.db, { requireAdminMfa: true });
});
afterAll(() => t.drop());

const actorOf = (u: { id: string; email: string }): Actor => ({ type: "USER", id: u.id, label: u.email });
const STRONG = "violet tractor ponders 48 umbrellas";
const hashOf = async (userId: string) =>
  (await t.db.selectFrom("users").select("passwordHash").where("id", "=", userId).executeTakeFirstOrThrow())
    .passwordHash ?? "";

describe("password policy", () => {
  it("refuses short, blank, common and repetitive passwords and accepts a passphrase", async () => {
    for (const weak of ["a", "            ", "password1234", "aaaaaaaaaaaa", "qwertyuiop12", "Password2026"])
      expect(await passwordProblem(weak), JSON.stringify(weak)).not.toBeNull();
    expect(await passwordProblem("ops.admin@radha.test", ["ops.admin@radha.test"])).not.toBeNull();
    expect(await passwordProblem(STRONG)).toBeNull();
  });

  it("holds for new users", async () => {
    const admin = await createUser(t.db, { role: "ADMIN" });
    await expect(
      createStaffUser(t.db, actorOf(admin), {
        email: "weak@example.test",
        name: "Weak",
        role: "VIEWER",
        password: "password1234",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("password:") });
  });

  it("refuses a weak OPS_ADMIN_PASSWORD, and a new one ends the old sessions", async () => {
    await expect(ensureBootstrapAdmin(t.db, "boot@example.test", "a")).rejects.toMatchObject({
      message: expect.stringContaining("OPS_ADMIN_PASSWORD"),
    });
    await expect(ensureBootstrapAdmin(t.db, "boot@example.test", "aaaaaaaaaaaa")).rejects.toThrow();
    expect(await ensureBootstrapAdmin(t.db, "boot@example.test", STRONG)).toBe("created");
    const session = await auth.login({ email: "boot@example.test", password: STRONG }, {});
    expect(await ensureBootstrapAdmin(t.db, "boot@example.test", `${STRONG} again`)).toBe("updated");
    await expect(auth.authenticate(session.accessToken)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });
});

describe("hash cost", () => {
  // Three production-cost hashes (128 MiB each): ~1 s on an idle machine, far more on a busy one.
  it(
    "hashes at scrypt N = 2^17 in production and re-hashes a cheaper hash at the next sign-in",
    { timeout: 180_000 },
    async () => {
      expect(PRODUCTION_SCRYPT_LOG_N).toBeGreaterThanOrEqual(17);
      const user = await createUser(t.db, { role: "VIEWER" });
      expect((await hashOf(user.id)).split("$")[1]).toBe(String(2 ** TEST_SCRYPT_LOG_N));
      setPasswordHashCost(PRODUCTION_SCRYPT_LOG_N);
      try {
        const fresh = await hashPassword(STRONG);
        expect(fresh.split("$").slice(0, 4)).toEqual(["scrypt", String(2 ** 17), "8", "1"]);
        expect(needsRehash(await hashOf(user.id))).toBe(true);
        await auth.login({ email: user.email, password: TEST_PASSWORD }, {});
        const rehashed = await hashOf(user.id);
        expect(rehashed.split("$")[1]).toBe(String(2 ** 17));
        expect(await verifyPassword(TEST_PASSWORD, rehashed)).toBe(true);
      } finally {
        setPasswordHashCost(TEST_SCRYPT_LOG_N);
      }
    },
  );
});

describe("change and reset", () => {
  it("changing your own password checks the current one and the policy, and ends every session", async () => {
    const user = await createUser(t.db, { role: "OPERATOR" });
    const a = await auth.login({ email: user.email, password: TEST_PASSWORD }, {});
    const b = await auth.login({ email: user.email, password: TEST_PASSWORD }, {});
    const person = { userId: user.id, email: user.email };
    await expect(
      changeOwnPassword(t.db, person, actorOf(user), {
        currentPassword: "wrong password!",
        newPassword: STRONG,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("currentPassword") });
    await expect(
      changeOwnPassword(t.db, person, actorOf(user), {
        currentPassword: TEST_PASSWORD,
        newPassword: "password1234",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("newPassword") });
    const result = await changeOwnPassword(t.db, person, actorOf(user), {
      currentPassword: TEST_PASSWORD,
      newPassword: STRONG,
    });
    expect(result.sessionsRevoked).toBe(2);
    for (const s of [a, b]) await expect(auth.authenticate(s.accessToken)).rejects.toThrow();
    await expect(auth.login({ email: user.email, password: TEST_PASSWORD }, {})).rejects.toThrow();
    await expect(auth.login({ email: user.email, password: STRONG }, {})).resolves.toBeTruthy();
    const audit = await listAuditEvents(t.db, { action: "auth.password_change", targetId: user.id });
    expect(JSON.stringify(audit)).not.toContain(STRONG);
  });

  it("an admin reset ends every session and forces a new password at the next sign-in", async () => {
    const admin = await createUser(t.db, { role: "ADMIN" });
    const user = await createUser(t.db, { role: "VIEWER" });
    const live = await auth.login({ email: user.email, password: TEST_PASSWORD }, {});
    const { temporaryPassword, user: after } = await resetUserPassword(t.db, actorOf(admin), {
      userId: user.id,
      reason: "forgot it",
    });
    expect(after.mustChangePassword).toBe(true);
    await expect(auth.authenticate(live.accessToken)).rejects.toThrow();
    await expect(auth.login({ email: user.email, password: temporaryPassword }, {})).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      details: { signInStep: "PASSWORD_CHANGE_REQUIRED" },
    });
    await expect(
      auth.login({ email: user.email, password: temporaryPassword, newPassword: "aaaaaaaaaaaa" }, {}),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const signedIn = await auth.login(
      { email: user.email, password: temporaryPassword, newPassword: STRONG },
      {},
    );
    await expect(auth.authenticate(signedIn.accessToken)).resolves.toMatchObject({ userId: user.id });
    await expect(auth.login({ email: user.email, password: STRONG }, {})).resolves.toBeTruthy();
    const audit = await listAuditEvents(t.db, { action: "users.reset_password", targetId: user.id });
    expect(audit.items[0]).toMatchObject({ reason: "forgot it" });
    expect(JSON.stringify(audit)).not.toContain(temporaryPassword);
  });
});

describe("TOTP for admins", () => {
  it("an enrolled admin needs a fresh code; a code is accepted once", async () => {
    const admin = await createUser(t.db, { role: "ADMIN" });
    const person = { userId: admin.id, email: admin.email };
    const { secret, otpauthUrl } = await beginTotpEnrolment(t.db, TEST_MASTER_KEY, person);
    expect(otpauthUrl).toContain("otpauth://totp/");
    await expect(
      confirmTotpEnrolment(t.db, TEST_MASTER_KEY, person, actorOf(admin), { code: "000000" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await confirmTotpEnrolment(t.db, TEST_MASTER_KEY, person, actorOf(admin), {
      code: generateSync({ secret }),
    });
    await expect(auth.login({ email: admin.email, password: TEST_PASSWORD }, {})).rejects.toMatchObject({
      details: { signInStep: "TOTP_REQUIRED" },
    });
    // The code confirmed enrolment: the same step cannot sign in again.
    await expect(
      auth.login({ email: admin.email, password: TEST_PASSWORD, totpCode: generateSync({ secret }) }, {}),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const next = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    await expect(
      auth.login({ email: admin.email, password: TEST_PASSWORD, totpCode: next }, {}),
    ).resolves.toBeTruthy();
  });

  it("with OPS_REQUIRE_ADMIN_MFA an admin enrols at sign-in; other roles are unaffected", async () => {
    const viewer = await createUser(t.db, { role: "VIEWER" });
    await expect(mfaAuth.login({ email: viewer.email, password: TEST_PASSWORD }, {})).resolves.toBeTruthy();
    const admin = await createUser(t.db, { role: "ADMIN" });
    const step = await mfaAuth
      .login({ email: admin.email, password: TEST_PASSWORD }, {})
      .catch((e: unknown) => e);
    expect(step).toMatchObject({
      code: "PRECONDITION_FAILED",
      details: { signInStep: "TOTP_ENROLMENT_REQUIRED" },
    });
    const secret = (step as { details: { totpSecret: string } }).details.totpSecret;
    const tokens = await mfaAuth.login(
      { email: admin.email, password: TEST_PASSWORD, totpCode: generateSync({ secret }) },
      {},
    );
    await expect(mfaAuth.authenticate(tokens.accessToken)).resolves.toMatchObject({ role: "ADMIN" });
    const row = await t.db
      .selectFrom("users")
      .select(["totpSecret"])
      .where("id", "=", admin.id)
      .executeTakeFirstOrThrow();
    // Sealed at rest with the master key: the dump alone cannot mint codes.
    expect(row.totpSecret).not.toContain(secret);
    expect(isSealedTotp(row.totpSecret ?? "")).toBe(true);
  });

  it("a plain secret from before sealing still signs in, and start-up seals it once", async () => {
    const admin = await createUser(t.db, { role: "ADMIN" });
    const secret = newTotpSecret();
    await t.db
      .updateTable("users")
      .set({ totpSecret: secret, totpEnabledAt: new Date() })
      .where("id", "=", admin.id)
      .execute();
    await expect(
      auth.login({ email: admin.email, password: TEST_PASSWORD, totpCode: generateSync({ secret }) }, {}),
    ).resolves.toBeTruthy();
    expect(await sealStoredTotpSecrets(t.db, TEST_MASTER_KEY)).toBeGreaterThanOrEqual(1);
    expect(await sealStoredTotpSecrets(t.db, TEST_MASTER_KEY)).toBe(0);
    const stored = await t.db
      .selectFrom("users")
      .select("totpSecret")
      .where("id", "=", admin.id)
      .executeTakeFirstOrThrow();
    expect(isSealedTotp(stored.totpSecret ?? "")).toBe(true);
    // Still the same secret: the next step's code signs in.
    const next = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    await expect(
      auth.login({ email: admin.email, password: TEST_PASSWORD, totpCode: next }, {}),
    ).resolves.toBeTruthy();
  });
});
