import { describe, expect, it } from "vitest";
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
