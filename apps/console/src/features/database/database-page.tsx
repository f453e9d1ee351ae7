// The live database: connections by state and application, pool usage, long-running queries,
// blocking chains and the largest relations, refreshed every 5 s; admins can cancel or terminate.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { roleAtLeast } from "@radha/core/security/schema";
import type { TDbQuery } from "@radha/core/dbops/schema";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { PageHeader } from "../../ui/page-header";
import { Empty, Loading } from "../../ui/states";
import { Table, type Column } from "../../ui/table";

const REFRESH_MS = 5_000;

export function DatabasePage() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const admin = roleAtLeast(user.role, "ADMIN");
  const [longSeconds, setLongSeconds] = useState(30);
  const status = useQuery(
    trpc.database.status.queryOptions({ longRunningSeconds: longSeconds }, { refetchInterval: REFRESH_MS }),
  );
  if (status.isPending) return <Loading label="Reading pg_stat_activity…" />;
  if (status.isError)
    return (
      <ErrorBanner
        title="Could not read the database status"
        error={status.error}
        onRetry={() => void status.refetch()}
      />
    );
  const s = status.data;
  const queryColumns: Column<TDbQuery>[] = [
    { header: "pid", cell: (q) => q.pid, className: "num" },
    { header: "Application", cell: (q) => q.application },
    { header: "State", cell: (q) => q.state },
    { header: "Wait", cell: (q) => q.waitEvent ?? "—" },
    { header: "Seconds", cell: (q) => Math.round(q.durationSeconds), className: "num" },
    { header: "Blocked by", cell: (q) => (q.blockedBy.length ? q.blockedBy.join(", ") : "—") },
    { header: "Query", cell: (q) => <code className="small">{q.query}</code> },
    ...(admin ? [{ header: "", cell: (q: TDbQuery) => <BackendActions pid={q.pid} /> }] : []),
  ];
  return (
    <>
      <PageHeader
        title="Database"
        description={`Live view of ${s.database}, refreshed every ${REFRESH_MS / 1000} s.`}
      />
      <section className="section" aria-labelledby="connections-title">
        <h2 id="connections-title">Connections</h2>
        <p data-testid="connection-summary">
          {s.thisDatabaseConnections} on this database; {s.totalConnections} of max_connections{" "}
          {s.maxConnections} on the server
          {s.pool
            ? ` · server pool ${s.pool.total}/${s.pool.max} (idle ${s.pool.idle}, waiting ${s.pool.waiting})`
            : ""}
        </p>
        <Table
          caption="Connections by state and application"
          columns={[
            { header: "State", cell: (g) => g.state },
            { header: "Application", cell: (g) => g.application },
            { header: "Count", cell: (g) => g.count, className: "num" },
          ]}
          rows={s.byState}
          rowKey={(g) => `${g.state}/${g.application}`}
        />
      </section>
      <section className="section" aria-labelledby="long-title">
        <h2 id="long-title">Long-running queries</h2>
        <label className="filter-bar">
          Running at least{" "}
          <input
            type="number"
            min={0}
            value={longSeconds}
            onChange={(e) => setLongSeconds(Math.max(0, Number(e.target.value) || 0))}
            style={{ width: "6em" }}
          />{" "}
          seconds
        </label>
        {s.longRunning.length ? (
          <Table
            caption="Long-running queries"
            columns={queryColumns}
            rows={s.longRunning}
            rowKey={(q) => String(q.pid)}
          />
        ) : (
          <Empty>No query has run that long.</Empty>
        )}
      </section>
      <section className="section" aria-labelledby="blocking-title">
        <h2 id="blocking-title">Blocking chains</h2>
        {s.blocking.length ? (
          <Table
            caption="Blocked and blocking sessions"
            columns={queryColumns}
            rows={s.blocking}
            rowKey={(q) => `b${q.pid}`}
          />
        ) : (
          <Empty>Nothing is waiting on a lock.</Empty>
        )}
      </section>
      <section className="section" aria-labelledby="largest-title">
        <h2 id="largest-title">Largest tables and indexes</h2>
        <Table
          caption="Largest relations"
          columns={[
            { header: "Name", cell: (r) => <code>{r.name}</code> },
            { header: "Kind", cell: (r) => r.kind },
            { header: "Size", cell: (r) => r.pretty, className: "num" },
          ]}
          rows={s.largest}
          rowKey={(r) => `${r.kind}/${r.name}`}
        />
      </section>
    </>
  );
}

function BackendActions({ pid }: { pid: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const done = () => void queryClient.invalidateQueries({ queryKey: trpc.database.status.queryKey() });
  const cancel = useMutation(trpc.database.cancel.mutationOptions({ onSuccess: done }));
  const terminate = useMutation(trpc.database.terminate.mutationOptions({ onSuccess: done }));
  const error = cancel.error ?? terminate.error;
  return (
    <div className="nowrap">
      <Button size="sm" onClick={() => cancel.mutate({ pid })} busy={cancel.isPending}>
        Cancel
      </Button>{" "}
      <input
        aria-label={`Reason to terminate ${pid}`}
        placeholder="reason"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        style={{ width: "8em" }}
      />{" "}
      <Button
        size="sm"
        variant="danger"
        disabled={reason.trim().length < 3}
        onClick={() => terminate.mutate({ pid, reason: reason.trim() })}
        busy={terminate.isPending}
      >
        Terminate
      </Button>
      {error ? <p className="small error-text">{error.message}</p> : null}
      {terminate.data ? <p className="small">{terminate.data.message}</p> : null}
    </div>
  );
}
