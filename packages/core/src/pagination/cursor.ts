// Server side of the pagination convention: a cursor is base64url(JSON) of the last row's keyset
// values (e.g. [createdAt, id] or [seq]); lists fetch limit + 1 rows to know whether more exist.
import { z } from "zod";
import { DomainError } from "../errors";
import { isStorableTime } from "../input/input.schema";
import type { TPage } from "./pagination.schema";

export type CursorKey = readonly (string | number)[];

const INVALID = "This cursor is not valid; start again from the first page";

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/**
 * The keyset values a cursor holds, checked against the list's own key shape, or null for the
 * first page. Anything else (tampered, truncated, another list's shape) is a BAD_REQUEST, so a
 * bad cursor never reaches SQL.
 */
export function decodeCursor<K extends z.ZodType<CursorKey>>(
  cursor: string | null | undefined,
  key: K,
): z.output<K> | null {
  if (cursor === null || cursor === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new DomainError("BAD_REQUEST", INVALID);
  }
  const parsed = key.safeParse(value);
  if (!parsed.success) throw new DomainError("BAD_REQUEST", INVALID);
  return parsed.data;
}

/** Turns limit + 1 rows into a page: the extra row only says that another page exists. */
export function toPage<R, T>(
  rows: readonly R[],
  limit: number,
  toItem: (row: R) => T,
  keyOf: (row: R) => CursorKey,
): TPage<T> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

/** A bigint key (seq, bigserial id) as its decimal text; bounded so SQL never sees an overflow. */
export const ZKeyBigint = z
  .string()
  .refine((v) => /^\d{1,19}$/.test(v) && BigInt(v) <= 9_223_372_036_854_775_807n);

/**
 * A timestamp key at the microsecond precision Postgres stores (a JS Date would drop it), and a
 * real calendar time: "2026-02-30" or hour 25 would reach SQL as an out-of-range error.
 */
export const ZKeyTime = z
  .string()
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
  .refine((v) => {
    const date = new Date(`${v.slice(0, 23)}Z`);
    return isStorableTime(date) && date.toISOString().slice(0, 19) === v.slice(0, 19);
  });
