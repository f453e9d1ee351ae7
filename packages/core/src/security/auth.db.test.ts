import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryStore } from "../shared-store/memory-store";
import { createTestDatabase, createUser, TEST_PASSWORD, type TestDatabase } from "../testing/index";
import { listAuditEvents } from "../audit/audit.service";
import { createAuthService, type AuthService } from "./auth.service";
import { TEST_MASTER_KEY } from "../testing/index";
import { Keyring } from "./keyring";
import { ensureSigningKeys } from "./keys.service";
import { changeUserRole, restoreUser, suspendUser } from "./users.service";
import { createServiceToken, revokeServiceToken } from "./service-tokens.service";
import { SYSTEM_ACTOR } from "../audit/audit.service";

let t: TestDatabase;
let auth: AuthService;
const config = {
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 3600,
  loginMaxPerAccount: 3,
  loginMaxPerIp: 100,
  loginWindowSeconds: 60,
};

beforeAll(async () => {
  t = await createTestDatabase();
  await ensureSigningKeys(t.db, TEST_MASTER_KEY);
  auth = createAuthService({
    db: t.db,
    keyring: new Keyring(t.db, TEST_MASTER_KEY),
    store: createMemoryStore(),
    config,
  });
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

  it("refuses a wrong password with one message for unknown and known emails, and audits both", async () => {
    const user = await createUser(t.db);
    await expect(
      auth.login({ email: user.email, password: "wrong" }, { ip: "10.0.0.2" }),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "Wrong email or password." });
    await expect(
      auth.login({ email: "nobody@example.test", password: "wrong" }, { ip: "10.0.0.2" }),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "Wrong email or password." });
    const failures = await listAuditEvents(t.db, { action: "auth.login_failed" });
    expect(failures.items.map((f) => f.actorLabel)).toEqual(
      expect.arrayContaining([user.email, "nobody@example.test"]),
    );
    expect(JSON.stringify(failures)).not.toContain('wrong"');
  });

  it("rate-limits repeated attempts on one account", async () => {
    const user = await createUser(t.db);
    for (let i = 0; i < 3; i++)
      await expect(
        auth.login({ email: user.email, password: "nope" }, { ip: `10.1.0.${i}` }),
      ).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    // Even the right password is refused once the window is used up.
    await expect(
      auth.login({ email: user.email, password: TEST_PASSWORD }, { ip: "10.1.0.9" }),
    ).rejects.toMatchObject({ code: "RATE_LIMITED" });
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
  it("rotates refresh tokens: the old one stops working", async () => {
    const user = await createUser(t.db);
    const first = await auth.login({ email: user.email, password: TEST_PASSWORD }, {});
    const second = await auth.refresh(first.refreshToken, {});
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await expect(auth.refresh(first.refreshToken, {})).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(auth.authenticate(second.accessToken)).resolves.toMatchObject({ userId: user.id });
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
    const { token, info } = await createServiceToken(t.db, SYSTEM_ACTOR, {
      name: "billing-svc",
      role: "OPERATOR",
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
