// Input Postgres cannot store or compute with, caught before it reaches SQL (browser-safe): text
// with NUL or unpaired surrogates, and times outside the years SQL and JS agree on.

/* eslint-disable no-control-regex -- U+0000 is exactly what Postgres refuses */
/** U+0000 (no text or jsonb value holds it) and UTF-16 halves without their partner. */
export const UNSTORABLE_TEXT =
  /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/* eslint-enable no-control-regex */
export const UNSTORABLE_TEXT_MESSAGE = "Text must not contain NUL (\\u0000) or unpaired surrogate characters";
const MAX_DEPTH = 32;

/**
 * The dotted path of the first string (value or object key) in `value` that Postgres would
 * refuse, "input" when `value` itself is one, or null when everything can be stored.
 */
export function findUnstorableText(value: unknown, path = "", depth = 0): string | null {
  if (typeof value === "string") return UNSTORABLE_TEXT.test(value) ? path || "input" : null;
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return null;
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (UNSTORABLE_TEXT.test(key)) return at;
    const found = findUnstorableText(item, at, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

const EARLIEST = Date.UTC(1, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const TIME_RANGE_MESSAGE = "Use a time between the years 1 and 9999";

/** A real instant between the years 1 and 9999 (JS dates reach ±275,760; Postgres 4713 BC). */
export function isStorableTime(date: Date): boolean {
  const ms = date.getTime();
  return !Number.isNaN(ms) && ms >= EARLIEST && ms <= LATEST;
}

/**
 * Calls one tRPC batch request may carry (the server refuses more with a 400); the console's and
 * @radha/client's batch links split at this size.
 */
export const MAX_BATCH_CALLS = 20;
