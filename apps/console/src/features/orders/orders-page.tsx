// Orders: filters kept in the address bar, keyset "Load more", each order linked to its detail.
import { useInfiniteQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import {
  formatMoney,
  ORDER_STATUSES,
  type TOrderFilter,
  type TOrderStatus,
  type TOrderSummary,
} from "@radha/core/orders/schema";
import { formatDateTimeShort } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { LoadMore } from "../../ui/load-more";
import { PageHeader } from "../../ui/page-header";
import { Empty, Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import "./orders.css";
import { Table, type Column } from "../../ui/table";
import { toneForOrder } from "./orders";

function filterFromParams(p: URLSearchParams): TOrderFilter {
  const status = p.get("status");
  const provider = p.get("provider");
  return {
    ...(status && (ORDER_STATUSES as readonly string[]).includes(status)
      ? { status: status as TOrderStatus }
      : {}),
    ...(provider === "STRIPE" || provider === "RAZORPAY" ? { provider } : {}),
    ...(p.get("oversold") === "1" ? { oversold: true } : {}),
    ...(p.get("search") ? { search: p.get("search") ?? "" } : {}),
  };
}

const COLUMNS: Column<TOrderSummary>[] = [
  {
    header: "Order",
    cell: (o) => (
      <Link to={`/orders/${o.id}`} className="mono">
        {o.orderNumber}
      </Link>
    ),
  },
  { header: "Created", cell: (o) => formatDateTimeShort(o.createdAt), className: "nowrap" },
  {
    header: "Status",
    cell: (o) => (
      <>
        <StatusChip tone={toneForOrder(o.status)}>{o.status}</StatusChip>
        {o.oversold ? (
          <>
            {" "}
            <StatusChip tone="bad">OVERSOLD</StatusChip>
          </>
        ) : null}
      </>
    ),
  },
  { header: "Provider", cell: (o) => o.paymentProvider ?? "—" },
  { header: "Total", cell: (o) => formatMoney(o.totalMinor, o.currency), className: "num nowrap" },
  { header: "Paid", cell: (o) => formatMoney(o.paidMinor, o.currency), className: "num nowrap" },
  { header: "Refunded", cell: (o) => formatMoney(o.refundedMinor, o.currency), className: "num nowrap" },
  { header: "Customer", cell: (o) => o.email },
];

export function OrdersPage() {
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const filter = filterFromParams(params);
  const orders = useInfiniteQuery(
    trpc.orders.list.infiniteQueryOptions({ filter, limit: 50 }, { getNextPageParam: nextCursor }),
  );
  const rows = pageItems(orders.data);
  return (
    <section>
      <PageHeader
        title="Orders"
        description="Every order with what was paid and refunded, from payment records."
        actions={
          <Link to="/orders/review" className="btn btn-secondary">
            Payment review queue
          </Link>
        }
      />
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          const next = new URLSearchParams();
          for (const key of ["status", "provider", "search"]) {
            const raw = data.get(key);
            const v = typeof raw === "string" ? raw.trim() : "";
            if (v) next.set(key, v);
          }
          if (data.get("oversold")) next.set("oversold", "1");
          setParams(next);
        }}
      >
        <label>
          Status{" "}
          <select name="status" defaultValue={filter.status ?? ""}>
            <option value="">any</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Provider{" "}
          <select name="provider" defaultValue={filter.provider ?? ""}>
            <option value="">any</option>
            <option>STRIPE</option>
            <option>RAZORPAY</option>
          </select>
        </label>
        <label>
          Search{" "}
          <input name="search" defaultValue={filter.search ?? ""} placeholder="order, e-mail, payment id" />
        </label>
        <label>
          <input type="checkbox" name="oversold" defaultChecked={filter.oversold ?? false} /> Oversold only
        </label>
        <Button type="submit" variant="primary">
          Apply
        </Button>
      </form>
      {orders.isPending ? <Loading label="Loading orders…" /> : null}
      {orders.isError ? (
        <ErrorBanner
          title="Could not load orders"
          error={orders.error}
          onRetry={() => void orders.refetch()}
        />
      ) : null}
      {orders.isSuccess && rows.length === 0 ? <Empty>No orders match.</Empty> : null}
      {rows.length > 0 ? (
        <>
          <Table caption="Orders" columns={COLUMNS} rows={rows} rowKey={(o) => o.id} />
          <LoadMore query={orders} end="That is every matching order." />
        </>
      ) : null}
    </section>
  );
}
