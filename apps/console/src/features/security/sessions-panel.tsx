// Sessions: who is signed in (by user), ending one user's sessions, and signing everyone out.
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TSessionInfo } from "@radha/core/secops/schema";
import { formatDateTimeShort } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { Table, type Column } from "../../ui/table";
import { ReasonDialog } from "./reason-dialog";

type Target = { userEmail: string } | { sessionId: string; label: string } | { all: true };

export function SessionsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [filter, setFilter] = useState<string | undefined>();
  const [target, setTarget] = useState<Target | null>(null);
  const sessions = useInfiniteQuery(
    trpc.security.sessions.infiniteQueryOptions(filter ? { userEmail: filter } : {}, {
      getNextPageParam: nextCursor,
    }),
  );
  const rows = pageItems(sessions.data);
  const revoke = useMutation(
    trpc.security.revokeSessions.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.security.sessions.infiniteQueryKey() });
        setTarget(null);
      },
    }),
  );

  const columns: Column<TSessionInfo>[] = [
    { header: "User", cell: (s) => <span className="mono">{s.userEmail}</span> },
    { header: "Created", cell: (s) => formatDateTimeShort(s.createdAt) },
    { header: "Last used", cell: (s) => formatDateTimeShort(s.lastUsedAt) },
    { header: "IP", cell: (s) => <code>{s.ip ?? "—"}</code> },
    { header: "User agent", cell: (s) => <span className="small">{s.userAgent?.slice(0, 40) ?? "—"}</span> },
    {
      header: "Actions",
      className: "actions",
      cell: (s) => (
        <Button
          size="sm"
          variant="danger"
          onClick={() => setTarget({ sessionId: s.id, label: s.userEmail })}
          aria-label={`Revoke session of ${s.userEmail}`}
        >
          Revoke
        </Button>
      ),
    },
  ];

  return (
    <section className="section" aria-labelledby="sessions-title">
      <div className="section-head">
        <h2 id="sessions-title">Sessions</h2>
        <Button variant="danger" onClick={() => setTarget({ all: true })}>
          Sign everyone out
        </Button>
      </div>
      <form
        className="filter-bar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(email.trim() || undefined);
        }}
      >
        <label htmlFor="session-user">User email</label>
        <input id="session-user" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <Button type="submit" size="sm">
          Show
        </Button>
        {filter ? (
          <Button size="sm" variant="danger" onClick={() => setTarget({ userEmail: filter })}>
            Revoke all of {filter}'s sessions
          </Button>
        ) : null}
      </form>
      {sessions.isPending ? <Loading label="Loading sessions…" /> : null}
      {sessions.isError ? <ErrorBanner title="Could not load sessions" error={sessions.error} /> : null}
      {sessions.isSuccess && rows.length === 0 ? <Empty>No live sessions.</Empty> : null}
      {rows.length > 0 ? (
        <>
          <Table caption="Live sessions" columns={columns} rows={rows} rowKey={(s) => s.id} />
          <LoadMore query={sessions} />
        </>
      ) : null}
      {target ? (
        <ReasonDialog
          title={
            "all" in target
              ? "Sign everyone out?"
              : "userEmail" in target
                ? `End every session of ${target.userEmail}?`
                : `End this session of ${target.label}?`
          }
          confirmLabel={"all" in target ? "Sign everyone out" : "Revoke"}
          danger
          {...("all" in target ? { confirmText: "SIGN OUT EVERYONE" } : {})}
          busy={revoke.isPending}
          error={revoke.error}
          onClose={() => setTarget(null)}
          onConfirm={(reason) =>
            revoke.mutate(
              "all" in target
                ? { all: true, reason }
                : "userEmail" in target
                  ? { userEmail: target.userEmail, reason }
                  : { sessionId: target.sessionId, reason },
            )
          }
        >
          <p>
            {"all" in target
              ? "Every staff member, you included, must sign in again. Service tokens are not affected."
              : "Their next request fails and they must sign in again."}
          </p>
        </ReasonDialog>
      ) : null}
    </section>
  );
}
