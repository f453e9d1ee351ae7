// Verification: every stock movement in the last N minutes/hours, and the net per variant.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../lib/trpc";
import { ErrorBanner } from "../../ui/error-banner";
import { PageHeader } from "../../ui/page-header";
import { Empty, Loading } from "../../ui/states";
import { LedgerTable } from "./shared";

const WINDOWS = ["15m", "1h", "6h", "24h", "7d"] as const;

export function ChangesPage() {
  const trpc = useTRPC();
  const [since, setSince] = useState<string>("1h");
  const changes = useQuery(
    trpc.inventory.changes.queryOptions({ since: since === "24h" ? "1d" : since, limit: 1000 }),
  );
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
      {changes.isSuccess && changes.data.entries.length === 0 ? (
        <Empty>No stock movements in this window.</Empty>
      ) : null}
      {changes.isSuccess && changes.data.entries.length > 0 ? (
        <>
          <p data-testid="changes-summary">
            {changes.data.entries.length}
            {changes.data.truncated ? "+" : ""} movements on {changes.data.byVariant.length} variants.
          </p>
          <LedgerTable caption="Stock movements" entries={changes.data.entries} />
        </>
      ) : null}
    </>
  );
}
