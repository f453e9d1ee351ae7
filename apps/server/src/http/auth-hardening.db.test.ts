// Issue 10 finding 3 over HTTP: X-Forwarded-For is believed only from OPS_TRUSTED_PROXIES, so
// rotating it buys no extra sign-in attempts and never lands in the audit log; webhook routes
// answer a flood with 429 and Retry-After.
import { createUser, TEST_PASSWORD } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";

const login = (s: TestServer, email: string, password: string, headers: Record<string, string> = {}) =>
  s.app.server.inject({
    method: "POST",
    url: "/api/trpc/auth.login",
    headers: { "content-type": "application/json", ...headers },
    payload: JSON.stringify({ email, password }),
  });

describe("without OPS_TRUSTED_PROXIES", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await createTestServer({
      env: { OPS_LOGIN_MAX_PER_ACCOUNT_IP: "3", OPS_WEBHOOK_RATE_LIMIT_PER_MINUTE: "2" },
    });
  });
  afterAll(() => s.close());

  it("ignores X-Forwarded-For: rotating it gives no extra attempts and is not recorded", async () => {
    const user = await createUser(s.database.db, { role: "OPERATOR" });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        (await login(s, user.email, "wrong-password", { "x-forwarded-for": `198.51.100.${i}` })).statusCode,
      );
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    const events = await s.database.db
      .selectFrom("securityEvents")
      .select(["ip", "kind"])
      .where("actorLabel", "=", user.email)
      .execute();
    expect(new Set(events.map((e) => e.ip))).toEqual(new Set(["127.0.0.1"]));
    expect(events.map((e) => e.kind)).toContain("LOCKOUT");
  });

  it("answers a webhook flood per provider with 429 and Retry-After, never a silent drop", async () => {
    const post = (provider: string) =>
      s.app.server.inject({
        method: "POST",
        url: `/api/webhooks/${provider}`,
        headers: { "content-type": "application/json" },
        payload: "{}",
      });
    const stripe = [await post("stripe"), await post("stripe"), await post("stripe")];
    // Unsigned: the first two are refused for their signature, the third for the rate.
    expect(stripe.map((r) => r.statusCode)).toEqual([400, 400, 429]);
    expect(Number(stripe[2]?.headers["retry-after"])).toBeGreaterThan(0);
    expect(stripe[2]?.json()).toMatchObject({ error: "RATE_LIMITED" });
    // Each provider has its own budget.
    expect((await post("razorpay")).statusCode).toBe(400);
  });
});

describe("with OPS_TRUSTED_PROXIES", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await createTestServer({ env: { OPS_TRUSTED_PROXIES: "127.0.0.1/32, ::1" } });
  });
  afterAll(() => s.close());

  it("believes X-Forwarded-For from a trusted proxy", async () => {
    const user = await createUser(s.database.db, { role: "OPERATOR" });
    const res = await login(s, user.email, TEST_PASSWORD, { "x-forwarded-for": "203.0.113.9" });
    expect(res.statusCode).toBe(200);
    const session = await s.database.db
      .selectFrom("sessions")
      .select("ip")
      .where("userId", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(session.ip).toBe("203.0.113.9");
  });

  it("refuses an OPS_TRUSTED_PROXIES that is not a list of CIDRs", async () => {
    await expect(createTestServer({ env: { OPS_TRUSTED_PROXIES: "everyone" } })).rejects.toThrow(
      /OPS_TRUSTED_PROXIES/,
    );
  });
});
