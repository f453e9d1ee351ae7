// Turns anything thrown by a tRPC call into what we show the user: the server's message and, when
// it sent details (the rows that stopped a reset), one line of text per detail.
import { describeErrorDetails } from "@radha/core/errors";
import { isTRPCClientError, type TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@radha/api/router";

const isApiError = (err: unknown): err is TRPCClientError<AppRouter> => isTRPCClientError<AppRouter>(err);

export function errorMessage(err: unknown): string {
  if (isApiError(err)) {
    // No error shape means no answer: fetch itself rejects with a TypeError when the network fails.
    if (!err.shape && err.cause instanceof TypeError)
      return "Cannot reach the server. Check your connection and try again.";
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return "Something went wrong.";
}

/** HTTP status of a tRPC error, when the server sent one. */
export function errorStatus(err: unknown): number | undefined {
  return isApiError(err) ? err.data?.httpStatus : undefined;
}

/** The details the server sent with a domain error, as lines of text (none when it sent none). */
export function errorDetails(err: unknown): string[] {
  return describeErrorDetails(isApiError(err) ? err.data?.domain?.details : undefined);
}
