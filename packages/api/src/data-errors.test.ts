// Postgres data exceptions (class 22) are the caller's value: a 400, never a 500. Others stay 500s.
import { describe, expect, it } from "vitest";
import { asDomainError } from "./errors";

function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe("asDomainError for Postgres errors", () => {
  it("class 22 (out of range, bad encoding) becomes BAD_REQUEST with Postgres' own words", () => {
    const mapped = asDomainError(pgError("22008", 'date/time field value out of range: "2026-02-30"'));
    expect(mapped?.code).toBe("BAD_REQUEST");
    expect(mapped?.message).toMatch(/out of range/);
    expect(asDomainError(pgError("22021", "invalid byte sequence for encoding UTF8: 0x00"))?.code).toBe(
      "BAD_REQUEST",
    );
  });

  it("other classes (constraint violations) stay unknown errors", () => {
    expect(asDomainError(pgError("23505", "duplicate key"))).toBeUndefined();
    expect(asDomainError(pgError("ERR_22", "not postgres"))).toBeUndefined();
  });

  it("a lost connection is an outage (503 UNAVAILABLE), not a data error", () => {
    expect(asDomainError(pgError("57P01", "terminating connection"))?.code).toBe("UNAVAILABLE");
  });
});
