import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { DOMAIN_ERROR_CODES, DomainError } from "@radha/core/errors";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { asDomainError, DOMAIN_ERRORS, domainCodeForStatus, errorBody, toTRPCError } from "./errors";

describe("the error table", () => {
  it.each(DOMAIN_ERROR_CODES)("%s answers raw routes with the status tRPC answers its code with", (code) => {
    const { trpc, http } = DOMAIN_ERRORS[code];
    expect(getHTTPStatusCodeFromError(new TRPCError({ code: trpc }))).toBe(http);
    expect(domainCodeForStatus(http)).toBe(code);
  });

  it("turns invalid input into a BAD_REQUEST naming the field", () => {
    const parsed = z.object({ limit: z.number().min(1, "must be at least 1") }).safeParse({ limit: 0 });
    const error = toTRPCError(parsed.error);
    expect(error?.code).toBe("BAD_REQUEST");
    expect(error?.message).toBe("limit: must be at least 1");
  });

  it("leaves unknown errors unmapped, so they become 500s", () => {
    expect(toTRPCError(new Error("connection reset"))).toBeUndefined();
    expect(asDomainError("boom")).toBeUndefined();
  });

  it("sends details only when there are some", () => {
    expect(errorBody(new DomainError("NOT_FOUND", "No batch"))).toEqual({
      error: "NOT_FOUND",
      message: "No batch",
    });
    expect(
      errorBody(
        new DomainError("PRECONDITION_FAILED", "Stock cannot go negative", { details: { refused: ["A-1"] } }),
      ),
    ).toEqual({
      error: "PRECONDITION_FAILED",
      message: "Stock cannot go negative",
      details: { refused: ["A-1"] },
    });
  });
});
