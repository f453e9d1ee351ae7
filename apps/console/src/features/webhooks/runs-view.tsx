// Recent bulk replays: who started them, with which filter, and how far they got.
import { useInfiniteQuery } from "@tanstack/react-query";
import type { TReplayRun } from "@radha/core/webhooks/schema";
import { formatDateTimeShort } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { ErrorBanner } from "../../ui/error-banner";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { RunProgress } from "./replay-dialog";
import { isRunFinished, REPLAY_RUNS_REFRESH_MS, toneForRun } from "./webhooks";

function filterSummary(run: TReplayRun): string {
  const f = run.filter;
  return [
    f.provider?.toLowerCase(),
    f.status,
    f.eventType,
    f.from ? `from ${formatDateTimeShort(f.from)}` : "",
    f.to ? `to ${formatDateTimeShort(f.to)}` : "",
    f.error ? `error “${f.error}”` : "",
    f.reference,
  ]
    .filter(Boolean)
    .join(" · ");
}

const columns: Column<TReplayRun>[] = [
  { header: "Started", cell: (r) => formatDateTimeShort(r.createdAt), className: "nowrap" },
  { header: "By", cell: (r) => r.createdBy ?? <span className="muted">—</span> },
  { header: "Filter", cell: (r) => <span className="small">{filterSummary(r)}</span> },
  { header: "Status", cell: (r) => <StatusChip tone={toneForRun(r.status)}>{r.status}</StatusChip> },
  { header: "Progress", cell: (r) => <RunProgress run={r} compact /> },
  {
    header: "Outcome",
    cell: (r) => (
      <span className="small nowrap">
        {r.succeeded} succeeded
        <br />
        {r.failed} failed
        <br />
        {r.skipped} skipped
      </span>
    ),
  },
  {
    header: "Limits",
    cell: (r) => (
      <span className="small nowrap">
        {r.ratePerSecond ? `${r.ratePerSecond}/s` : "no rate limit"}, {r.concurrency} at once
      </span>
    ),
  },
];

export function RunsView() {
  const trpc = useTRPC();
  const runs = useInfiniteQuery(
    trpc.webhooks.replayRuns.infiniteQueryOptions(
      {},
      {
        getNextPageParam: nextCursor,
        refetchInterval: (q) =>
          pageItems(q.state.data).every(isRunFinished) ? false : REPLAY_RUNS_REFRESH_MS,
      },
    ),
  );
  const rows = pageItems(runs.data);
  return (
    <section aria-labelledby="wh-runs-title" className="section">
      <div className="section-head">
        <h2 id="wh-runs-title">Replay runs</h2>
        <p className="muted small">Newest first. Runs still going refresh every few seconds.</p>
      </div>
      {runs.isPending ? <Loading label="Loading replay runs…" /> : null}
      {runs.isError ? (
        <ErrorBanner
          title="Could not load replay runs"
          error={runs.error}
          onRetry={() => void runs.refetch()}
        />
      ) : null}
      {runs.isSuccess && rows.length === 0 ? (
        <Empty>No replays yet. Start one from Events with “Bulk replay…”.</Empty>
      ) : null}
      {rows.length > 0 ? (
        <>
          <Table caption="Replay runs" columns={columns} rows={rows} rowKey={(r) => r.id} />
          <LoadMore query={runs} />
        </>
      ) : null}
    </section>
  );
}
