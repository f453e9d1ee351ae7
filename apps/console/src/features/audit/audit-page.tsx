import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { roleAtLeast } from "@radha/core/security/schema";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@radha/api/router";
import { formatDateTime } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { PageHeader } from "../../ui/page-header";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { Table, type Column } from "../../ui/table";
import { SecurityEventsPanel } from "./security-events-panel";

export const AUDIT_PAGE_SIZE = 50;

// The wire shape (JSON drops undefined, so before/after arrive optional).
type TAuditEvent = inferRouterOutputs<AppRouter>["audit"]["list"]["items"][number];

const columns: Column<TAuditEvent>[] = [
  { header: "#", cell: (e) => e.seq, className: "num" },
  { header: "When", cell: (e) => formatDateTime(e.occurredAt), className: "nowrap" },
  {
    header: "Actor",
    cell: (e) => (
      <>
        <span className="nowrap">{e.actorLabel ?? e.actorId ?? "—"}</span>
        <br />
        <span className="muted small">{e.actorType.toLowerCase()}</span>
      </>
    ),
  },
  { header: "Action", cell: (e) => <code>{e.action}</code> },
  {
    header: "Target",
    cell: (e) =>
      e.targetType ? (
        <>
          {e.targetType}
          {e.targetId ? (
            <>
              <br />
              <span className="muted small mono nowrap" title={e.targetId}>
                {shortId(e.targetId)}
              </span>
            </>
          ) : null}
        </>
      ) : (
        "—"
      ),
  },
  { header: "Reason", cell: (e) => e.reason ?? <span className="muted">—</span> },
  { header: "Details", cell: (e) => <EventDetails event={e} /> },
];

// UUIDs are long; the first block tells rows apart and the full id is in the tooltip and details.
function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? `${id.slice(0, 8)}…` : id;
}

function EventDetails({ event }: { event: TAuditEvent }) {
  return (
    <details>
      <summary>Show</summary>
      <dl className="details-list">
        {event.targetId ? (
          <>
            <dt>Target id</dt>
            <dd className="mono">{event.targetId}</dd>
          </>
        ) : null}
        <dt>IP</dt>
        <dd className="mono">{event.ip ?? "—"}</dd>
        {event.requestId ? (
          <>
            <dt>Request</dt>
            <dd className="mono">{event.requestId}</dd>
          </>
        ) : null}
        {event.before != null ? (
          <>
            <dt>Before</dt>
            <dd>
              <pre>{JSON.stringify(event.before, null, 2)}</pre>
            </dd>
          </>
        ) : null}
        {event.after != null ? (
          <>
            <dt>After</dt>
            <dd>
              <pre>{JSON.stringify(event.after, null, 2)}</pre>
            </dd>
          </>
        ) : null}
      </dl>
    </details>
  );
}

export function AuditPage() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const [actionInput, setActionInput] = useState("");
  const [action, setAction] = useState("");
  const events = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { limit: AUDIT_PAGE_SIZE, ...(action ? { action } : {}) },
      { getNextPageParam: nextCursor },
    ),
  );
  const rows = pageItems(events.data);

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change, newest first. The log is append-only and hash-chained."
      />
      {roleAtLeast(user.role, "ADMIN") ? <VerifyChain /> : null}
      {roleAtLeast(user.role, "ADMIN") ? <SecurityEventsPanel /> : null}
      <form
        className="filter-bar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setAction(actionInput.trim());
        }}
      >
        <label htmlFor="audit-action">Action starts with</label>
        <input
          id="audit-action"
          value={actionInput}
          onChange={(e) => setActionInput(e.target.value)}
          placeholder="e.g. users. or auth.login"
        />
        <Button type="submit" size="sm">
          Filter
        </Button>
        {action ? (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              setActionInput("");
              setAction("");
            }}
          >
            Clear
          </Button>
        ) : null}
      </form>
      {events.isPending ? <Loading label="Loading audit events…" /> : null}
      {events.isError ? (
        <ErrorBanner
          title="Could not load audit events"
          error={events.error}
          onRetry={() => void events.refetch()}
        />
      ) : null}
      {events.isSuccess && rows.length === 0 ? (
        <Empty>{action ? `No events with an action starting "${action}".` : "No audit events yet."}</Empty>
      ) : null}
      {rows.length > 0 ? (
        <>
          <Table caption="Audit events" columns={columns} rows={rows} rowKey={(e) => e.seq} />
          <LoadMore query={events} end="Start of the log reached.">
            Showing {rows.length} event{rows.length === 1 ? "" : "s"}
          </LoadMore>
        </>
      ) : null}
    </>
  );
}

function VerifyChain() {
  const trpc = useTRPC();
  const verify = useQuery({ ...trpc.audit.verify.queryOptions(), enabled: false, retry: false });
  return (
    <div className="verify">
      <div className="verify-row">
        <Button onClick={() => void verify.refetch()} busy={verify.isFetching}>
          {verify.isFetching ? "Verifying…" : "Verify chain"}
        </Button>
        <p className="muted small">
          Recomputes every link of the hash chain to prove no event was altered or removed.
        </p>
      </div>
      {verify.isError ? <ErrorBanner title="Verification could not run" error={verify.error} /> : null}
      {verify.data && !verify.isFetching ? (
        verify.data.ok ? (
          <p className="banner banner-pass banner-compact" role="status" data-testid="verify-result">
            <span className="banner-glyph" aria-hidden="true">
              ✓
            </span>
            Chain intact: {verify.data.checked} events checked.
          </p>
        ) : (
          <p className="banner banner-fail banner-compact" role="alert" data-testid="verify-result">
            <span className="banner-glyph" aria-hidden="true">
              ✕
            </span>
            Chain broken at event #{verify.data.firstBroken?.seq ?? "?"}:{" "}
            {verify.data.firstBroken?.reason ?? "unknown reason"} ({verify.data.checked} checked).
          </p>
        )
      ) : null}
    </div>
  );
}
