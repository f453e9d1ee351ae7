// The HTTP surface as callers see it: bad input gets a 4xx with a message, never a 500.
import type { InjectOptions } from "fastify";
import { createRedisStore } from "@radha/core/shared-store";
import { setFlag } from "@radha/core/system";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { seedDemoData } from "@radha/dev-db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";

let s: TestServer;
beforeAll(async () => {
  s = await createTestServer();
  await seedDemoData(s.database.db, { demoStaff: true });
});
afterAll(() => s.close());

const inject = (opts: InjectOptions) => s.app.server.inject(opts);

describe("bad input", () => {
  it("invalid JSON → 400", async () => {
    const res = await inject({
      method: "POST",
      url: "/api/trpc/auth.login",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/JSON/);
  });

  it("wrong types → 400 naming the field", async () => {
    const res = await inject({
      method: "POST",
      url: "/api/trpc/auth.login",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ email: 42, password: true }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/email/);
  });

  it("a list cursor the server did not make → 400 saying to start again, never a 500", async () => {
    const input = encodeURIComponent(JSON.stringify({ cursor: "garbage", limit: 5 }));
    const res = await inject({
      method: "GET",
      url: `/api/trpc/tokens.list?input=${input}`,
      headers: { authorization: `Bearer ${(await s.signIn("ADMIN")).accessToken}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe("This cursor is not valid; start again from the first page");
  });

  it("oversize body → 413", async () => {
    const res = await inject({
      method: "POST",
      url: "/api/trpc/auth.login",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ email: "a@b.test", password: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
  });

  it("unknown procedure → 404, unknown API route → 404 JSON", async () => {
    expect((await inject({ method: "GET", url: "/api/trpc/nope.nothing" })).statusCode).toBe(404);
    const res = await inject({ method: "GET", url: "/api/nothing-here" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: "NOT_FOUND" });
  });

  it("a procedure called with the wrong method → 4xx", async () => {
    const res = await inject({ method: "GET", url: "/api/trpc/auth.login" });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });

  it("bad storefront limit → 400 with a reason", async () => {
    for (const limit of ["0", "abc", "1000", "2.5"]) {
      const res = await inject({ method: "GET", url: `/api/products?limit=${limit}` });
      expect(res.statusCode, limit).toBe(400);
      expect(res.json().message).toMatch(/limit/);
    }
  });
});

describe("auth over HTTP", () => {
  it("sign-in sets an HttpOnly refresh cookie that refreshes the session", async () => {
    const user = await s.signIn("VIEWER");
    const { TEST_PASSWORD } = await import("@radha/core/testing");
    const login = await inject({
      method: "POST",
      url: "/api/trpc/auth.login",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ email: user.email, password: TEST_PASSWORD }),
    });
    expect(login.statusCode).toBe(200);
    const cookie = String(login.headers["set-cookie"]);
    expect(cookie).toMatch(/radha_rt=rt_/);
    expect(cookie).toMatch(/HttpOnly/);
    const refreshed = await inject({
      method: "POST",
      url: "/api/trpc/auth.refresh",
      headers: { "content-type": "application/json", cookie: cookie.split(";")[0]! },
      payload: "{}",
    });
    expect(refreshed.statusCode).toBe(200);
    const access = refreshed.json().result.data.accessToken as string;
    const session = await inject({
      method: "GET",
      url: "/api/auth/session",
      headers: { authorization: `Bearer ${access}` },
    });
    expect(session.json()).toMatchObject({ authenticated: true, role: "VIEWER" });
    expect((await inject({ method: "GET", url: "/api/auth/session" })).json()).toEqual({
      authenticated: false,
    });
  });

  it("a wrong password is a 401 with a clear message; the response never echoes it", async () => {
    const res = await inject({
      method: "POST",
      url: "/api/trpc/auth.login",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ email: "admin@radhagsareees.test", password: "s3cret-guess" }),
    });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain("Wrong email or password.");
    expect(res.body).not.toContain("s3cret-guess");
  });
});

describe("storefront", () => {
  it("lists active products with variants, up to the limit", async () => {
    const res = await inject({ method: "GET", url: "/api/products?limit=5" });
    expect(res.statusCode).toBe(200);
    const { products } = res.json<{ products: { variants: unknown[] }[] }>();
    expect(products).toHaveLength(5);
    expect(products.every((p) => p.variants.length > 0)).toBe(true);
  });

  it("answers 503 in maintenance mode", async () => {
    await setFlag(s.database.db, SYSTEM_ACTOR, {
      key: "maintenance_mode",
      value: true,
      reason: "restore drill",
    });
    // A write through core (as the CLI or a restore makes it) reaches the server's flag cache
    // through the database's own announcement, within a second.
    try {
      await expect
        .poll(async () => (await inject({ method: "GET", url: "/api/products" })).statusCode, {
          timeout: 1_000,
          interval: 20,
        })
        .toBe(503);
      const res = await inject({ method: "GET", url: "/api/products" });
      expect(res.headers["retry-after"]).toBe("120");
      expect(res.json()).toMatchObject({
        error: "UNAVAILABLE",
        message: expect.stringMatching(/maintenance/),
      });
    } finally {
      await setFlag(s.database.db, SYSTEM_ACTOR, { key: "maintenance_mode", value: false, reason: "done" });
      await expect
        .poll(async () => (await inject({ method: "GET", url: "/api/products" })).statusCode, {
          timeout: 1_000,
          interval: 20,
        })
        .toBe(200);
    }
  });
});

describe("health and metrics", () => {
  it("readiness passes with per-check status; liveness answers", async () => {
    const res = await inject({ method: "GET", url: "/api/health" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // The demo data holds a payment event waiting for review: the payments check warns, nothing fails.
    expect(body.checks.filter((c: { status: string }) => c.status !== "pass")).toEqual([
      expect.objectContaining({
        name: "payments",
        status: "warn",
        message: expect.stringMatching(/1 payment event\(s\) waiting for review/),
      }),
    ]);
    expect(body.status).toBe("warn");
    expect(body.checks.map((c: { name: string }) => c.name)).toEqual([
      "database",
      "redis",
      "stripe",
      "razorpay",
      "payments",
    ]);
    expect(body.checks.find((c: { name: string }) => c.name === "redis").message).toMatch(/not configured/);
    expect((await inject({ method: "GET", url: "/api/health/live" })).statusCode).toBe(200);
  });

  it("exposes Prometheus metrics by route template", async () => {
    await inject({ method: "GET", url: "/api/products?limit=3" });
    const res = await inject({ method: "GET", url: "/metrics" });
    expect(res.headers["content-type"]).toMatch(/text\/plain/);
    expect(res.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/products"/);
    expect(res.body).toMatch(/http_requests_total\{[^}]*route="\/api\/trpc\/auth.login"/);
    expect(res.body).toContain("process_cpu_user_seconds_total");
  });
});

describe("degraded dependencies", () => {
  it("Redis down: readiness degrades to warn (200), the server keeps serving", async () => {
    const down = await createTestServer({ store: createRedisStore("redis://127.0.0.1:1", "x:") });
    try {
      const res = await down.app.server.inject({ method: "GET", url: "/api/health" });
      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe("warn");
      expect(res.json().checks.find((c: { name: string }) => c.name === "redis")).toMatchObject({
        status: "warn",
      });
      // Sign-in still works: rate limits fall back to this instance's memory.
      await expect(down.signIn("VIEWER")).resolves.toMatchObject({ accessToken: expect.any(String) });
    } finally {
      await down.close();
    }
  });

  it("an unreachable payment provider only degrades, and is checked in the background", async () => {
    const offline = await createTestServer({ env: { STRIPE_SECRET_KEY: "sk_test_offline_check" } });
    try {
      offline.deps.health.start();
      const res = await offline.app.server.inject({ method: "GET", url: "/api/health" });
      expect(res.statusCode).toBe(200);
      const stripe = res.json().checks.find((c: { name: string }) => c.name === "stripe");
      expect(stripe.status).toBe("warn");
      // Served from the background check's cache, so the request never waited on Stripe.
      expect(stripe.message).toMatch(/first check still running|down/);
      expect(res.body).not.toContain("sk_test_offline_check");
    } finally {
      await offline.close();
    }
  });

  it("database lost: readiness fails with 503, liveness still 200", async () => {
    const lost = await createTestServer();
    try {
      await lost.database.drop();
      const res = await lost.app.server.inject({ method: "GET", url: "/api/health" });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.find((c: { name: string }) => c.name === "database")).toMatchObject({
        status: "fail",
      });
      expect((await lost.app.server.inject({ method: "GET", url: "/api/health/live" })).statusCode).toBe(200);
    } finally {
      await lost.app.stop();
      await lost.deps.close().catch(() => undefined);
    }
  });
});
