// One event in a side drawer: what it is about, every attempt, the payload and headers as stored,
// and "Replay this event" for operators.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef } from "react";
import type { TWebhookAttempt } from "@radha/core/webhooks/schema";
import { formatDateTime } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { toneForOutcome, toneForStatus } from "./webhooks";

const ATTEMPT_COLUMNS: Column<TWebhookAttempt>[] = [
  { header: "#", cell: (a) => a.number, className: "num" },
  { header: "Trigger", cell: (a) => <span className="role-badge">{a.trigger}</span> },
  {
    header: "Operator",
    cell: (a) => a.operator ?? <span className="muted">{a.trigger === "AUTO" ? "system" : "—"}</span>,
  },
  {
    header: "Started → finished",
    cell: (a) => (
      <span className="nowrap small">
        {formatDateTime(a.startedAt)}
        <br />→ {formatDateTime(a.finishedAt)}
      </span>
    ),
  },
  { header: "Outcome", cell: (a) => <StatusChip tone={toneForOutcome(a.outcome)}>{a.outcome}</StatusChip> },
  { header: "Error", cell: (a) => a.error ?? <span className="muted">—</span>, className: "wide" },
];

const OUTCOME_TEXT: Record<string, string> = {
  PROCESSED: "Processed: its effect is applied.",
  IGNORED: "Ignored: the event asks for nothing we act on.",
  FAILED: "Failed again; the error is in the attempt history.",
  SKIPPED: "Skipped: the event was already settled, nothing ran twice.",
  DEFERRED:
    "Deferred: payment processing is switched off (System → payments_enabled); it runs when it is back on.",
};

export function EventDrawer({
  id,
  canReplay,
  onClose,
}: {
  id: string;
  canReplay: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const event = useQuery(trpc.webhooks.get.queryOptions({ id }));
  const replay = useMutation(
    trpc.webhooks.replayOne.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathKey() }),
    }),
  );

  useEffect(() => {
    const el = ref.current;
    if (el && !el.open) el.showModal();
  }, []);

  const e = event.data;
  return (
    <dialog ref={ref} className="wh-drawer" aria-labelledby={titleId} onClose={onClose}>
      <div className="wh-drawer-head">
        <h2 id={titleId}>{e ? e.eventType : "Webhook event"}</h2>
        <Button
          size="sm"
          variant="ghost"
          onClick={() => ref.current?.close()}
          aria-label="Close event details"
        >
          ✕ Close
        </Button>
      </div>
      {event.isPending ? <Loading label="Loading the event…" /> : null}
      {event.isError ? (
        <ErrorBanner
          title="Could not load this event"
          error={event.error}
          onRetry={() => void event.refetch()}
        />
      ) : null}
      {e ? (
        <div className="wh-drawer-body">
          <dl className="wh-facts">
            <div>
              <dt>Status</dt>
              <dd>
                <StatusChip tone={toneForStatus(e.status)}>{e.status}</StatusChip>
              </dd>
            </div>
            <div>
              <dt>Provider</dt>
              <dd>{e.provider}</dd>
            </div>
            <div>
              <dt>Attempts</dt>
              <dd>{e.attemptCount}</dd>
            </div>
            <div>
              <dt>Received</dt>
              <dd>{formatDateTime(e.receivedAt)}</dd>
            </div>
            <div>
              <dt>Processed</dt>
              <dd>{formatDateTime(e.processedAt)}</dd>
            </div>
            {e.nextAttemptAt ? (
              <div>
                <dt>Next automatic try</dt>
                <dd>{formatDateTime(e.nextAttemptAt)}</dd>
              </div>
            ) : null}
            <div>
              <dt>Provider event id</dt>
              <dd className="mono">{e.providerEventId}</dd>
            </div>
            <div>
              <dt>Payment</dt>
              <dd className="mono">{e.paymentReference ?? "—"}</dd>
            </div>
            <div>
              <dt>Order</dt>
              <dd className="mono">{e.orderReference ?? e.orderId ?? "—"}</dd>
            </div>
          </dl>
          {e.lastError ? (
            <div className="banner banner-fail banner-compact" role="note">
              <span className="banner-glyph" aria-hidden="true">
                ✕
              </span>
              <div className="banner-body">
                <strong>Last error</strong>
                <p>{e.lastError}</p>
              </div>
            </div>
          ) : null}
          {canReplay ? (
            <div className="wh-replay-one">
              <Button variant="primary" busy={replay.isPending} onClick={() => replay.mutate({ id })}>
                {replay.isPending ? "Replaying…" : "Replay this event"}
              </Button>
              <p className="muted small">
                Runs processing again now. Effects happen at most once: an already processed event is skipped.
              </p>
            </div>
          ) : null}
          {replay.isError ? <ErrorBanner title="The replay could not run" error={replay.error} /> : null}
          {replay.data ? (
            <p
              className={`banner banner-compact ${replay.data.outcome === "FAILED" ? "banner-fail" : replay.data.outcome === "DEFERRED" ? "banner-warn" : "banner-pass"}`}
              role="status"
              data-testid="replay-one-result"
            >
              <StatusChip tone={toneForOutcome(replay.data.outcome)}>{replay.data.outcome}</StatusChip>{" "}
              {OUTCOME_TEXT[replay.data.outcome] ?? ""}
              {replay.data.error ? ` ${replay.data.error}` : ""}
            </p>
          ) : null}

          <h3>Attempt history</h3>
          {e.attempts.length === 0 ? (
            <p className="muted">No attempts yet.</p>
          ) : (
            <Table
              caption="Attempts"
              columns={ATTEMPT_COLUMNS}
              rows={e.attempts}
              rowKey={(a) => String(a.number)}
            />
          )}

          <h3>Payload</h3>
          {e.payloadSanitized ? (
            <p className="muted" data-testid="payload-sanitized">
              Postgres could not store this payload as sent: characters it refuses were replaced with � and
              out-of-range numbers with null. The exact signed bytes are kept with the event.
            </p>
          ) : null}
          <pre className="wh-code" data-testid="event-payload">
            {JSON.stringify(e.payload, null, 2)}
          </pre>

          <h3>Headers</h3>
          {Object.keys(e.headers).length === 0 ? (
            <p className="muted">No headers stored.</p>
          ) : (
            <dl className="wh-headers">
              {Object.entries(e.headers).map(([k, v]) => (
                <div key={k}>
                  <dt className="mono">{k}</dt>
                  <dd className="mono">{v}</dd>
                </div>
              ))}
            </dl>
          )}
        </div>
      ) : null}
    </dialog>
  );
}
