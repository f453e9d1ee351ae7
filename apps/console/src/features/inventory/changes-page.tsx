// Verification: every stock movement in the last N minutes/hours, and the net per variant.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { ErrorBanner } from "../../ui/error-banner";
import { PageHeader } from "../../ui/page-header";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { LedgerTable } from "./shared";

const WINDOWS = ["15m", "1h", "6h", "24h", "7d"] as const;

export function ChangesPage() {
  const trpc = useTRPC();
  const [since, setSince] = useState<string>("1h");
  const changes = useInfiniteQuery(
    trpc.inventory.changes.infiniteQueryOptions(
      { since: since === "24h" ? "1d" : since, limit: 200 },
      { getNextPageParam: nextCursor },
    ),
  );
  const entries = pageItems(changes.data);
  // Every page carries the whole window's totals; the first page's are the ones to show.
  const totals = changes.data?.pages[0]?.totals ?? { movements: 0, variants: 0 };
  return (
    <>
      <PageHeader
        title="Stock changes"
        description="What moved, across all variants: sales, returns, counts, rollbacks."
      />
      <div className="toolbar">
        <label>
          Since{" "}
          <select aria-label="Since" value={since} onChange={(e) => setSince(e.target.value)}>
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                last {w}
              </option>
            ))}
          </select>
        </label>
      </div>
      {changes.isPending ? <Loading label="Loading changes…" /> : null}
      {changes.isError ? (
        <ErrorBanner
          title="Could not load changes"
          error={changes.error}
          onRetry={() => void changes.refetch()}
        />
      ) : null}
      {changes.isSuccess && entries.length === 0 ? <Empty>No stock movements in this window.</Empty> : null}
      {entries.length > 0 ? (
        <>
          <p data-testid="changes-summary">
            {totals.movements} movements on {totals.variants} variants.
          </p>
          <LedgerTable caption="Stock movements" entries={entries} />
          <LoadMore query={changes}>
            Showing {entries.length} of {totals.movements}
          </LoadMore>
        </>
      ) : null}
    </>
  );
}
