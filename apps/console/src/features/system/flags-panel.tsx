import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState } from "react";
import { roleAtLeast } from "@radha/core/security/roles";
import type { TSessionUser } from "@radha/core/security/schema";
import type { TFlag } from "@radha/core/system/schema";
import { formatDateTime } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { Empty, Loading } from "../../ui/states";
import { Table, type Column } from "../../ui/table";
import { FlagValue } from "./flag-value";
import { flagsQuery } from "./system-queries";

// The change dialog (and the input schemas it checks a change against) is a chunk of its own:
// the page renders without it, and an admin's copy is fetched once the flags are on screen.
const loadSetFlagDialog = () => import("./set-flag-dialog");
const SetFlagDialog = lazy(loadSetFlagDialog);

function columnsFor(user: TSessionUser, onEdit: (f: TFlag) => void): Column<TFlag>[] {
  const cols: Column<TFlag>[] = [
    { header: "Flag", cell: (f) => <span className="mono">{f.key}</span> },
    { header: "Description", cell: (f) => f.description, className: "wide" },
    { header: "Value", cell: (f) => <FlagValue value={f.value} /> },
    {
      header: "Last changed",
      cell: (f) =>
        f.updatedAt ? (
          <>
            {formatDateTime(f.updatedAt)}
            <br />
            <span className="muted small">by {f.updatedBy ?? "unknown"}</span>
          </>
        ) : (
          <span className="muted">default, never changed</span>
        ),
      className: "nowrap",
    },
  ];
  if (roleAtLeast(user.role, "ADMIN")) {
    cols.push({
      header: "Action",
      cell: (f) => (
        <Button
          size="sm"
          onClick={() => onEdit(f)}
          aria-label={
            typeof f.value === "boolean" ? `${f.value ? "Turn off" : "Turn on"} ${f.key}` : `Change ${f.key}`
          }
        >
          {typeof f.value === "boolean" ? (f.value ? "Turn off" : "Turn on") : "Change"}
        </Button>
      ),
    });
  }
  return cols;
}

export function FlagsPanel() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const flags = useQuery(flagsQuery(trpc));
  const [editing, setEditing] = useState<TFlag | null>(null);
  const isAdmin = roleAtLeast(user.role, "ADMIN");
  useEffect(() => {
    if (isAdmin && flags.isSuccess) void loadSetFlagDialog();
  }, [isAdmin, flags.isSuccess]);

  return (
    <section aria-labelledby="flags-title" className="section">
      <div className="section-head">
        <h2 id="flags-title">System flags</h2>
        <p className="muted small">
          {isAdmin
            ? "Every change needs a reason and lands in the audit log."
            : "Read-only: only admins can change flags."}
        </p>
      </div>
      {flags.isPending ? <Loading label="Loading flags…" /> : null}
      {flags.isError ? (
        <ErrorBanner title="Could not load flags" error={flags.error} onRetry={() => void flags.refetch()} />
      ) : null}
      {flags.isSuccess && flags.data.length === 0 ? <Empty>No flags are defined.</Empty> : null}
      {flags.isSuccess && flags.data.length > 0 ? (
        <Table
          caption="System flags"
          columns={columnsFor(user, setEditing)}
          rows={flags.data}
          rowKey={(f) => f.key}
        />
      ) : null}
      {editing ? (
        <Suspense fallback={null}>
          <SetFlagDialog flag={editing} onClose={() => setEditing(null)} />
        </Suspense>
      ) : null}
    </section>
  );
}
