import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@radha/api/router";
import { describe, expect, it } from "vitest";
import { errorDetails, errorMessage, errorStatus } from "./errors";

type ErrorData = NonNullable<TRPCClientError<AppRouter>["data"]>;

function serverError(message: string, data: ErrorData) {
  return new TRPCClientError<AppRouter>(message, { result: { error: { message, code: -32600, data } } });
}

const resetRefused = serverError("Nothing was changed: 1 rows have problems", {
  code: "BAD_REQUEST",
  httpStatus: 400,
  path: "inventory.resetApply",
  domain: {
    code: "BAD_REQUEST",
    details: {
      problems: [
        {
          line: 3,
          sku: "SAREE-RED",
          variantId: null,
          product: null,
          previous: null,
          counted: 4,
          delta: null,
          reason: null,
          notes: null,
          problems: [{ code: "UNKNOWN_SKU", message: "No variant with SKU SAREE-RED" }],
        },
      ],
    },
  },
});

describe("errorMessage", () => {
  it("shows the server's message", () => {
    const err = serverError("Wrong email or password.", {
      code: "UNAUTHORIZED",
      httpStatus: 401,
      path: "auth.login",
      domain: { code: "UNAUTHENTICATED", details: null },
    });
    expect(errorMessage(err)).toBe("Wrong email or password.");
    expect(errorStatus(err)).toBe(401);
  });
  it("explains a request that never reached the server", () => {
    const offline = TRPCClientError.from(new TypeError("Load failed"));
    expect(errorMessage(offline)).toMatch(/Cannot reach the server/);
    expect(errorStatus(offline)).toBeUndefined();
  });
  it("falls back for non-errors", () => {
    expect(errorMessage("boom")).toBe("Something went wrong.");
  });
});

describe("errorDetails", () => {
  it("lists the rows that stopped a reset, with their problems", () => {
    expect(errorDetails(resetRefused)).toEqual(["Line 3 (SAREE-RED): No variant with SKU SAREE-RED"]);
  });
  it("is empty when the server sent no details", () => {
    expect(errorDetails(new Error("boom"))).toEqual([]);
    expect(errorDetails(TRPCClientError.from(new TypeError("Failed to fetch")))).toEqual([]);
  });
});
