// The one table from domain error codes to tRPC codes and HTTP statuses, and what a client is
// told about a domain error, over tRPC (the error shape's `data.domain`) and raw routes alike.
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import {
  DomainError,
  formatZodIssues,
  type DomainErrorCode,
  type DomainErrorDetails,
} from "@radha/core/errors";
import { isConnectionLoss } from "@radha/core/db";
import { ZodError } from "zod";

/** `http` is the status tRPC itself answers `trpc` with (errors.test.ts holds them together). */
export const DOMAIN_ERRORS = {
  BAD_REQUEST: { trpc: "BAD_REQUEST", http: 400 },
  UNAUTHENTICATED: { trpc: "UNAUTHORIZED", http: 401 },
  FORBIDDEN: { trpc: "FORBIDDEN", http: 403 },
  NOT_FOUND: { trpc: "NOT_FOUND", http: 404 },
  CONFLICT: { trpc: "CONFLICT", http: 409 },
  PRECONDITION_FAILED: { trpc: "PRECONDITION_FAILED", http: 412 },
  PAYLOAD_TOO_LARGE: { trpc: "PAYLOAD_TOO_LARGE", http: 413 },
  RATE_LIMITED: { trpc: "TOO_MANY_REQUESTS", http: 429 },
  UNAVAILABLE: { trpc: "SERVICE_UNAVAILABLE", http: 503 },
} as const satisfies Record<DomainErrorCode, { trpc: TRPC_ERROR_CODE_KEY; http: number }>;

/** The domain code the table answers `status` with, for refusals that arrive as a bare status. */
export function domainCodeForStatus(status: number): DomainErrorCode | undefined {
  return (Object.keys(DOMAIN_ERRORS) as DomainErrorCode[]).find(
    (code) => DOMAIN_ERRORS[code].http === status,
  );
}

/** What a client learns about a domain error beside its message. */
export interface DomainErrorData {
  code: DomainErrorCode;
  details: DomainErrorDetails | null;
}

/** The JSON body of every error a raw route answers. */
export interface ErrorBody {
  error: DomainErrorCode | "INTERNAL";
  message: string;
  details?: DomainErrorDetails;
}

/** The domain error `error` stands for (invalid input is a BAD_REQUEST), or undefined: a 500. */
export function asDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (error instanceof ZodError)
    return new DomainError("BAD_REQUEST", formatZodIssues(error), { cause: error });
  // A lost database connection is an outage, not a bug: 503, and the caller retries.
  if (isConnectionLoss(error))
    return new DomainError("UNAVAILABLE", "The database is unavailable; retry shortly", { cause: error });
  if (isPostgresDataError(error))
    return new DomainError("BAD_REQUEST", `A value could not be used: ${error.message}`, { cause: error });
  return undefined;
}

/**
 * Postgres class 22 ("data exception": out-of-range numbers and dates, bad encodings) is always
 * the caller's value, never our fault: a last resort for input no schema caught, answered 400.
 */
function isPostgresDataError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code);
}

export function domainErrorData(error: DomainError): DomainErrorData {
  return { code: error.code, details: error.details ?? null };
}

export function errorBody(error: DomainError): ErrorBody {
  return { error: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
}

/** A TRPCError carrying the domain error as its cause, or undefined for unknown errors (500s). */
export function toTRPCError(cause: unknown): TRPCError | undefined {
  const domain = asDomainError(cause);
  if (!domain) return undefined;
  return new TRPCError({ code: DOMAIN_ERRORS[domain.code].trpc, message: domain.message, cause: domain });
}
