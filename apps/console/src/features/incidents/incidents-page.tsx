// Incidents: the list with their timers, declaring one, and the emergency actions.
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { roleAtLeast } from "@radha/core/security/schema";
import {
  SEVERITIES,
  SEVERITY_TARGETS,
  ZDeclareIncident,
  type TIncident,
  type TSeverity,
} from "@radha/core/incidents/schema";
import { formatDateTime } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field, fieldErrors } from "../../ui/field";
import { LoadMore } from "../../ui/load-more";
import { PageHeader } from "../../ui/page-header";
import { Empty, Loading } from "../../ui/states";
import { Table, type Column } from "../../ui/table";
import { EmergencyPanel } from "./emergency-panel";
import { TimerChip } from "./timers";

const columns: Column<TIncident>[] = [
  { header: "Severity", cell: (i) => <strong>{i.severity}</strong> },
  { header: "Title", cell: (i) => <Link to={`/incidents/${i.id}`}>{i.title}</Link>, className: "wide" },
  { header: "Status", cell: (i) => i.status.toLowerCase() },
  { header: "Declared", cell: (i) => formatDateTime(i.declaredAt), className: "nowrap" },
  {
    header: "Timers",
    cell: (i) => (
      <div className="inc-timers">
        <TimerChip label="ack" timer={i.timers.acknowledge} />
        <TimerChip label="resolve" timer={i.timers.resolve} />
      </div>
    ),
  },
];

export function IncidentsPage() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const [declaring, setDeclaring] = useState(false);
  const incidents = useInfiniteQuery(
    trpc.incidents.list.infiniteQueryOptions(
      { limit: 25 },
      { getNextPageParam: nextCursor, refetchInterval: 30_000 },
    ),
  );
  const rows = pageItems(incidents.data);
  return (
    <>
      <PageHeader
        title="Incidents"
        description="P0 acknowledge in 15 min · P1 1 h · P2 4 h · P3 1 business day."
        actions={
          roleAtLeast(user.role, "OPERATOR") ? (
            <Button variant="primary" onClick={() => setDeclaring(true)}>
              Declare incident
            </Button>
          ) : null
        }
      />
      <EmergencyPanel />
      <section className="section" aria-labelledby="inc-list-title">
        <div className="section-head">
          <h2 id="inc-list-title">All incidents</h2>
        </div>
        {incidents.isPending ? <Loading label="Loading incidents…" /> : null}
        {incidents.isError ? (
          <ErrorBanner error={incidents.error} onRetry={() => void incidents.refetch()} />
        ) : null}
        {incidents.isSuccess && rows.length === 0 ? <Empty>No incidents. Good.</Empty> : null}
        {rows.length > 0 ? (
          <Table caption="Incidents" columns={columns} rows={rows} rowKey={(i) => i.id} />
        ) : null}
        <LoadMore query={incidents} />
      </section>
      {declaring ? <DeclareDialog onClose={() => setDeclaring(false)} /> : null}
    </>
  );
}

function DeclareDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [title, setTitle] = useState("");
  const [severity, setSeverity] = useState<TSeverity>("P1");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const declare = useMutation(
    trpc.incidents.declare.mutationOptions({
      onSuccess: async (i) => {
        await queryClient.invalidateQueries({ queryKey: trpc.incidents.list.pathKey() });
        void navigate(`/incidents/${i.id}`);
      },
    }),
  );
  return (
    <Dialog open title="Declare an incident" onClose={onClose}>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const parsed = ZDeclareIncident.safeParse({ title, severity });
          if (!parsed.success) {
            setErrors(fieldErrors(parsed.error.issues));
            return;
          }
          declare.mutate(parsed.data);
        }}
      >
        <Field label="Title" error={errors.title}>
          {(p) => <input {...p} autoFocus value={title} onChange={(e) => setTitle(e.target.value)} />}
        </Field>
        <Field label="Severity">
          {(p) => (
            <select {...p} value={severity} onChange={(e) => setSeverity(e.target.value as TSeverity)}>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s} — {SEVERITY_TARGETS[s].label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {declare.isError ? <ErrorBanner error={declare.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger" busy={declare.isPending}>
            Declare
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
