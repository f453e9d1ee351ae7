// One incident: timers, status moves, notes, the timeline, the review form and a Markdown export.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router";
import { roleAtLeast } from "@radha/core/security/schema";
import type { TIncidentDetail, TIncidentStatus } from "@radha/core/incidents/schema";
import { formatDateTime } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";
import { PageHeader } from "../../ui/page-header";
import { Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { TimerChip } from "./timers";

const NEXT: Partial<Record<TIncidentStatus, TIncidentStatus[]>> = {
  INVESTIGATING: ["IDENTIFIED", "MONITORING", "RESOLVED"],
  IDENTIFIED: ["MONITORING", "RESOLVED"],
  MONITORING: ["RESOLVED", "INVESTIGATING"],
  RESOLVED: ["INVESTIGATING"],
};

export function IncidentPage() {
  const { id = "" } = useParams();
  const trpc = useTRPC();
  const user = useCurrentUser();
  const incident = useQuery(trpc.incidents.get.queryOptions({ id }, { refetchInterval: 15_000 }));
  if (incident.isPending) return <Loading label="Loading the incident…" />;
  if (incident.isError) return <ErrorBanner title="Could not load the incident" error={incident.error} />;
  const i = incident.data;
  const canAct = roleAtLeast(user.role, "OPERATOR");
  return (
    <>
      <PageHeader
        title={`${i.severity}: ${i.title}`}
        description={`Declared ${formatDateTime(i.declaredAt)} by ${i.declaredBy ?? "?"} · ${i.status.toLowerCase()}`}
        actions={<ExportButton id={i.id} />}
      />
      <section className="section" aria-label="Timers">
        <div className="inc-timers">
          <TimerChip label="Acknowledge" timer={i.timers.acknowledge} />
          <TimerChip label="Resolve" timer={i.timers.resolve} />
          <span className="muted small">
            due {formatDateTime(i.timers.acknowledge.dueAt)} / {formatDateTime(i.timers.resolve.dueAt)}
          </span>
        </div>
      </section>
      {canAct ? <Actions incident={i} /> : null}
      <section className="section" aria-labelledby="timeline-title">
        <div className="section-head">
          <h2 id="timeline-title">Timeline</h2>
        </div>
        <ol className="inc-timeline">
          {i.timeline.map((e, n) => (
            <li key={`${e.at}-${n}`}>
              <span className="muted small nowrap">{formatDateTime(e.at)}</span>{" "}
              <StatusChip tone={e.source === "alert" ? "bad" : e.source === "audit" ? "neutral" : "ok"}>
                {e.source}
              </StatusChip>{" "}
              <span>{e.text}</span>
              {e.actor ? <span className="muted small"> — {e.actor}</span> : null}
            </li>
          ))}
        </ol>
      </section>
      {i.review ? <ReviewView incident={i} /> : null}
      {canAct && (i.status === "RESOLVED" || i.status === "REVIEWED") ? <ReviewForm incident={i} /> : null}
    </>
  );
}

function useRefresh(id: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.incidents.get.queryKey({ id }) });
}

function Actions({ incident }: { incident: TIncidentDetail }) {
  const trpc = useTRPC();
  const refresh = useRefresh(incident.id);
  const [note, setNote] = useState("");
  const addNote = useMutation(
    trpc.incidents.note.mutationOptions({
      onSuccess: async () => {
        setNote("");
        await refresh();
      },
    }),
  );
  const setStatus = useMutation(trpc.incidents.setStatus.mutationOptions({ onSuccess: refresh }));
  const ack = useMutation(trpc.incidents.acknowledge.mutationOptions({ onSuccess: refresh }));
  return (
    <section className="section" aria-label="Incident actions">
      <div className="form-actions inc-actions">
        {!incident.acknowledgedAt ? (
          <Button variant="primary" busy={ack.isPending} onClick={() => ack.mutate({ id: incident.id })}>
            Acknowledge
          </Button>
        ) : null}
        {(NEXT[incident.status] ?? []).map((s) => (
          <Button
            key={s}
            busy={setStatus.isPending}
            onClick={() => setStatus.mutate({ id: incident.id, status: s })}
          >
            Mark {s.toLowerCase()}
          </Button>
        ))}
      </div>
      <form
        className="filter-bar"
        onSubmit={(e) => {
          e.preventDefault();
          if (note.trim()) addNote.mutate({ id: incident.id, text: note });
        }}
      >
        <label htmlFor="inc-note">Note</label>
        <input
          id="inc-note"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder="What you saw or did"
        />
        <Button type="submit" size="sm" busy={addNote.isPending}>
          Add note
        </Button>
      </form>
      {(addNote.error ?? setStatus.error ?? ack.error) ? (
        <ErrorBanner error={addNote.error ?? setStatus.error ?? ack.error} />
      ) : null}
    </section>
  );
}

function ReviewView({ incident }: { incident: TIncidentDetail }) {
  const r = incident.review;
  if (!r) return null;
  return (
    <section className="section" aria-labelledby="review-title">
      <div className="section-head">
        <h2 id="review-title">Post-incident review</h2>
      </div>
      <dl className="details-list">
        <dt>Summary</dt>
        <dd>{r.summary}</dd>
        <dt>Impact</dt>
        <dd>{r.impact}</dd>
        <dt>Root cause</dt>
        <dd>{r.rootCause}</dd>
        <dt>Action items</dt>
        <dd>
          <ul>
            {r.actionItems.map((a, n) => (
              <li key={n}>
                {a.text} — <strong>{a.owner}</strong>
              </li>
            ))}
          </ul>
        </dd>
      </dl>
    </section>
  );
}

function ReviewForm({ incident }: { incident: TIncidentDetail }) {
  const trpc = useTRPC();
  const refresh = useRefresh(incident.id);
  const [summary, setSummary] = useState(incident.review?.summary ?? "");
  const [impact, setImpact] = useState(incident.review?.impact ?? "");
  const [rootCause, setRootCause] = useState(incident.review?.rootCause ?? "");
  const [items, setItems] = useState(
    incident.review?.actionItems.map((a) => `${a.text} @${a.owner}`).join("\n") ?? "",
  );
  const review = useMutation(trpc.incidents.review.mutationOptions({ onSuccess: refresh }));
  return (
    <section className="section" aria-labelledby="review-form-title">
      <div className="section-head">
        <h2 id="review-form-title">{incident.review ? "Update the review" : "Write the review"}</h2>
      </div>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const actionItems = items
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean)
            .map((l) => {
              const at = l.lastIndexOf(" @");
              return at > 0 ? { text: l.slice(0, at), owner: l.slice(at + 2) } : { text: l, owner: "" };
            });
          review.mutate({ id: incident.id, summary, impact, rootCause, actionItems });
        }}
      >
        <Field label="Summary">
          {(p) => <textarea {...p} rows={2} value={summary} onChange={(e) => setSummary(e.target.value)} />}
        </Field>
        <Field label="Impact">
          {(p) => <textarea {...p} rows={2} value={impact} onChange={(e) => setImpact(e.target.value)} />}
        </Field>
        <Field label="Root cause">
          {(p) => (
            <textarea {...p} rows={2} value={rootCause} onChange={(e) => setRootCause(e.target.value)} />
          )}
        </Field>
        <Field label="Action items" hint='One per line, each ending with " @owner".'>
          {(p) => <textarea {...p} rows={3} value={items} onChange={(e) => setItems(e.target.value)} />}
        </Field>
        {review.isError ? <ErrorBanner error={review.error} /> : null}
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={review.isPending}>
            Save review
          </Button>
        </div>
      </form>
    </section>
  );
}

function ExportButton({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return (
    <Button
      onClick={() =>
        void queryClient.query(trpc.incidents.export.queryOptions({ id })).then(({ markdown }) => {
          const url = URL.createObjectURL(new Blob([markdown], { type: "text/markdown" }));
          const a = document.createElement("a");
          a.href = url;
          a.download = `incident-${id}.md`;
          a.click();
          URL.revokeObjectURL(url);
        })
      }
    >
      Export Markdown
    </Button>
  );
}
