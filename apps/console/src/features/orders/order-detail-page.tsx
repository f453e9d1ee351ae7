// One order: totals from payment records, items with sold/returned units, and a timeline of its
// payment events, payments, refunds and stock movements.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { formatMoney, type TOrderItem } from "@radha/core/orders/schema";
import { roleAtLeast } from "@radha/core/security/schema";
import { formatDateTime } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { PageHeader } from "../../ui/page-header";
import { Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import "./orders.css";
import { Table, type Column } from "../../ui/table";
import { orderTimeline, toneForOrder } from "./orders";
import { ReturnStockDialog } from "./return-stock-dialog";

const ITEM_COLUMNS: Column<TOrderItem>[] = [
  { header: "Item", cell: (i) => i.productName ?? "—" },
  { header: "SKU", cell: (i) => <span className="mono small">{i.sku ?? i.variantId}</span> },
  { header: "Qty", cell: (i) => i.quantity, className: "num" },
  { header: "Sold", cell: (i) => i.sold, className: "num" },
  { header: "Returned", cell: (i) => i.returned, className: "num" },
];

export function OrderDetailPage() {
  const { id = "" } = useParams();
  const trpc = useTRPC();
  const user = useCurrentUser();
  const [returning, setReturning] = useState(false);
  const order = useQuery(trpc.orders.get.queryOptions({ id }));
  if (order.isPending) return <Loading label="Loading the order…" />;
  if (order.isError)
    return (
      <ErrorBanner
        title="Could not load the order"
        error={order.error}
        onRetry={() => void order.refetch()}
      />
    );
  const o = order.data;
  const canReturn =
    roleAtLeast(user.role, "OPERATOR") && (o.status === "REFUNDED" || o.status === "PARTIALLY_REFUNDED");
  return (
    <section>
      <PageHeader
        title={`Order ${o.orderNumber}`}
        description={
          <>
            <Link to="/orders">All orders</Link> · {o.email} · created {formatDateTime(o.createdAt)}
          </>
        }
        actions={
          canReturn ? (
            <Button variant="primary" onClick={() => setReturning(true)}>
              Return stock…
            </Button>
          ) : null
        }
      />
      <div className="panel order-summary">
        <p>
          <StatusChip tone={toneForOrder(o.status)}>{o.status}</StatusChip>{" "}
          {o.oversold ? <StatusChip tone="bad">OVERSOLD</StatusChip> : null}{" "}
          <span className="muted small">next: {o.nextStatuses.join(", ") || "final"}</span>
        </p>
        <dl className="facts">
          <dt>Total</dt>
          <dd>{formatMoney(o.totalMinor, o.currency)}</dd>
          <dt>Paid</dt>
          <dd>{formatMoney(o.paidMinor, o.currency)}</dd>
          <dt>Refunded</dt>
          <dd>{formatMoney(o.refundedMinor, o.currency)}</dd>
          <dt>Provider</dt>
          <dd>
            {o.paymentProvider ?? "—"} <span className="mono small">{o.paymentReference ?? ""}</span>
          </dd>
        </dl>
        {o.oversoldItems?.length ? (
          <p className="banner banner-warn">
            Paid although stock was gone:{" "}
            {o.oversoldItems
              .map((s) => `${s.short} of ${s.ordered} short (item ${s.itemId.slice(0, 8)})`)
              .join("; ")}
            . Restock or refund.
          </p>
        ) : null}
      </div>
      <h2>Items</h2>
      <Table caption="Items" columns={ITEM_COLUMNS} rows={o.items} rowKey={(i) => i.id} />
      <h2>Timeline</h2>
      <ol className="timeline" aria-label="Payment timeline">
        {orderTimeline(o).map((e, k) => (
          <li key={k} className={`timeline-${e.kind}`}>
            <span className="muted small nowrap">{formatDateTime(e.at)}</span>{" "}
            <StatusChip tone={e.tone}>{e.kind}</StatusChip> <strong>{e.title}</strong>
            {e.detail ? <div className="small">{e.detail}</div> : null}
          </li>
        ))}
      </ol>
      <ReturnStockDialog order={o} open={returning} onClose={() => setReturning(false)} />
    </section>
  );
}
