// Paged lists: every list procedure answers { items, nextCursor }, and tRPC's infinite query
// options pass the cursor back. These two helpers are all a page component needs beside them.

/** getNextPageParam for every list: null (no more pages) ends the list. */
export const nextCursor = (last: { nextCursor: string | null }): string | null => last.nextCursor;

/** The rows of every page loaded so far, in order. */
export function pageItems<T>(data: { pages: readonly { items: readonly T[] }[] } | undefined): T[] {
  return data?.pages.flatMap((p) => p.items) ?? [];
}
