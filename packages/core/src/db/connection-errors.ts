// Recognising a lost or refused database connection (a Postgres restart, failover, network cut),
// so callers answer 503 and retry instead of treating it as a bug (500) or a business outcome.

// SQLSTATE class 08 (connection exception) and 57P01-57P03 (admin/crash shutdown, starting up).
const SHUTDOWN_CODES = new Set(["57P01", "57P02", "57P03"]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);
const MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Client was closed and is not queryable",
  "the database system is",
];

/** True when `error` (or any error in its cause chain) means the database could not be reached. */
export function isConnectionLoss(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      (code.startsWith("08") || SHUTDOWN_CODES.has(code) || NETWORK_CODES.has(code))
    )
      return true;
    if (MESSAGES.some((m) => e instanceof Error && e.message.includes(m))) return true;
    if (e instanceof AggregateError && e.errors.some(isConnectionLoss)) return true;
  }
  return false;
}
