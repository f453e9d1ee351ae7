// The one pagination convention, browser-safe: every list takes { cursor, limit, …filters } and
// answers { items, nextCursor }. The cursor is opaque to callers: pass back what the last page
// gave, or nothing for the first page. tRPC's infinite queries put it in the input's `cursor`.
import { z } from "zod";

/** The cursor a page answered with; null or absent means the first page. */
export const ZCursor = z
  .string()
  .max(512, "This cursor is not valid; start again from the first page")
  .nullish();

export const ZPageInput = z.object({ cursor: ZCursor, limit: z.number().int().min(1).max(200).default(50) });
export type TPageInput = z.input<typeof ZPageInput>;

export interface TPage<T> {
  items: T[];
  /** Pass this as `cursor` for the next page; null when this page is the last. */
  nextCursor: string | null;
}

/**
 * A list's input: its filters beside cursor and limit. A list whose filters are all optional
 * adds `.prefault({})` so that calling it with no input asks for the first page.
 */
export function pageInput<S extends z.ZodRawShape>(filters: S, limit = { default: 50, max: 200 }) {
  return ZPageInput.extend({
    ...filters,
    limit: z.number().int().min(1).max(limit.max).default(limit.default),
  });
}
