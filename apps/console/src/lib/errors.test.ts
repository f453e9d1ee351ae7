import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { errorMessage } from "./errors";

describe("errorMessage", () => {
  it("shows the server's message", () => {
    const err = new TRPCClientError("Wrong email or password.", {
      result: {
        error: {
          message: "Wrong email or password.",
          code: -32001,
          data: { code: "UNAUTHORIZED", httpStatus: 401 },
        },
      },
    });
    expect(errorMessage(err)).toBe("Wrong email or password.");
  });
  it("explains a request that never reached the server", () => {
    expect(errorMessage(new TRPCClientError("Failed to fetch"))).toMatch(/Cannot reach the server/);
  });
  it("falls back for non-errors", () => {
    expect(errorMessage("boom")).toBe("Something went wrong.");
  });
});
