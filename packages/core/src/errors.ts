// Domain errors: core throws these; packages/api maps each code to tRPC/HTTP in one table.
// Browser-safe: the console reads the codes and the details' types from here.
import type { TResetRow } from "./inventory/inventory.schema";

export const DOMAIN_ERROR_CODES = [
  "BAD_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "PRECONDITION_FAILED",
  "RATE_LIMITED",
  "PAYLOAD_TOO_LARGE",
  "UNAVAILABLE",
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/** What a caller needs beyond the message to fix the request; sent to clients as is. */
export type DomainErrorDetails =
  /** An inventory reset refused: the rows with problems (the first 100). */
  | { problems: TResetRow[] }
  /** Stock movements refused because stock would go negative: one line per movement. */
  | { refused: string[] }
  /** A count file that is not valid CSV: the line the parser stopped at (the header is line 1). */
  | { line: number }
  /** Sign-in needs one more step: a new password, a TOTP code, or TOTP enrolment (secret shown once). */
  | { signInStep: TSignInStep; totpSecret?: string; otpauthUrl?: string };

export type TSignInStep = "PASSWORD_CHANGE_REQUIRED" | "TOTP_REQUIRED" | "TOTP_ENROLMENT_REQUIRED";

/** One line per item a person must fix, for the console and the CLI alike. */
export function describeErrorDetails(details: DomainErrorDetails | null | undefined): string[] {
  if (!details) return [];
  if ("refused" in details) return details.refused;
  // A count file's bad line is already named in the message.
  if ("line" in details || "signInStep" in details) return [];
  return details.problems.map(
    (row) =>
      `Line ${row.line} (${row.sku ?? row.variantId ?? "no SKU"}): ${row.problems.map((p) => p.message).join("; ")}`,
  );
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly details: DomainErrorDetails | undefined;

  constructor(
    code: DomainErrorCode,
    message: string,
    options: { cause?: unknown; details?: DomainErrorDetails } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "DomainError";
    this.code = code;
    this.details = options.details;
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

/** The part of a zod issue we show; structural, so any zod copy (or none, in the browser) fits. */
export interface ZodIssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Every issue, field path first (`limit: limit must be at least 1`), joined by `separator`. */
export function formatZodIssues(
  error: { readonly issues: readonly ZodIssueLike[] },
  separator = "; ",
): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message))
    .join(separator);
}

/**
 * A value the code's own invariant guarantees (a row just locked, a key just set). Missing means a
 * bug, not a user's mistake: it fails loudly as an unknown error (a 500 with the cause logged).
 */
export function must<T>(value: T | null | undefined, invariant: string): T {
  if (value === undefined || value === null) throw new Error(`Invariant broken: ${invariant}`);
  return value;
}
