// Requests refused before they were stored (bad signature, stale timestamp, too large …).
import { useInfiniteQuery } from "@tanstack/react-query";
import type { TWebhookRejection } from "@radha/core/webhooks/schema";
import { formatDateTime } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { ErrorBanner } from "../../ui/error-banner";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { Table, type Column } from "../../ui/table";

const columns: Column<TWebhookRejection>[] = [
  { header: "Received", cell: (r) => formatDateTime(r.receivedAt), className: "nowrap" },
  { header: "Provider", cell: (r) => <span className="role-badge">{r.provider}</span> },
  { header: "HTTP", cell: (r) => r.statusCode, className: "num" },
  { header: "Reason", cell: (r) => r.reason, className: "wide" },
  { header: "IP", cell: (r) => <span className="mono small">{r.ip ?? "—"}</span> },
  { header: "Size", cell: (r) => `${r.bodyBytes.toLocaleString()} B`, className: "num" },
  { header: "Request", cell: (r) => <span className="mono small">{r.requestId ?? "—"}</span> },
  {
    header: "Body SHA-256",
    cell: (r) =>
      r.bodySha256 ? (
        <span className="mono small" title={r.bodySha256}>
          {r.bodySha256.slice(0, 12)}…
        </span>
      ) : (
        <span className="muted">—</span>
      ),
  },
];

export function RejectionsView() {
  const trpc = useTRPC();
  const rejections = useInfiniteQuery(
    trpc.webhooks.rejections.infiniteQueryOptions({ limit: 100 }, { getNextPageParam: nextCursor }),
  );
  const rows = pageItems(rejections.data);
  return (
    <section aria-labelledby="wh-rejections-title" className="section">
      <div className="section-head">
        <h2 id="wh-rejections-title">Rejected requests</h2>
        <p className="muted small">
          Newest first. These never reached processing; a burst usually means a wrong or rotated signing
          secret.
        </p>
      </div>
      {rejections.isPending ? <Loading label="Loading rejected requests…" /> : null}
      {rejections.isError ? (
        <ErrorBanner
          title="Could not load rejected requests"
          error={rejections.error}
          onRetry={() => void rejections.refetch()}
        />
      ) : null}
      {rejections.isSuccess && rows.length === 0 ? <Empty>No requests have been rejected.</Empty> : null}
      {rows.length > 0 ? (
        <>
          <Table caption="Rejected webhook requests" columns={columns} rows={rows} rowKey={(r) => r.id} />
          <LoadMore query={rejections} />
        </>
      ) : null}
    </section>
  );
}
