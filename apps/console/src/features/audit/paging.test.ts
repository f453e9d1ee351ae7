import { describe, expect, it } from "vitest";
import { nextBeforeSeq } from "./paging";

describe("nextBeforeSeq", () => {
  it("continues below the oldest event of a full page", () => {
    expect(nextBeforeSeq([{ seq: "9" }, { seq: "8" }], 2)).toBe("8");
  });
  it("stops after a short page", () => {
    expect(nextBeforeSeq([{ seq: "9" }], 2)).toBeUndefined();
    expect(nextBeforeSeq([], 2)).toBeUndefined();
  });
});
