import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";
import type { TStockRow } from "@radha/core/inventory/schema";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { PageHeader } from "../../ui/page-header";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { TableCells, TableHead, type Column } from "../../ui/table";
import { downloadStockCsv } from "./files";
import { LedgerTable } from "./shared";

type Filter = "all" | "low" | "out" | "reorder";

export function StockBadge({ row }: { row: TStockRow }) {
  if (row.available <= 0) return <StatusChip tone="bad">out of stock</StatusChip>;
  if (row.low) return <StatusChip tone="warn">low</StatusChip>;
  if (row.reorderPoint !== null && row.available <= row.reorderPoint)
    return <StatusChip tone="warn">reorder</StatusChip>;
  return <StatusChip tone="ok">ok</StatusChip>;
}

export function StockPage() {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [filter, setFilter] = useState<Filter>("all");
  const [ledgerFor, setLedgerFor] = useState<TStockRow | null>(null);
  const stock = useInfiniteQuery(
    trpc.inventory.stock.infiniteQueryOptions(
      { search: search || undefined, filter, limit: 200 },
      { getNextPageParam: nextCursor },
    ),
  );
  const rows = pageItems(stock.data);
  const exporter = useMutation({ mutationFn: downloadStockCsv });

  const columns: Column<TStockRow>[] = [
    {
      header: "SKU",
      cell: (r) => (
        <button
          type="button"
          className="link mono"
          onClick={() => setLedgerFor(r)}
          aria-label={`Ledger for ${r.sku}`}
        >
          {r.sku}
        </button>
      ),
    },
    { header: "Product", cell: (r) => r.product },
    { header: "Options", cell: (r) => r.options || <span className="muted">—</span> },
    { header: "On hand", cell: (r) => r.onHand, className: "num" },
    { header: "Reserved", cell: (r) => r.reserved, className: "num" },
    { header: "Available", cell: (r) => r.available, className: "num" },
    {
      header: "Threshold",
      cell: (r) => <span title={`from ${r.thresholdSource}`}>{r.threshold}</span>,
      className: "num",
    },
    { header: "Status", cell: (r) => <StockBadge row={r} /> },
  ];

  return (
    <>
      <PageHeader
        title="Inventory"
        description="Stock per variant. Available = on hand − reserved. Click a SKU for its full ledger."
        actions={
          <Button onClick={() => exporter.mutate()} busy={exporter.isPending}>
            Download CSV
          </Button>
        }
      />
      {exporter.isError ? <ErrorBanner title="Export failed" error={exporter.error} /> : null}
      <div className="toolbar">
        <input
          type="search"
          aria-label="Search SKU or product"
          placeholder="Search SKU or product"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <select aria-label="Filter" value={filter} onChange={(e) => setFilter(e.target.value as Filter)}>
          <option value="all">All variants</option>
          <option value="low">Low stock</option>
          <option value="out">Out of stock</option>
          <option value="reorder">Needs reorder</option>
        </select>
      </div>
      {stock.isPending ? <Loading label="Loading stock…" /> : null}
      {stock.isError ? (
        <ErrorBanner title="Could not load stock" error={stock.error} onRetry={() => void stock.refetch()} />
      ) : null}
      {stock.isSuccess && rows.length === 0 ? <Empty>No variants match.</Empty> : null}
      {rows.length > 0 ? (
        <>
          <VirtualStockTable
            columns={columns}
            rows={rows}
            onNearEnd={() => {
              if (stock.hasNextPage && !stock.isFetchingNextPage) void stock.fetchNextPage();
            }}
          />
          <LoadMore query={stock}>
            Showing {rows.length} variant{rows.length === 1 ? "" : "s"}
          </LoadMore>
        </>
      ) : null}
      {ledgerFor ? <LedgerDialog row={ledgerFor} onClose={() => setLedgerFor(null)} /> : null}
    </>
  );
}

/** Rows kept in the DOM beyond those on screen, each way. */
const OVERSCAN = 15;
/** First guess at a row's height (px) until it is measured. */
const ROW_HEIGHT = 38;

/**
 * The stock table, virtualised: only the rows in view (and a few either side) are in the DOM, so
 * thousands of loaded variants scroll as lightly as fifty. Scrolling near the end loads the next
 * page; the Load more button below does the same for keyboard users.
 */
function VirtualStockTable({
  columns,
  rows,
  onNearEnd,
}: {
  columns: Column<TStockRow>[];
  rows: TStockRow[];
  onNearEnd: () => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const last = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (last >= rows.length - OVERSCAN) onNearEnd();
  }, [last, rows.length, onNearEnd]);
  const top = items[0]?.start ?? 0;
  const bottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <div className="table-wrap table-virtual" ref={scroller} data-testid="stock-table">
      <table aria-rowcount={rows.length + 1}>
        <caption className="sr-only">Stock</caption>
        <TableHead columns={columns} rowIndex={1} />
        <tbody>
          {top > 0 ? <tr aria-hidden="true" style={{ height: top }} /> : null}
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <tr
                key={row.variantId}
                data-index={item.index}
                aria-rowindex={item.index + 2}
                ref={virtualizer.measureElement}
              >
                <TableCells columns={columns} row={row} />
              </tr>
            );
          })}
          {bottom > 0 ? <tr aria-hidden="true" style={{ height: bottom }} /> : null}
        </tbody>
      </table>
    </div>
  );
}

function LedgerDialog({ row, onClose }: { row: TStockRow; onClose: () => void }) {
  const trpc = useTRPC();
  const ledger = useInfiniteQuery(
    trpc.inventory.variantLedger.infiniteQueryOptions(
      { variantId: row.variantId },
      { getNextPageParam: nextCursor },
    ),
  );
  return (
    <Dialog open title={`Ledger: ${row.sku}`} onClose={onClose}>
      {ledger.isPending ? <Loading /> : null}
      {ledger.isError ? <ErrorBanner error={ledger.error} /> : null}
      {ledger.isSuccess ? (
        <>
          <LedgerTable caption={`Ledger for ${row.sku}`} entries={pageItems(ledger.data)} />
          <LoadMore query={ledger} />
        </>
      ) : null}
      <div className="form-actions">
        <Button onClick={onClose} autoFocus>
          Close
        </Button>
      </div>
    </Dialog>
  );
}
