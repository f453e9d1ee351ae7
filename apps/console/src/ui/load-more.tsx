// The foot of a paged list: the button that loads the next page, or a note that none is left.
import type { ReactNode } from "react";
import { Button } from "./button";

interface PagedQuery {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

export function LoadMore({
  query,
  end,
  children,
}: {
  query: PagedQuery;
  /** Said instead of the button once the last page is in (nothing when absent). */
  end?: ReactNode;
  /** What is showing so far, e.g. "Showing 50 events". */
  children?: ReactNode;
}) {
  if (!query.hasNextPage && !end && !children) return null;
  return (
    <div className="load-more">
      {children ? <span className="muted small">{children}</span> : null}
      {query.hasNextPage ? (
        <Button onClick={() => void query.fetchNextPage()} busy={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? "Loading…" : "Load more"}
        </Button>
      ) : end ? (
        <span className="muted small">{end}</span>
      ) : null}
    </div>
  );
}
