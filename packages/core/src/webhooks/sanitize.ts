// What Postgres jsonb refuses in a parsed payload, replaced so the event can still be stored.
// The raw bytes keep what was sent; this only shapes the queryable copy.
import { UNSTORABLE_TEXT } from "../input/input.schema";

const UNSTORABLE = new RegExp(UNSTORABLE_TEXT.source, "g");

export function storableString(s: string): string {
  return s.replace(UNSTORABLE, "\ufffd");
}

/**
 * A copy of `value` jsonb accepts: unstorable characters in strings and keys become U+FFFD, and a
 * number JavaScript could not hold (1e1000000 parses to Infinity; 1e-20000 to 0) is null or the
 * nearest double. Iterative, so a deeply nested body cannot overflow the stack.
 */
export function storablePayload(value: unknown): unknown {
  const root: { v: unknown } = { v: undefined };
  const stack: { from: unknown; put: (v: unknown) => void }[] = [{ from: value, put: (v) => (root.v = v) }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { from, put } = item;
    if (typeof from === "string") put(storableString(from));
    else if (typeof from === "number") put(Number.isFinite(from) ? from : null);
    else if (Array.isArray(from)) {
      const out: unknown[] = new Array<unknown>(from.length);
      put(out);
      from.forEach((v, i) => stack.push({ from: v, put: (x) => (out[i] = x) }));
    } else if (from && typeof from === "object") {
      const out: Record<string, unknown> = {};
      put(out);
      for (const [k, v] of Object.entries(from)) {
        const key = storableString(k);
        out[key] = null; // holds the key's place: jsonb keeps no order, but a reader's copy does
        stack.push({ from: v, put: (x) => (out[key] = x) });
      }
    } else put(from);
  }
  return root.v;
}

/** A Postgres error that says this data cannot be stored (data exception, program limit), not an outage. */
export function isUnstorableError(e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("54"));
}
