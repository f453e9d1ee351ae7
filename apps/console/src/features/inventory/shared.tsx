// Small pieces the inventory pages share: signed deltas, the ledger table.
import type { TLedgerEntry } from "@radha/core/inventory/schema";
import { formatDateTimeShort } from "../../lib/format";
import { Table, type Column } from "../../ui/table";

export function Delta({ value }: { value: number | null }) {
  if (value === null) return <span className="muted">—</span>;
  return (
    <span className={`mono ${value < 0 ? "delta-down" : value > 0 ? "delta-up" : "muted"}`}>
      {value > 0 ? `+${value}` : value}
    </span>
  );
}

const LEDGER_COLUMNS: Column<TLedgerEntry>[] = [
  { header: "When", cell: (e) => formatDateTimeShort(e.createdAt), className: "nowrap" },
  { header: "Type", cell: (e) => <span className="role-badge">{e.type}</span> },
  { header: "SKU", cell: (e) => <span className="mono">{e.sku}</span> },
  {
    header: "Qty",
    cell: (e) => (
      <Delta value={e.type === "RESERVATION" || e.type === "RELEASE" ? e.reservedDelta : e.quantity} />
    ),
  },
  { header: "Before → after", cell: (e) => `${e.previousStock} → ${e.newStock}`, className: "nowrap" },
  { header: "Reason", cell: (e) => e.reason },
  { header: "By", cell: (e) => e.actorLabel ?? <span className="muted">system</span> },
];

export function LedgerTable({ entries, caption }: { entries: TLedgerEntry[]; caption: string }) {
  return <Table caption={caption} columns={LEDGER_COLUMNS} rows={entries} rowKey={(e) => e.id} />;
}
