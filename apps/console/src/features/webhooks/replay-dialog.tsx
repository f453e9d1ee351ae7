// Bulk replay with the events page's filter: preview (exact count + sample) → confirm (rate,
// concurrency) → live progress (polled every second, cancellable) → result summary.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { TReplayRun, TWebhookEventSummary, TWebhookFilter } from "@radha/core/webhooks/schema";
import { formatDateTimeShort } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";
import { Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { isRunFinished, parseWholeInput, runPercent, toneForRun, toneForStatus } from "./webhooks";

export const REPLAY_POLL_MS = 1000;

const SAMPLE_COLUMNS: Column<TWebhookEventSummary>[] = [
  { header: "Received", cell: (e) => formatDateTimeShort(e.receivedAt), className: "nowrap" },
  { header: "Type", cell: (e) => <code>{e.eventType}</code> },
  { header: "Status", cell: (e) => <StatusChip tone={toneForStatus(e.status)}>{e.status}</StatusChip> },
  { header: "Attempts", cell: (e) => e.attemptCount, className: "num" },
  {
    header: "Reference",
    cell: (e) => <span className="mono small">{e.paymentReference ?? e.orderReference ?? "—"}</span>,
  },
];

function describeFilter(f: TWebhookFilter): string {
  const parts = [
    f.provider ? f.provider.toLowerCase() : "all providers",
    f.status ? `status ${f.status}` : "status FAILED (the default for replays)",
    f.eventType ? `type ${f.eventType}` : "",
    f.from ? `from ${formatDateTimeShort(f.from)}` : "",
    f.to ? `to ${formatDateTimeShort(f.to)}` : "",
    f.error ? `error contains “${f.error}”` : "",
    f.reference ? `reference ${f.reference}` : "",
  ];
  return parts.filter(Boolean).join(" · ");
}

export function ReplayDialog({ filter, onClose }: { filter: TWebhookFilter; onClose: () => void }) {
  const [runId, setRunId] = useState<string | null>(null);
  return (
    <Dialog open title="Bulk replay" onClose={onClose}>
      <div className="wh-replay">
        {runId ? (
          <ReplayProgress runId={runId} onClose={onClose} />
        ) : (
          <ReplayPreview filter={filter} onStarted={setRunId} onClose={onClose} />
        )}
      </div>
    </Dialog>
  );
}

function ReplayPreview({
  filter,
  onStarted,
  onClose,
}: {
  filter: TWebhookFilter;
  onStarted: (id: string) => void;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const preview = useQuery({
    ...trpc.webhooks.replayPreview.queryOptions({ filter }),
    staleTime: 0,
    gcTime: 0,
  });
  const [rate, setRate] = useState("");
  const [concurrency, setConcurrency] = useState("4");
  const start = useMutation(
    trpc.webhooks.replayStart.mutationOptions({ onSuccess: (run) => onStarted(run.id) }),
  );
  const rateValue = parseWholeInput(rate, 1, 10_000);
  const concurrencyValue = parseWholeInput(concurrency, 1, 32);
  const count = preview.data?.count ?? 0;

  return (
    <>
      <p className="muted small">Matching: {describeFilter(filter)}</p>
      {preview.isPending ? <Loading label="Counting matching events…" /> : null}
      {preview.isError ? (
        <ErrorBanner
          title="Could not preview the replay"
          error={preview.error}
          onRetry={() => void preview.refetch()}
        />
      ) : null}
      {preview.isSuccess ? (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (rateValue === null || concurrencyValue == null || count === 0) return;
            start.mutate({
              filter,
              concurrency: concurrencyValue,
              ...(rateValue !== undefined ? { ratePerSecond: rateValue } : {}),
            });
          }}
        >
          <p className="wh-count" data-testid="replay-count">
            {count === 0
              ? "No events match: there is nothing to replay."
              : `${count} event${count === 1 ? "" : "s"} will be replayed.`}
          </p>
          {count > 0 ? (
            <>
              {count > preview.data.sample.length ? (
                <p className="muted small">The first {preview.data.sample.length} by arrival:</p>
              ) : null}
              <Table
                caption="Events that will be replayed (sample)"
                columns={SAMPLE_COLUMNS}
                rows={preview.data.sample}
                rowKey={(e) => e.id}
              />
              <div className="wh-inline-fields">
                <Field
                  label="Events per second"
                  hint="Empty: as fast as processing allows."
                  error={rateValue === null ? "A whole number from 1 to 10000." : undefined}
                >
                  {(p) => (
                    <input
                      {...p}
                      inputMode="numeric"
                      value={rate}
                      onChange={(e) => setRate(e.target.value)}
                      placeholder="no limit"
                    />
                  )}
                </Field>
                <Field
                  label="Concurrency"
                  hint="Events processed at once (1–32)."
                  error={concurrencyValue == null ? "A whole number from 1 to 32." : undefined}
                >
                  {(p) => (
                    <input
                      {...p}
                      inputMode="numeric"
                      value={concurrency}
                      onChange={(e) => setConcurrency(e.target.value)}
                    />
                  )}
                </Field>
              </div>
              <p className="muted small">
                Each event is processed at most once: ones settled meanwhile, or held by another running
                replay, are skipped. Attempt history is kept.
              </p>
            </>
          ) : null}
          {start.isError ? <ErrorBanner title="The replay did not start" error={start.error} /> : null}
          <div className="form-actions">
            <Button onClick={onClose}>{count === 0 ? "Close" : "Cancel"}</Button>
            {count > 0 ? (
              <Button
                type="submit"
                variant="primary"
                busy={start.isPending}
                disabled={rateValue === null || concurrencyValue == null}
              >
                Replay {count} event{count === 1 ? "" : "s"}
              </Button>
            ) : null}
          </div>
        </form>
      ) : null}
    </>
  );
}

const FINAL_TITLE: Record<string, string> = {
  COMPLETED: "Replay finished",
  CANCELLED: "Replay cancelled",
  FAILED: "Replay stopped by an error",
};

function ReplayProgress({ runId, onClose }: { runId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const run = useQuery(
    trpc.webhooks.replayRun.queryOptions(
      { id: runId },
      { refetchInterval: (q) => (isRunFinished(q.state.data) ? false : REPLAY_POLL_MS) },
    ),
  );
  const cancel = useMutation(
    trpc.webhooks.replayCancel.mutationOptions({ onSuccess: () => void run.refetch() }),
  );
  const finished = isRunFinished(run.data);

  // Once the run ends the event list, health and run history are stale.
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathKey() });
  }, [finished, queryClient, trpc]);

  if (run.isPending) return <Loading label="Starting the replay…" />;
  if (!run.data)
    return (
      <ErrorBanner
        title="Could not read the replay's progress"
        error={run.error}
        onRetry={() => void run.refetch()}
      />
    );
  const r = run.data;
  return (
    <>
      <RunProgress run={r} />
      {run.isError ? (
        <ErrorBanner title="Progress is not updating; showing the last known state" error={run.error} />
      ) : null}
      {cancel.isError ? <ErrorBanner title="Could not cancel" error={cancel.error} /> : null}
      {finished ? (
        <div
          className={`banner ${r.status === "COMPLETED" && r.failed === 0 ? "banner-pass" : r.status === "FAILED" || r.failed > 0 ? "banner-fail" : "banner-warn"}`}
          role="status"
          data-testid="replay-result"
        >
          <span className="banner-glyph" aria-hidden="true">
            {r.status === "COMPLETED" && r.failed === 0 ? "✓" : "!"}
          </span>
          <div className="banner-body">
            <strong>{FINAL_TITLE[r.status] ?? r.status}</strong>
            <p>
              {r.succeeded} succeeded, {r.failed} failed, {r.skipped} skipped of {r.total}.
              {r.failed > 0
                ? " Failed events stay FAILED with the new error in their history; filter by status FAILED to see them."
                : ""}
              {r.error ? ` Error: ${r.error}` : ""}
            </p>
          </div>
        </div>
      ) : (
        <p className="muted small">
          You can close this dialog: the replay keeps running on the server (see Replay runs).
        </p>
      )}
      <div className="form-actions">
        {!finished ? (
          <Button
            variant="danger"
            busy={cancel.isPending}
            disabled={r.status === "CANCELLING"}
            onClick={() => cancel.mutate({ id: runId })}
          >
            {r.status === "CANCELLING" ? "Cancelling…" : "Cancel replay"}
          </Button>
        ) : null}
        <Button variant={finished ? "primary" : "secondary"} onClick={onClose}>
          Close
        </Button>
      </div>
    </>
  );
}

/** A run's progress bar with its counts; shared with the runs table. */
export function RunProgress({ run, compact }: { run: TReplayRun; compact?: boolean }) {
  const pct = runPercent(run);
  return (
    <div className={`wh-progress${compact ? " wh-progress-compact" : ""}`}>
      <div className="wh-progress-head">
        {compact ? null : <StatusChip tone={toneForRun(run.status)}>{run.status}</StatusChip>}
        <span data-testid="replay-progress">
          {run.done} / {run.total} done ({pct}%)
        </span>
      </div>
      <div
        className="wh-bar"
        role="progressbar"
        aria-label="Replay progress"
        aria-valuemin={0}
        aria-valuemax={run.total}
        aria-valuenow={run.done}
        aria-valuetext={`${run.done} of ${run.total}`}
      >
        <div className="wh-bar-fill" style={{ width: `${pct}%` }} />
      </div>
      {compact ? null : (
        <dl className="wh-counts">
          <div>
            <dt>Succeeded</dt>
            <dd data-testid="replay-succeeded">{run.succeeded}</dd>
          </div>
          <div>
            <dt>Failed</dt>
            <dd>{run.failed}</dd>
          </div>
          <div>
            <dt>Skipped</dt>
            <dd>{run.skipped}</dd>
          </div>
        </dl>
      )}
    </div>
  );
}
