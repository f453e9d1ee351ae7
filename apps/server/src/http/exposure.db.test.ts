// What the server shows to whom: /metrics only to its bearer or loopback, with one label for
// unmatched paths; the refresh token only in its HttpOnly cookie unless a non-browser asks.
import { TEST_PASSWORD } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";

const METRICS_TOKEN = "metrics-token-0123456789abcdef";

let open: TestServer;
let guarded: TestServer;
beforeAll(async () => {
  open = await createTestServer();
  guarded = await createTestServer({ env: { OPS_METRICS_TOKEN: METRICS_TOKEN } });
});
afterAll(async () => {
  await open.close();
  await guarded.close();
});

describe("/metrics", () => {
  it("random /api/trpc paths and unmatched routes share one label each: no series per path", async () => {
    const series = async () => {
      const res = await open.app.server.inject({ method: "GET", url: "/metrics" });
      return res.body.split("\n").filter((l) => l.startsWith("http_requests_total{")).length;
    };
    for (let i = 0; i < 3; i++) {
      await open.app.server.inject({ method: "GET", url: `/api/trpc/probe${String(i)}.x` });
      await open.app.server.inject({ method: "GET", url: `/api/trpc/auth.me,probe${String(i)}.x?batch=1` });
      await open.app.server.inject({ method: "GET", url: `/api/nothing-${String(i)}` });
    }
    await series(); // the scrape itself is a series from here on
    const before = await series();
    for (let i = 3; i < 40; i++) {
      await open.app.server.inject({ method: "GET", url: `/api/trpc/probe${String(i)}.x` });
      await open.app.server.inject({ method: "GET", url: `/api/trpc/auth.me,probe${String(i)}.x?batch=1` });
      await open.app.server.inject({ method: "GET", url: `/api/nothing-${String(i)}` });
    }
    expect(await series()).toBe(before);
    const body = (await open.app.server.inject({ method: "GET", url: "/metrics" })).body;
    expect(body).not.toMatch(/probe\d/);
    expect(body).toMatch(/route="\/api\/trpc\/\(unknown\)"/);
    expect(body).toMatch(/route="unmatched"/);
  });

  it("known procedures keep their own label", async () => {
    await open.app.server.inject({ method: "GET", url: "/api/trpc/auth.me" });
    const body = (await open.app.server.inject({ method: "GET", url: "/metrics" })).body;
    expect(body).toMatch(/http_requests_total\{[^}]*route="\/api\/trpc\/auth.me"/);
  });

  it("without OPS_METRICS_TOKEN answers loopback only: a remote or proxied client gets 403", async () => {
    const local = await open.app.server.inject({
      method: "GET",
      url: "/metrics",
      remoteAddress: "127.0.0.1",
    });
    expect(local.statusCode).toBe(200);
    const remote = await open.app.server.inject({
      method: "GET",
      url: "/metrics",
      remoteAddress: "203.0.113.9",
    });
    expect(remote.statusCode).toBe(403);
    expect(remote.body).not.toContain("process_cpu");
    const proxied = await open.app.server.inject({
      method: "GET",
      url: "/metrics",
      remoteAddress: "127.0.0.1",
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    expect(proxied.statusCode).toBe(403);
  });

  it("with OPS_METRICS_TOKEN needs that bearer, from loopback too", async () => {
    const get = (authorization?: string) =>
      guarded.app.server.inject({
        method: "GET",
        url: "/metrics",
        remoteAddress: "127.0.0.1",
        headers: authorization ? { authorization } : {},
      });
    expect((await get()).statusCode).toBe(401);
    expect((await get("Bearer wrong-token-0123456789")).statusCode).toBe(401);
    const ok = await get(`Bearer ${METRICS_TOKEN}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain("process_cpu_user_seconds_total");
  });
});

describe("refresh token delivery", () => {
  const login = async (extra: Record<string, unknown> = {}) => {
    const user = await open.signIn("VIEWER");
    return open.app.server.inject({
      method: "POST",
      url: "/api/trpc/auth.login",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ email: user.email, password: TEST_PASSWORD, ...extra }),
    });
  };

  it("a browser sign-in gets it in the HttpOnly cookie only, never in the JSON body", async () => {
    const res = await login();
    expect(res.statusCode).toBe(200);
    expect(String(res.headers["set-cookie"])).toMatch(/radha_rt=rt_.*HttpOnly/);
    const data = res.json().result.data as Record<string, unknown>;
    expect(data.accessToken).toEqual(expect.any(String));
    expect(data).not.toHaveProperty("refreshToken");
    expect(res.body).not.toMatch(/rt_[A-Za-z0-9_-]{20}/);

    const cookie = String(res.headers["set-cookie"]).split(";")[0] ?? "";
    const refreshed = await open.app.server.inject({
      method: "POST",
      url: "/api/trpc/auth.refresh",
      headers: { "content-type": "application/json", cookie },
      payload: "{}",
    });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json().result.data).not.toHaveProperty("refreshToken");
  });

  it("a non-browser caller asks for it in the body, and refreshes with it in the body", async () => {
    const res = await login({ returnRefreshToken: true });
    const refreshToken = res.json().result.data.refreshToken as string;
    expect(refreshToken).toMatch(/^rt_/);
    const refreshed = await open.app.server.inject({
      method: "POST",
      url: "/api/trpc/auth.refresh",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ refreshToken }),
    });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json().result.data.refreshToken).toMatch(/^rt_/);
  });
});
