import { expect, it } from "vitest";
import { retryDelaySeconds } from "./process.service";

it("backs off exponentially from the base, capped at one hour", () => {
  expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, 30))).toEqual([30, 60, 120, 240]);
  expect(retryDelaySeconds(20, 30)).toBe(3600);
});
