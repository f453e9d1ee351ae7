// Keyset paging over the audit log: the next page starts below the last seq we have.
export function nextBeforeSeq(page: readonly { seq: string }[], pageSize: number): string | undefined {
  if (page.length < pageSize) return undefined;
  return page[page.length - 1]?.seq;
}
