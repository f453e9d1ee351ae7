// Which processing failures are faults worth retrying automatically: a lost connection, a lock
// or statement timeout, a deadlock, a serialization failure, a server going away. Business
// conditions are outcomes (NEEDS_REVIEW, OVERSOLD), and a bug or a bad payload does not heal by
// waiting: those wait for an operator's replay. One more is retried: an event whose order is not
// visible yet (the shop may commit the order after the provider's call).
import { DomainError } from "../errors";

const TRANSIENT_SQLSTATES = new Set([
  "40001",
  "40P01",
  "55P03",
  "57014",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "53400",
]);
const TRANSIENT_NODE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
const CONNECTION_TEXT =
  /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i;

export function isRetryableFault(e: unknown): boolean {
  if (e instanceof DomainError) return e.code === "NOT_FOUND" || e.code === "UNAVAILABLE";
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") {
    if (TRANSIENT_SQLSTATES.has(code) || code.startsWith("08")) return true;
    if (TRANSIENT_NODE_CODES.has(code)) return true;
  }
  return CONNECTION_TEXT.test(e.message);
}
