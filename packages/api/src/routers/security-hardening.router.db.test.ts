// Issue 10 through the API: the attack from finding 1 (a suspended admin's token creating an
// admin, minting a child token, restoring its owner), 403s recorded as security events
// (finding 10), password change and reset procedures (finding 4), the strict replay filter.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../testing";

let s: TestApi;
beforeAll(async () => {
  s = await createTestApi();
});
afterAll(() => s.close());

const STRONG = "marigold kettle sings 17 harbours";
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "OK",
    (e: unknown) => (e instanceof TRPCError ? e.code : String(e)),
  );

describe("service tokens against the API", () => {
  it("a token never manages users or tokens, and dies when its owner is suspended", async () => {
    const owner = await s.signIn("ADMIN");
    const other = await s.signIn("ADMIN");
    const { token } = await owner.caller.tokens.create({ name: "owner-admin-token", role: "ADMIN" });
    // A caller remembers its principal like one request does: each call below is a new request.
    const asToken = () => s.callerFor(token);
    // While the owner is active the token works for ordinary ADMIN work…
    await expect(asToken().audit.verify()).resolves.toMatchObject({ ok: true });
    // …but never for people and tokens.
    expect(
      await codeOf(
        asToken().users.create({ email: "evil@example.test", name: "Evil", role: "ADMIN", password: STRONG }),
      ),
    ).toBe("FORBIDDEN");
    expect(await codeOf(asToken().tokens.create({ name: "child-token", role: "ADMIN" }))).toBe("FORBIDDEN");
    await other.caller.users.suspend({ userId: owner.userId, reason: "left the company" });
    expect(await codeOf(asToken().users.restore({ userId: owner.userId }))).toBe("UNAUTHORIZED");
    expect(await codeOf(asToken().audit.verify())).toBe("UNAUTHORIZED");
    const list = await other.caller.tokens.list({});
    expect(list.items.find((t) => t.name === "owner-admin-token")).toMatchObject({
      ownerEmail: owner.email,
      lastUsedIp: "127.0.0.1",
    });
  });
});

describe("security events", () => {
  it("a 403 at a privileged procedure is recorded and shown to admins", async () => {
    const viewer = await s.signIn("VIEWER");
    const admin = await s.signIn("ADMIN");
    expect(await codeOf(viewer.caller.users.list({}))).toBe("FORBIDDEN");
    const events = await admin.caller.audit.securityEvents({ kind: "FORBIDDEN" });
    expect(events.items[0]).toMatchObject({
      kind: "FORBIDDEN",
      target: "users.list",
      actorLabel: viewer.email,
    });
    expect(await codeOf(viewer.caller.audit.securityEvents({}))).toBe("FORBIDDEN");
  });

  it("the security-events table keeps only its newest rows", async () => {
    const { recordSecurityEvent } = await import("@radha/core/security");
    const actor = { type: "ANONYMOUS" as const, id: null, label: "cap-test" };
    for (let i = 0; i < 8; i++)
      await recordSecurityEvent(s.deps.db, actor, { kind: "LOGIN_FAILED", detail: `n${i}` }, 5);
    const { n } = await s.deps.db
      .selectFrom("securityEvents")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBeLessThanOrEqual(5);
    const newest = await s.deps.db
      .selectFrom("securityEvents")
      .select("detail")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(newest.detail).toBe("n7");
  });
});

describe("passwords through the API", () => {
  it("auth.changePassword and users.resetPassword end sessions; tokens cannot call them", async () => {
    const admin = await s.signIn("ADMIN");
    const me = await s.signIn("OPERATOR");
    await expect(
      me.caller.auth.changePassword({
        currentPassword: "correct horse battery staple",
        newPassword: "password1234",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      me.caller.auth.changePassword({ currentPassword: "correct horse battery staple", newPassword: STRONG }),
    ).resolves.toEqual({ sessionsRevoked: 1 });
    expect(await codeOf(s.callerFor(me.accessToken).auth.me())).toBe("UNAUTHORIZED");

    const target = await s.signIn("VIEWER");
    const reset = await admin.caller.users.resetPassword({ userId: target.userId, reason: "locked out" });
    expect(reset.temporaryPassword.length).toBeGreaterThanOrEqual(20);
    expect(await codeOf(s.callerFor(target.accessToken).auth.me())).toBe("UNAUTHORIZED");

    const token = await s.serviceToken("ADMIN");
    expect(
      await codeOf(s.callerFor(token).users.resetPassword({ userId: target.userId, reason: "x-token" })),
    ).toBe("FORBIDDEN");
  });
});

describe("webhook replay filter", () => {
  it("refuses unknown keys instead of stripping them into 'replay everything'", async () => {
    const operator = await s.signIn("OPERATOR");
    const error = await operator.caller.webhooks
      .replayPreview({ filter: { providr: "STRIPE" } as never })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: "BAD_REQUEST" });
    expect((error as Error).message).toContain("providr");
  });
});
