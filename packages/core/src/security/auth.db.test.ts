import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, createUser, TEST_PASSWORD, type TestDatabase } from "../testing/index";
import { listAuditEvents } from "../audit/audit.service";
import type { AuthService } from "./auth.service";
import { createTestAuthService, TEST_MASTER_KEY } from "../testing/index";
import { ensureSigningKeys } from "./keys.service";
import { changeUserRole, restoreUser, suspendUser } from "./users.service";
import { createServiceToken, revokeServiceToken } from "./service-tokens.service";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { listSecurityEvents } from "./security-events.service";

let t: TestDatabase;
let auth: AuthService;
beforeAll(async () => {
  t = await createTestDatabase();
  await ensureSigningKeys(t.db, TEST_MASTER_KEY);
  // A low pair limit: the lockout tests reach it in three tries.
  auth = createTestAuthService(t.db, { loginMaxPerAccountIp: 3, loginMaxPerAccount: 50 });
});
afterAll(() => t.drop());

describe("staff sign-in", () => {
  it("signs in with the right password and the token authenticates", async () => {
    const user = await createUser(t.db, { role: "OPERATOR" });
    const tokens = await auth.login(
      { email: user.email.toUpperCase(), password: TEST_PASSWORD },
      { ip: "10.0.0.1", requestId: "r1" },
    );
    const principal = await auth.authenticate(tokens.accessToken);
    expect(principal).toMatchObject({ kind: "user", userId: user.id, role: "OPERATOR" });
    const {
      items: [event],
    } = await listAuditEvents(t.db, { action: "auth.login", actorId: user.id });
    expect(event).toMatchObject({ actorType: "USER", requestId: "r1", ip: "10.0.0.1" });
  });

  it("refuses a wrong password with one message for unknown and known emails, as capped security events", async () => {
    const user = await createUser(t.db);
    await expect(
      auth.login({ email: user.email, password: "wrong" }, { ip: "10.0.0.2" }),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "Wrong email or password." });
    await expect(
      auth.login({ email: "nobody@example.test", password: "wrong" }, { ip: "10.0.0.2" }),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "Wrong email or password." });
    const failures = await listSecurityEvents(t.db, { kind: "LOGIN_FAILED" });
    expect(failures.items.map((f) => f.actorLabel)).toEqual(
      expect.arrayContaining([user.email, "nobody@example.test"]),
    );
    expect(JSON.stringify(failures)).not.toContain('wrong"');
    // Anonymous failures no longer grow the append-only audit log.
    expect((await listAuditEvents(t.db, { action: "auth.login_failed" })).items).toEqual([]);
  });

  it("rate-limits failures per account and address; the owner elsewhere still signs in", async () => {
    const user = await createUser(t.db);
    for (let i = 0; i < 3; i++)
      await expect(
        auth.login({ email: user.email, password: "nope" }, { ip: "10.1.0.1" }),
      ).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    // Even the right password is refused from that address once its failures are used up…
    await expect(
      auth.login({ email: user.email, password: TEST_PASSWORD }, { ip: "10.1.0.1" }),
    ).rejects.toMatchObject({ code: "RATE_LIMITED" });
    // …but the owner at another address is not locked out by someone else's guesses.
    await expect(
      auth.login({ email: user.email, password: TEST_PASSWORD }, { ip: "10.1.0.9" }),
    ).resolves.toMatchObject({ user: { id: user.id } });
    const lockouts = await listSecurityEvents(t.db, { kind: "LOCKOUT" });
    expect(lockouts.items.map((e) => [e.target, e.ip])).toContainEqual([user.email, "10.1.0.1"]);
  });

  it("counts only failures: many successful sign-ins never lock anyone out", async () => {
    const user = await createUser(t.db);
    for (let i = 0; i < 5; i++)
      await auth.login({ email: user.email, password: TEST_PASSWORD }, { ip: "10.2.0.1" });
    await expect(
      auth.login({ email: user.email, password: TEST_PASSWORD }, { ip: "10.2.0.1" }),
    ).resolves.toMatchObject({ user: { id: user.id } });
  });

  it("refuses customers and suspended staff", async () => {
    const customer = await createUser(t.db, { role: "CUSTOMER" });
    await expect(auth.login({ email: customer.email, password: TEST_PASSWORD }, {})).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const suspended = await createUser(t.db, { status: "SUSPENDED" });
    await expect(auth.login({ email: suspended.email, password: TEST_PASSWORD }, {})).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});

describe("sessions", () => {
  it("rotates refresh tokens: the old one stops working, and its reuse ends the whole family", async () => {
    const user = await createUser(t.db);
    const first = await auth.login({ email: user.email, password: TEST_PASSWORD }, {});
    const second = await auth.refresh(first.refreshToken, {});
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await expect(auth.authenticate(second.accessToken)).resolves.toMatchObject({ userId: user.id });
    // Replaying R1 after R1 → R2: two parties hold the family; R2 and its access token die too.
    await expect(auth.refresh(first.refreshToken, { ip: "203.0.113.7" })).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await expect(auth.refresh(second.refreshToken, {})).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(auth.authenticate(second.accessToken)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(auth.authenticate(first.accessToken)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const audit = await listAuditEvents(t.db, { action: "auth.refresh_reuse" });
    expect(audit.items[0]).toMatchObject({
      actorLabel: user.email,
      ip: "203.0.113.7",
      targetType: "session",
    });
    const events = await listSecurityEvents(t.db, { kind: "REFRESH_TOKEN_REUSE" });
    expect(events.items[0]).toMatchObject({ actorLabel: user.email, ip: "203.0.113.7" });
  });

  it("refuses an access token once its session has expired, not only once revoked", async () => {
    const user = await createUser(t.db);
    const tokens = await auth.login({ email: user.email, password: TEST_PASSWORD }, {});
    await expect(auth.authenticate(tokens.accessToken)).resolves.toMatchObject({ userId: user.id });
    await t.db
      .updateTable("sessions")
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where("userId", "=", user.id)
      .execute();
    await expect(auth.authenticate(tokens.accessToken)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      message: "This session has expired; sign in again.",
    });
  });

  it("refuses a revoked session on its next request", async () => {
    const user = await createUser(t.db);
    const tokens = await auth.login({ email: user.email, password: TEST_PASSWORD }, {});
    const principal = await auth.authenticate(tokens.accessToken);
    await auth.logout(principal, {});
    await expect(auth.authenticate(tokens.accessToken)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(auth.refresh(tokens.refreshToken, {})).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("refuses a suspended user's live token at once, and restores only on a new sign-in", async () => {
    const admin = await createUser(t.db, { role: "ADMIN" });
    const user = await createUser(t.db);
    const tokens = await auth.login({ email: user.email, password: TEST_PASSWORD }, {});
    await suspendUser(
      t.db,
      { type: "USER", id: admin.id, label: admin.email },
      { userId: user.id, reason: "left the company" },
    );
    await expect(auth.authenticate(tokens.accessToken)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await restoreUser(t.db, SYSTEM_ACTOR, { userId: user.id });
    // Suspension revoked the sessions; restoring does not bring them back.
    await expect(auth.authenticate(tokens.accessToken)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const {
      items: [event],
    } = await listAuditEvents(t.db, { action: "users.suspend", targetId: user.id });
    expect(event).toMatchObject({ reason: "left the company", actorId: admin.id });
  });

  it("applies a role change on the next request", async () => {
    const user = await createUser(t.db, { role: "OPERATOR" });
    const tokens = await auth.login({ email: user.email, password: TEST_PASSWORD }, {});
    await changeUserRole(t.db, SYSTEM_ACTOR, { userId: user.id, role: "VIEWER" });
    await expect(auth.authenticate(tokens.accessToken)).resolves.toMatchObject({ role: "VIEWER" });
  });

  it("rejects a token whose claims were tampered with", async () => {
    const tokens = await auth.login({ email: (await createUser(t.db)).email, password: TEST_PASSWORD }, {});
    const [h, p, s] = tokens.accessToken.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), role: "ADMIN" })).toString("base64url")}.${s}`;
    await expect(auth.authenticate(forged)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });
});

describe("admins", () => {
  it("never lets the last active admin be demoted or suspended, even by two admins at once", async () => {
    const db = await createTestDatabase();
    try {
      const a = await createUser(db.db, { role: "ADMIN" });
      const b = await createUser(db.db, { role: "ADMIN" });
      const results = await Promise.allSettled([
        changeUserRole(db.db, { type: "USER", id: b.id, label: "b" }, { userId: a.id, role: "VIEWER" }),
        changeUserRole(db.db, { type: "USER", id: a.id, label: "a" }, { userId: b.id, role: "VIEWER" }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(results.find((r) => r.status === "rejected")).toMatchObject({
        reason: { code: "PRECONDITION_FAILED" },
      });
      const admins = await db.db.selectFrom("users").select("id").where("role", "=", "ADMIN").execute();
      expect(admins).toHaveLength(1);
      await expect(
        suspendUser(db.db, SYSTEM_ACTOR, { userId: admins[0]!.id, reason: "testing" }),
      ).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    } finally {
      await db.drop();
    }
  });
});

describe("service tokens", () => {
  it("authenticates with its role until revoked", async () => {
    const owner = await createUser(t.db, { role: "OPERATOR" });
    const { token, info } = await createServiceToken(t.db, SYSTEM_ACTOR, {
      name: "billing-svc",
      role: "OPERATOR",
      ownerEmail: owner.email,
    });
    await expect(auth.authenticate(token)).resolves.toMatchObject({
      kind: "service",
      role: "OPERATOR",
      name: "billing-svc",
    });
    const stored = await t.db
      .selectFrom("serviceTokens")
      .select("tokenHash")
      .where("id", "=", info.id)
      .executeTakeFirstOrThrow();
    expect(stored.tokenHash).not.toContain(token.slice(4));
    await revokeServiceToken(t.db, SYSTEM_ACTOR, info.id);
    await expect(auth.authenticate(token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });
});
