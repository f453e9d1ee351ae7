// The NEEDS_REVIEW queue: payment events whose money did not fit their order, for an operator to resolve.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { roleAtLeast } from "@radha/core/security/schema";
import type { TReviewItem } from "@radha/core/orders/schema";
import { formatDateTimeShort } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { LoadMore } from "../../ui/load-more";
import { PageHeader } from "../../ui/page-header";
import { Empty, Loading } from "../../ui/states";
import "./orders.css";
import { Table, type Column } from "../../ui/table";
import { ResolveDialog } from "./resolve-dialog";

export function ReviewQueuePage() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const canResolve = roleAtLeast(user.role, "OPERATOR");
  const [open, setOpen] = useState<TReviewItem | null>(null);
  const queue = useInfiniteQuery(
    trpc.orders.reviewQueue.infiniteQueryOptions({ limit: 50 }, { getNextPageParam: nextCursor }),
  );
  const rows = pageItems(queue.data);
  const columns: Column<TReviewItem>[] = [
    { header: "Received", cell: (r) => formatDateTimeShort(r.receivedAt), className: "nowrap" },
    {
      header: "Event",
      cell: (r) => (
        <>
          <span className="role-badge">{r.provider}</span> {r.eventType}
          <br />
          <span className="mono small">{r.paymentReference ?? r.providerEventId}</span>
        </>
      ),
    },
    {
      header: "Order",
      cell: (r) =>
        r.orderId ? (
          <Link to={`/orders/${r.orderId}`}>{r.orderNumber}</Link>
        ) : (
          <span className="muted">none</span>
        ),
    },
    { header: "Why", cell: (r) => <span className="review-reason">{r.reviewReason}</span> },
    {
      header: "",
      cell: (r) =>
        canResolve ? (
          <Button size="sm" variant="primary" onClick={() => setOpen(r)}>
            Resolve…
          </Button>
        ) : null,
    },
  ];
  return (
    <section>
      <PageHeader
        title="Payment review"
        description="Payments whose amount, currency or order did not match. Never retried automatically: resolve each with a reason."
      />
      {!canResolve ? <p className="muted small">Resolving needs the operator role.</p> : null}
      {queue.isPending ? <Loading label="Loading the review queue…" /> : null}
      {queue.isError ? (
        <ErrorBanner
          title="Could not load the review queue"
          error={queue.error}
          onRetry={() => void queue.refetch()}
        />
      ) : null}
      {queue.isSuccess && rows.length === 0 ? <Empty>Nothing waits for review.</Empty> : null}
      {rows.length > 0 ? (
        <>
          <Table
            caption="Payment events waiting for review"
            columns={columns}
            rows={rows}
            rowKey={(r) => r.eventId}
          />
          <LoadMore query={queue} end="That is the whole queue." />
        </>
      ) : null}
      <ResolveDialog item={open} onClose={() => setOpen(null)} />
    </section>
  );
}
