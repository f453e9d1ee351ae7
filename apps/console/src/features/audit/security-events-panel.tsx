// Security events on the Audit page (admins): refused calls, failed sign-ins, lockouts,
// refresh-token reuse. A capped table, newest first; the audit log itself stays for changes.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import {
  SECURITY_EVENT_KINDS,
  type TSecurityEvent,
  type TSecurityEventKind,
} from "@radha/core/security/schema";
import { formatDateTime } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { ErrorBanner } from "../../ui/error-banner";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { Table, type Column } from "../../ui/table";

const columns: Column<TSecurityEvent>[] = [
  { header: "When", cell: (e) => formatDateTime(e.occurredAt), className: "nowrap" },
  { header: "Kind", cell: (e) => <code>{e.kind}</code> },
  {
    header: "Who",
    cell: (e) => (
      <>
        <span className="nowrap">{e.actorLabel ?? e.actorId ?? "—"}</span>
        <br />
        <span className="muted small">{e.actorType.toLowerCase()}</span>
      </>
    ),
  },
  { header: "Target", cell: (e) => e.target ?? <span className="muted">—</span> },
  { header: "IP", cell: (e) => <span className="mono">{e.ip ?? "—"}</span> },
  { header: "Detail", cell: (e) => e.detail ?? <span className="muted">—</span> },
];

export function SecurityEventsPanel() {
  const trpc = useTRPC();
  const [kind, setKind] = useState<TSecurityEventKind | "">("");
  const events = useInfiniteQuery(
    trpc.audit.securityEvents.infiniteQueryOptions(
      { limit: 20, ...(kind ? { kind } : {}) },
      { getNextPageParam: nextCursor },
    ),
  );
  const rows = pageItems(events.data);
  return (
    <section className="panel section" aria-labelledby="security-events-title">
      <h2 id="security-events-title">Security events</h2>
      <p className="muted small">
        Refused calls, failed sign-ins, lockouts and refresh-token reuse. Only the newest 10,000 are kept.
      </p>
      <div className="filter-bar" style={{ justifySelf: "start" }}>
        <label htmlFor="security-kind">Kind</label>
        <select
          id="security-kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as TSecurityEventKind | "")}
        >
          <option value="">all</option>
          {SECURITY_EVENT_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </div>
      {events.isPending ? <Loading label="Loading security events…" /> : null}
      {events.isError ? <ErrorBanner title="Could not load security events" error={events.error} /> : null}
      {events.isSuccess && rows.length === 0 ? <Empty>No security events.</Empty> : null}
      {rows.length > 0 ? (
        <>
          <Table caption="Security events" columns={columns} rows={rows} rowKey={(e) => e.id} />
          <LoadMore query={events} end="Oldest kept event reached." />
        </>
      ) : null}
    </section>
  );
}
