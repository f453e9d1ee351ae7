// Turns anything thrown by a tRPC call into the sentence we show the user.
import { TRPCClientError } from "@trpc/client";

export function errorMessage(err: unknown): string {
  if (err instanceof TRPCClientError) {
    // A fetch that never reached the server has no error shape: say so plainly.
    if (!err.shape && /fetch|network/i.test(err.message))
      return "Cannot reach the server. Check your connection and try again.";
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return "Something went wrong.";
}

/** HTTP status of a tRPC error, when the server sent one. */
export function errorStatus(err: unknown): number | undefined {
  if (err instanceof TRPCClientError) return (err.data as { httpStatus?: number } | undefined)?.httpStatus;
  return undefined;
}
