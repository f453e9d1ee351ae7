// Payment provider API keys: a live check with the key in use, and the guided key-rotation
// checklist (each step recorded with who did it and when).
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TProviderCheck, TRotationInfo, TRotationStep } from "@radha/core/secops/schema";
import type { TProvider } from "@radha/core/webhooks/schema";
import { formatDateTimeShort } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { ReasonDialog } from "./reason-dialog";

const checkColumns: Column<TProviderCheck>[] = [
  { header: "Provider", cell: (c) => c.provider },
  {
    header: "Key in use",
    cell: (c) => (c.key ? <code>{c.key}</code> : <span className="muted">not configured</span>),
  },
  { header: "Mode", cell: (c) => c.mode ?? "—" },
  {
    header: "Result",
    cell: (c) =>
      !c.configured ? (
        <StatusChip tone="neutral">skipped</StatusChip>
      ) : c.ok ? (
        <StatusChip tone="ok">key accepted</StatusChip>
      ) : (
        <StatusChip tone="bad">failed</StatusChip>
      ),
  },
  { header: "Latency", cell: (c) => (c.latencyMs === null ? "—" : `${c.latencyMs} ms`), className: "num" },
  {
    header: "Error",
    cell: (c) => (c.configured && c.error ? <span className="small">{c.error}</span> : null),
  },
];

export function ProvidersPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const check = useMutation(trpc.security.checkProviders.mutationOptions());
  const rotations = useInfiniteQuery(
    trpc.security.keyRotations.infiniteQueryOptions({ limit: 5 }, { getNextPageParam: nextCursor }),
  );
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.security.keyRotations.infiniteQueryKey() });
  const [starting, setStarting] = useState<TProvider | null>(null);
  const start = useMutation(
    trpc.security.startKeyRotation.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setStarting(null);
      },
    }),
  );
  const step = useMutation(trpc.security.completeRotationStep.mutationOptions({ onSuccess: refresh }));
  const list = pageItems(rotations.data);
  const open = list.filter((r) => r.status === "OPEN");

  return (
    <section className="section" aria-labelledby="providers-title">
      <div className="section-head">
        <h2 id="providers-title">Provider API keys</h2>
        <Button variant="primary" busy={check.isPending} onClick={() => check.mutate({})}>
          Check provider keys
        </Button>
      </div>
      <p className="muted small">
        Calls Stripe (balance) and Razorpay (one payment) with the keys the server uses now.
      </p>
      {check.isError ? <ErrorBanner error={check.error} /> : null}
      {check.data ? (
        <Table
          caption="Provider key checks"
          columns={checkColumns}
          rows={check.data}
          rowKey={(c) => c.provider}
        />
      ) : null}

      <div className="section-head">
        <h3>Key rotation checklist</h3>
        <span className="toolbar">
          {(["STRIPE", "RAZORPAY"] as const).map((p) =>
            open.some((r) => r.provider === p) ? null : (
              <Button key={p} size="sm" onClick={() => setStarting(p)}>
                Start {p.toLowerCase()} rotation
              </Button>
            ),
          )}
        </span>
      </div>
      {step.isError ? <ErrorBanner error={step.error} /> : null}
      {rotations.isError ? <ErrorBanner title="Could not load rotations" error={rotations.error} /> : null}
      {list.length === 0 && rotations.isSuccess ? <p className="muted small">No key rotations yet.</p> : null}
      {list.map((r) => (
        <RotationCard
          key={r.id}
          rotation={r}
          busy={step.isPending}
          onDone={(s) => step.mutate({ rotationId: r.id, step: s })}
        />
      ))}
      {starting ? (
        <ReasonDialog
          title={`Start a ${starting.toLowerCase()} key rotation?`}
          confirmLabel="Start checklist"
          busy={start.isPending}
          error={start.error}
          onClose={() => setStarting(null)}
          onConfirm={(reason) => start.mutate({ provider: starting, reason })}
        >
          <p>
            Four steps: create a new key at the provider, set it here, check it, revoke the old one there.
          </p>
        </ReasonDialog>
      ) : null}
    </section>
  );
}

function RotationCard({
  rotation,
  busy,
  onDone,
}: {
  rotation: TRotationInfo;
  busy: boolean;
  onDone: (step: TRotationStep) => void;
}) {
  const nextStep = rotation.steps.find((s) => !s.doneAt)?.step;
  return (
    <div className="panel" data-testid={`rotation-${rotation.provider}`}>
      <strong>
        {rotation.provider} key rotation · {rotation.status.toLowerCase()}
      </strong>
      <span className="muted small">
        {rotation.reason} — opened by {rotation.createdBy ?? "?"} {formatDateTimeShort(rotation.createdAt)}
      </span>
      <ol className="checklist">
        {rotation.steps.map((s) => (
          <li key={s.step}>
            {s.doneAt ? "✓ " : "○ "}
            {s.text}
            {s.doneAt ? (
              <span className="muted small">
                {" "}
                — {s.doneBy} at {formatDateTimeShort(s.doneAt)}
              </span>
            ) : rotation.status === "OPEN" && s.step === nextStep ? (
              <>
                {" "}
                <Button size="sm" busy={busy} onClick={() => onDone(s.step)}>
                  Mark done
                </Button>
              </>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
