// Security operations through the API: key rotation with live sessions, key revocation, session
// revocation (one user, everyone), webhook secrets shown once and never again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../testing";

let s: TestApi;
beforeAll(async () => {
  s = await createTestApi();
});
afterAll(() => s.close());

const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as { kid?: string }).kid;

describe("signing keys", () => {
  it("a rotation keeps every session alive; new tokens carry the new kid; a RETIRED key verifies nothing", async () => {
    const admin = await s.signIn("ADMIN");
    const operator = await s.signIn("OPERATOR");
    const before = await admin.caller.security.keys();
    const active = before.find((k) => k.state === "ACTIVE");
    const next = before.find((k) => k.state === "NEXT");
    expect(active && next).toBeTruthy();
    expect(kidOf(operator.accessToken)).toBe(active?.kid);

    const rotated = await admin.caller.security.rotateKeys({ reason: "quarterly rotation" });
    expect(rotated).toMatchObject({ activated: next?.kid, retiring: active?.kid });
    s.deps.keyring.invalidate();

    // Tokens issued before the rotation keep working (RETIRING still verifies) …
    await expect(s.callerFor(operator.accessToken).auth.me()).resolves.toMatchObject({ role: "OPERATOR" });
    // … and a refresh (or a new sign-in) carries the new kid.
    const refreshed = await s.deps.auth.refresh(operator.refreshToken, {});
    expect(kidOf(refreshed.accessToken)).toBe(next?.kid);
    await expect(s.callerFor(refreshed.accessToken).auth.me()).resolves.toMatchObject({ role: "OPERATOR" });

    const after = await admin.caller.security.keys();
    expect(after.find((k) => k.kid === active?.kid)).toMatchObject({ state: "RETIRING" });
    expect(after.filter((k) => k.state === "NEXT")).toHaveLength(1);
    expect(after.find((k) => k.state === "NEXT")?.kid).toBe(rotated.next);
    const retiring = after.find((k) => k.kid === active?.kid);
    // Retires once the longest access token (900 s here) plus skew has passed.
    expect(Date.parse(retiring?.retireAfter ?? "") - Date.parse(retiring?.retiringAt ?? "")).toBe(960_000);

    // Time passes: the next rotation retires the key whose tokens have all expired.
    await s.database.db
      .updateTable("signingKeys")
      .set({ retireAfter: new Date(Date.now() - 1000) })
      .where("kid", "=", active?.kid ?? "")
      .execute();
    await admin.caller.security.rotateKeys({ reason: "second rotation" });
    s.deps.keyring.invalidate();
    const third = await admin.caller.security.keys();
    expect(third.find((k) => k.kid === active?.kid)).toMatchObject({ state: "RETIRED" });
    await expect(s.callerFor(operator.accessToken).auth.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // The session itself was never signed out: a refresh still works.
    await expect(s.deps.auth.refresh(refreshed.refreshToken, {})).resolves.toBeTruthy();

    const audit = await s.database.db
      .selectFrom("auditLog")
      .select(["action", "reason"])
      .where("action", "=", "keys.rotate")
      .execute();
    expect(audit.map((a) => a.reason)).toEqual(["quarterly rotation", "second rotation"]);
  });

  it("revoking a key refuses its tokens at once and ends the sessions that held them", async () => {
    const admin = await s.signIn("ADMIN");
    const viewer = await s.signIn("VIEWER");
    const kid = kidOf(viewer.accessToken) ?? "";
    const result = await admin.caller.security.revokeKey({ kid, reason: "key leaked in a log" });
    expect(result.key.state).toBe("REVOKED");
    expect(result.activated).not.toBeNull();
    expect(result.sessionsRevoked).toBeGreaterThanOrEqual(2);
    await expect(s.callerFor(viewer.accessToken).auth.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(s.deps.auth.refresh(viewer.refreshToken, {})).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    // Signing in again works, with the newly activated key.
    const again = await s.deps.auth.login(
      { email: viewer.email, password: "correct horse battery staple" },
      {},
    );
    expect(kidOf(again.accessToken)).toBe(result.activated);
    const jwks = await s.database.db.selectFrom("signingKeys").select(["kid", "state"]).execute();
    expect(jwks.find((k) => k.kid === kid)?.state).toBe("REVOKED");
  });

  it("private keys are stored sealed, never as plain JWK", async () => {
    const rows = await s.database.db
      .selectFrom("signingKeys")
      .select(["privateJwk", "privateKeySealed"])
      .execute();
    for (const r of rows) {
      expect(r.privateJwk).toBeNull();
      expect(r.privateKeySealed).toMatch(/^v1:/);
      expect(r.privateKeySealed).not.toContain('"d"');
    }
  });

  it("a revocation needs a reason", async () => {
    const admin = await s.signIn("ADMIN");
    await expect(admin.caller.security.revokeKey({ kid: "x", reason: "" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});

describe("sessions", () => {
  it("lists a user's sessions with IP and user agent, and revokes them", async () => {
    const admin = await s.signIn("ADMIN");
    const op = await s.signIn("OPERATOR");
    const page = await admin.caller.security.sessions({ userEmail: op.email });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ userEmail: op.email, ip: "127.0.0.1", revokedAt: null });
    await expect(
      admin.caller.security.revokeSessions({ userEmail: op.email, reason: "lost laptop" }),
    ).resolves.toEqual({ revoked: 1 });
    await expect(s.callerFor(op.accessToken).auth.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(s.callerFor(admin.accessToken).auth.me()).resolves.toBeTruthy();
  });

  it("--all signs everyone out, the caller included", async () => {
    const users = await Promise.all([s.signIn("ADMIN"), s.signIn("OPERATOR"), s.signIn("VIEWER")]);
    const { revoked } = await users[0].caller.security.revokeSessions({ all: true, reason: "incident 42" });
    expect(revoked).toBeGreaterThanOrEqual(3);
    // A caller is one request (it resolves its principal once): each check is a new request.
    for (const u of users)
      await expect(s.callerFor(u.accessToken).auth.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const live = await s.database.db
      .selectFrom("sessions")
      .select("id")
      .where("revokedAt", "is", null)
      .execute();
    expect(live).toHaveLength(0);
  });
});

describe("webhook secrets", () => {
  it("a generated Razorpay secret is returned once and appears nowhere afterwards", async () => {
    const admin = await s.signIn("ADMIN");
    const added = await admin.caller.security.addWebhookSecret({
      provider: "RAZORPAY",
      generate: true,
      reason: "first razorpay secret",
    });
    expect(added.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const secret = added.secret ?? "";
    const listed = await admin.caller.security.webhookSecrets({});
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(listed.items.find((i) => i.id === added.info.id)).toMatchObject({
      provider: "RAZORPAY",
      state: "ACTIVE",
      fingerprint: added.info.fingerprint,
    });
    const audit = await s.database.db.selectFrom("auditLog").selectAll().execute();
    expect(JSON.stringify(audit)).not.toContain(secret);
    const stored = await s.database.db.selectFrom("webhookSecrets").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(secret);
    // Stripe makes its own secrets.
    await expect(
      admin.caller.security.addWebhookSecret({ provider: "STRIPE", generate: true, reason: "nope" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
