import { describe, expect, it } from "vitest";
import { DomainError } from "../errors";
import { isRetryableFault } from "./faults";

const pgError = (code: string, message = "pg") => Object.assign(new Error(message), { code });

describe("which failures are retried automatically", () => {
  it.each([
    ["deadlock", pgError("40P01")],
    ["serialization failure", pgError("40001")],
    ["lock timeout", pgError("55P03")],
    ["admin shutdown", pgError("57P01")],
    ["connection failure", pgError("08006")],
    ["connection reset", pgError("ECONNRESET")],
    ["connection lost", new Error("Connection terminated unexpectedly")],
    ["order not visible yet", new DomainError("NOT_FOUND", "No order matches pi_1 (yet)")],
  ])("%s is retried", (_name, e) => {
    expect(isRetryableFault(e)).toBe(true);
  });

  it.each([
    ["stock check refusal", new DomainError("PRECONDITION_FAILED", "Stock cannot go negative")],
    ["a bad event", new DomainError("BAD_REQUEST", "The event names no payment")],
    ["check violation", pgError("23514")],
    ["unique violation", pgError("23505")],
    ["a bug", new TypeError("x is undefined")],
    ["not an error", "boom"],
  ])("%s is not retried", (_name, e) => {
    expect(isRetryableFault(e)).toBe(false);
  });
});
