// Reset batch history: what each batch changed, and an exact rollback (preview → confirm).
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TBatchSummary, TRollbackPreviewItem } from "@radha/core/inventory/schema";
import { roleAtLeast } from "@radha/core/security/schema";
import { formatDateTimeShort } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";
import { PageHeader } from "../../ui/page-header";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { Delta, LedgerTable } from "./shared";

export function BatchesPage() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const batches = useInfiniteQuery(
    trpc.inventory.batches.infiniteQueryOptions({ limit: 50 }, { getNextPageParam: nextCursor }),
  );
  const rows = pageItems(batches.data);
  const [rollingBack, setRollingBack] = useState<TBatchSummary | null>(null);
  const [report, setReport] = useState<TBatchSummary | null>(null);
  const canRollback = roleAtLeast(user.role, "OPERATOR");

  const columns: Column<TBatchSummary>[] = [
    { header: "Applied", cell: (b) => formatDateTimeShort(b.createdAt), className: "nowrap" },
    { header: "By", cell: (b) => b.actorLabel },
    { header: "Reason", cell: (b) => b.reason },
    { header: "Rows", cell: (b) => b.rowCount, className: "num" },
    { header: "Changed", cell: (b) => b.changedCount, className: "num" },
    {
      header: "Status",
      cell: (b) =>
        b.status === "APPLIED" ? (
          <StatusChip tone="ok">applied</StatusChip>
        ) : (
          <StatusChip tone="neutral">rolled back {formatDateTimeShort(b.rolledBackAt)}</StatusChip>
        ),
    },
    {
      header: "Actions",
      className: "actions",
      cell: (b) => (
        <>
          <Button size="sm" onClick={() => setReport(b)}>
            Report
          </Button>{" "}
          {canRollback && b.status === "APPLIED" ? (
            <Button size="sm" variant="danger" onClick={() => setRollingBack(b)}>
              Roll back
            </Button>
          ) : null}
        </>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Reset batches"
        description="Every physical-count batch. A rollback undoes exactly that batch's changes; sales made since stay sold."
      />
      {batches.isPending ? <Loading label="Loading batches…" /> : null}
      {batches.isError ? (
        <ErrorBanner
          title="Could not load batches"
          error={batches.error}
          onRetry={() => void batches.refetch()}
        />
      ) : null}
      {batches.isSuccess && rows.length === 0 ? <Empty>No reset batches yet.</Empty> : null}
      {rows.length > 0 ? (
        <>
          <Table caption="Reset batches" columns={columns} rows={rows} rowKey={(b) => b.id} />
          <LoadMore query={batches} />
        </>
      ) : null}
      {rollingBack ? <RollbackDialog batch={rollingBack} onClose={() => setRollingBack(null)} /> : null}
      {report ? <ReportDialog batch={report} onClose={() => setReport(null)} /> : null}
    </>
  );
}

const ROLLBACK_COLUMNS: Column<TRollbackPreviewItem>[] = [
  { header: "SKU", cell: (i) => <span className="mono">{i.sku}</span> },
  { header: "Batch delta", cell: (i) => <Delta value={i.batchDelta} /> },
  { header: "On hand now", cell: (i) => i.currentStock, className: "num" },
  {
    header: "After rollback",
    cell: (i) =>
      i.wouldGoNegative ? <StatusChip tone="bad">{i.stockAfterRollback}</StatusChip> : i.stockAfterRollback,
    className: "num",
  },
  {
    header: "Moved since",
    cell: (i) =>
      i.movementsSince ? (
        <StatusChip tone="warn">{i.movementsSince} movements</StatusChip>
      ) : (
        <span className="muted">—</span>
      ),
  },
];

function RollbackDialog({ batch, onClose }: { batch: TBatchSummary; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const preview = useQuery(trpc.inventory.rollbackPreview.queryOptions({ batchId: batch.id }));
  const rollback = useMutation(
    trpc.inventory.rollback.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.inventory.pathKey() });
        onClose();
      },
    }),
  );
  return (
    <Dialog open title={`Roll back batch from ${formatDateTimeShort(batch.createdAt)}?`} onClose={onClose}>
      {preview.isPending ? <Loading /> : null}
      {preview.isError ? <ErrorBanner error={preview.error} /> : null}
      {preview.isSuccess ? (
        <div className="form">
          <p data-testid="rollback-summary">
            {preview.data.items.length} variants go back by the batch's delta;{" "}
            {preview.data.changedSinceCount} changed since (those movements are kept).
          </p>
          <Table
            caption="Rollback preview"
            columns={ROLLBACK_COLUMNS}
            rows={preview.data.items}
            rowKey={(i) => i.variantId}
          />
          {preview.data.blockedBecause ? (
            <ErrorBanner title="Cannot roll back" error={new Error(preview.data.blockedBecause)} />
          ) : null}
          <Field label="Reason">
            {(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}
          </Field>
          {rollback.isError ? <ErrorBanner error={rollback.error} /> : null}
          <div className="form-actions">
            <Button onClick={onClose} autoFocus>
              Cancel
            </Button>
            <Button
              variant="danger"
              disabled={!preview.data.canRollback || reason.trim().length < 3}
              busy={rollback.isPending}
              onClick={() => rollback.mutate({ batchId: batch.id, reason })}
            >
              Roll back {preview.data.items.length} variants
            </Button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}

function ReportDialog({ batch, onClose }: { batch: TBatchSummary; onClose: () => void }) {
  const trpc = useTRPC();
  const report = useQuery(trpc.inventory.batchReport.queryOptions({ batchId: batch.id }));
  return (
    <Dialog open title={`Batch ${batch.batchKey}`} onClose={onClose}>
      {report.isPending ? <Loading /> : null}
      {report.isError ? <ErrorBanner error={report.error} /> : null}
      {report.isSuccess ? (
        <>
          <p>
            {report.data.items.length} variants counted, {report.data.skipped.length} rows skipped. Reason:{" "}
            {batch.reason}
            {batch.reference ? ` · reference ${batch.reference}` : ""}
          </p>
          <LedgerTable caption="Ledger rows of this batch" entries={report.data.ledger} />
        </>
      ) : null}
      <div className="form-actions">
        <Button onClick={onClose}>Close</Button>
      </div>
    </Dialog>
  );
}
