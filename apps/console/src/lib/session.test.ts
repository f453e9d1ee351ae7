import { afterEach, describe, expect, it, vi } from "vitest";
import { isNearExpiry, refreshDelayMs } from "./session";

describe("refreshDelayMs", () => {
  const now = 1_000_000;
  it("refreshes a 15-minute token one minute before it expires", () => {
    expect(refreshDelayMs(now + 15 * 60_000, now)).toBe(14 * 60_000);
  });
  it("refreshes a short token at three quarters of its life", () => {
    expect(refreshDelayMs(now + 40_000, now)).toBe(30_000);
  });
  it("refreshes at once when the token has already expired", () => {
    expect(refreshDelayMs(now - 5_000, now)).toBe(0);
  });
});

describe("isNearExpiry", () => {
  it("is true within ten seconds of expiry", () => {
    expect(isNearExpiry(1_009_000, 1_000_000)).toBe(true);
    expect(isNearExpiry(1_060_000, 1_000_000)).toBe(false);
  });
});

describe("restoreSession with the answer index.html started", () => {
  const tokens = {
    user: { id: "u1", email: "a@example.test", name: "A", role: "ADMIN" },
    accessToken: "access-1",
    accessTokenExpiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
  };
  afterEach(() => {
    vi.unstubAllGlobals();
    globalThis.__sessionRestore = undefined;
  });

  async function restoreWith(answer: Response | null) {
    vi.resetModules();
    const fetchSpy = vi.fn(() => Promise.reject(new Error("the app asked the server again")));
    vi.stubGlobal("fetch", fetchSpy);
    globalThis.__sessionRestore = Promise.resolve(answer);
    const session = await import("./session");
    await session.restoreSession();
    return { state: session.getSession(), fetchSpy };
  }

  it("signs in from that answer without a second refresh", async () => {
    const { state, fetchSpy } = await restoreWith(
      new Response(JSON.stringify({ result: { data: tokens } }), { status: 200 }),
    );
    expect(state).toMatchObject({ status: "signed-in", accessToken: "access-1", user: { role: "ADMIN" } });
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(globalThis.__sessionRestore).toBeUndefined();
  });

  it("shows sign-in when the cookie was refused or the request failed", async () => {
    const refused = new Response(JSON.stringify({ error: { data: { code: "UNAUTHORIZED" } } }), {
      status: 401,
    });
    for (const answer of [refused, null]) {
      const { state, fetchSpy } = await restoreWith(answer);
      expect(state).toEqual({ status: "signed-out", reason: "none" });
      expect(fetchSpy).not.toHaveBeenCalled();
    }
  });
});
