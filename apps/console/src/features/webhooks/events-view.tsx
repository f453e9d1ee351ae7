// The events table: filters (kept in the address bar), keyset "Load more", and the entry points
// to an event's detail and to bulk replay.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { roleAtLeast } from "@radha/core/security/schema";
import {
  PROVIDERS,
  WEBHOOK_STATUSES,
  type TWebhookEventSummary,
  type TWebhookFilter,
} from "@radha/core/webhooks/schema";
import { formatDateTimeShort } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { EventDrawer } from "./event-drawer";
import { ReplayDialog } from "./replay-dialog";
import {
  filterFromParams,
  filterToParams,
  isFilterEmpty,
  isoToLocalInput,
  localInputToIso,
  toneForStatus,
} from "./webhooks";

export const EVENTS_PAGE_SIZE = 50;

export function EventsView() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const [params, setParams] = useSearchParams();
  const filter = filterFromParams(params);
  const openEventId = params.get("event");
  const [replaying, setReplaying] = useState(false);
  const canReplay = roleAtLeast(user.role, "OPERATOR");

  const events = useInfiniteQuery(
    trpc.webhooks.list.infiniteQueryOptions(
      { filter, limit: EVENTS_PAGE_SIZE },
      { getNextPageParam: nextCursor },
    ),
  );
  const rows = pageItems(events.data);

  const openEvent = (id: string | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set("event", id);
    else next.delete("event");
    setParams(next);
  };

  const columns: Column<TWebhookEventSummary>[] = [
    { header: "Received", cell: (e) => formatDateTimeShort(e.receivedAt), className: "nowrap" },
    {
      header: "Event",
      cell: (e) => (
        <>
          <span className="role-badge">{e.provider}</span>
          <br />
          <button
            type="button"
            className="link wh-event-link"
            onClick={() => openEvent(e.id)}
            aria-label={`Details of ${e.eventType} ${e.providerEventId}`}
          >
            {e.eventType}
          </button>
        </>
      ),
    },
    { header: "Status", cell: (e) => <StatusChip tone={toneForStatus(e.status)}>{e.status}</StatusChip> },
    { header: "Attempts", cell: (e) => e.attemptCount, className: "num" },
    {
      header: "Reference",
      cell: (e) =>
        e.paymentReference || e.orderReference ? (
          <span className="mono small">
            {e.paymentReference ?? ""}
            {e.paymentReference && e.orderReference ? <br /> : null}
            {e.orderReference ?? ""}
          </span>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      header: "Last error",
      cell: (e) =>
        e.lastError || e.reviewReason ? (
          <span className="wh-error" title={e.lastError ?? e.reviewReason ?? ""}>
            {e.lastError ?? `Review: ${e.reviewReason ?? ""}`}
          </span>
        ) : (
          <span className="muted">—</span>
        ),
    },
  ];

  return (
    <>
      <FilterForm
        key={filterToParams(filter).toString()}
        filter={filter}
        onApply={(f) => setParams(filterToParams(f, params))}
      />
      <div className="wh-toolbar">
        <span className="muted small" data-testid="events-count">
          {events.isSuccess
            ? `Showing ${rows.length} event${rows.length === 1 ? "" : "s"}${events.hasNextPage ? " (more below)" : ""}`
            : ""}
        </span>
        {canReplay ? (
          <Button variant="primary" onClick={() => setReplaying(true)}>
            Bulk replay…
          </Button>
        ) : (
          <span className="muted small">Replays need the operator role.</span>
        )}
      </div>
      {events.isPending ? <Loading label="Loading webhook events…" /> : null}
      {events.isError ? (
        <ErrorBanner
          title="Could not load webhook events"
          error={events.error}
          onRetry={() => void events.refetch()}
        />
      ) : null}
      {events.isSuccess && rows.length === 0 ? (
        <Empty>
          {isFilterEmpty(filter) ? "No webhook events have arrived yet." : "No events match this filter."}
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <>
          <Table
            caption="Webhook events"
            columns={columns}
            rows={rows}
            rowKey={(e) => e.id}
            rowClassName={(e) => (e.id === openEventId ? "wh-row-open" : undefined)}
          />
          <LoadMore query={events} end="That is every matching event." />
        </>
      ) : null}
      {openEventId ? (
        <EventDrawer id={openEventId} canReplay={canReplay} onClose={() => openEvent(null)} />
      ) : null}
      {replaying ? <ReplayDialog filter={filter} onClose={() => setReplaying(false)} /> : null}
    </>
  );
}

function FilterForm({ filter, onApply }: { filter: TWebhookFilter; onApply: (f: TWebhookFilter) => void }) {
  const [draft, setDraft] = useState({
    provider: filter.provider ?? "",
    status: filter.status ?? "",
    eventType: filter.eventType ?? "",
    from: isoToLocalInput(filter.from),
    to: isoToLocalInput(filter.to),
    error: filter.error ?? "",
    reference: filter.reference ?? "",
  });
  const set = (key: keyof typeof draft) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: e.target.value });
  const apply = (d: typeof draft) =>
    onApply({
      provider: (d.provider || undefined) as TWebhookFilter["provider"],
      status: (d.status || undefined) as TWebhookFilter["status"],
      eventType: d.eventType.trim() || undefined,
      from: localInputToIso(d.from),
      to: localInputToIso(d.to),
      error: d.error.trim() || undefined,
      reference: d.reference.trim() || undefined,
    });
  return (
    <form
      className="wh-filters"
      role="search"
      aria-label="Filter webhook events"
      onSubmit={(e) => {
        e.preventDefault();
        apply(draft);
      }}
    >
      <div className="wh-filter">
        <label htmlFor="wh-provider">Provider</label>
        <select id="wh-provider" value={draft.provider} onChange={set("provider")}>
          <option value="">Any</option>
          {PROVIDERS.map((p) => (
            <option key={p} value={p}>
              {p === "STRIPE" ? "Stripe" : "Razorpay"}
            </option>
          ))}
        </select>
      </div>
      <div className="wh-filter">
        <label htmlFor="wh-status">Status</label>
        <select id="wh-status" value={draft.status} onChange={set("status")}>
          <option value="">Any</option>
          {WEBHOOK_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div className="wh-filter">
        <label htmlFor="wh-type">Event type</label>
        <input
          id="wh-type"
          value={draft.eventType}
          onChange={set("eventType")}
          placeholder="payment_intent.succeeded"
        />
      </div>
      <div className="wh-filter">
        <label htmlFor="wh-from">Received from</label>
        <input id="wh-from" type="datetime-local" value={draft.from} onChange={set("from")} />
      </div>
      <div className="wh-filter">
        <label htmlFor="wh-to">Received to</label>
        <input id="wh-to" type="datetime-local" value={draft.to} onChange={set("to")} />
      </div>
      <div className="wh-filter">
        <label htmlFor="wh-error">Error contains</label>
        <input id="wh-error" value={draft.error} onChange={set("error")} placeholder="No order matches" />
      </div>
      <div className="wh-filter">
        <label htmlFor="wh-ref">Reference</label>
        <input
          id="wh-ref"
          value={draft.reference}
          onChange={set("reference")}
          placeholder="pi_…, pay_…, order number"
        />
      </div>
      <div className="wh-filter-actions">
        <Button type="submit" variant="primary" size="sm">
          Apply filter
        </Button>
        {!isFilterEmpty(filter) ? (
          <Button
            size="sm"
            variant="ghost"
            onClick={() =>
              apply({ provider: "", status: "", eventType: "", from: "", to: "", error: "", reference: "" })
            }
          >
            Clear
          </Button>
        ) : null}
      </div>
    </form>
  );
}
