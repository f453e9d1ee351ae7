// What needs attention, with suggested reorder quantities; thresholds set in bulk.
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TLowStockRow } from "@radha/core/inventory/schema";
import { roleAtLeast } from "@radha/core/security/schema";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";
import { LoadMore } from "../../ui/load-more";
import { PageHeader } from "../../ui/page-header";
import { Empty, Loading } from "../../ui/states";
import { Table, type Column } from "../../ui/table";
import { StockBadge } from "./stock-page";

const COLUMNS: Column<TLowStockRow>[] = [
  { header: "SKU", cell: (r) => <span className="mono">{r.sku}</span> },
  { header: "Product", cell: (r) => r.product },
  { header: "Available", cell: (r) => r.available, className: "num" },
  { header: "Threshold", cell: (r) => `${r.threshold} (${r.thresholdSource})` },
  { header: "Reorder point", cell: (r) => r.reorderPoint ?? "—", className: "num" },
  { header: "Status", cell: (r) => <StockBadge row={r} /> },
  {
    header: "Suggested reorder",
    cell: (r) => <strong>{r.suggestedReorderQuantity}</strong>,
    className: "num",
  },
];

export function LowStockPage() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const low = useInfiniteQuery(
    trpc.inventory.lowStock.infiniteQueryOptions({ limit: 200 }, { getNextPageParam: nextCursor }),
  );
  const rows = pageItems(low.data);
  return (
    <>
      <PageHeader
        title="Low stock"
        description="Active variants at or below their threshold (variant → product → global default) or reorder point."
      />
      {low.isPending ? <Loading label="Loading low stock…" /> : null}
      {low.isError ? (
        <ErrorBanner title="Could not load low stock" error={low.error} onRetry={() => void low.refetch()} />
      ) : null}
      {low.isSuccess && rows.length === 0 ? <Empty>Nothing needs attention.</Empty> : null}
      {rows.length > 0 ? (
        <>
          <Table caption="Low stock" columns={COLUMNS} rows={rows} rowKey={(r) => r.variantId} />
          <LoadMore query={low}>
            {rows.length} variant{rows.length === 1 ? "" : "s"} need attention
          </LoadMore>
        </>
      ) : null}
      {roleAtLeast(user.role, "OPERATOR") ? <ThresholdForm /> : null}
    </>
  );
}

function ThresholdForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [threshold, setThreshold] = useState("10");
  const [whereUnset, setWhereUnset] = useState(true);
  const [reason, setReason] = useState("");
  const set = useMutation(
    trpc.inventory.setThresholds.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.inventory.pathKey() }),
    }),
  );
  return (
    <form
      className="form panel"
      onSubmit={(e) => {
        e.preventDefault();
        set.mutate({ lowStockThreshold: Number(threshold), onlyWhereUnset: whereUnset, reason });
      }}
    >
      <h2>Set thresholds in bulk</h2>
      <Field label="Low-stock threshold">
        {(p) => (
          <input
            {...p}
            type="number"
            min={0}
            value={threshold}
            onChange={(e) => setThreshold(e.target.value)}
          />
        )}
      </Field>
      <label className="checkbox">
        <input type="checkbox" checked={whereUnset} onChange={(e) => setWhereUnset(e.target.checked)} /> Only
        where no threshold is set
      </label>
      <Field label="Reason">
        {(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      {set.isError ? <ErrorBanner error={set.error} /> : null}
      {set.isSuccess ? <p role="status">Updated {set.data.updated} variants.</p> : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={set.isPending}>
          Apply to all variants
        </Button>
      </div>
    </form>
  );
}
