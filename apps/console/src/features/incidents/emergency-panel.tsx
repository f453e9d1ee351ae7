// Emergency actions behind confirmations (admins) and the recovery checklist (operators).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { roleAtLeast } from "@radha/core/security/schema";
import type { TCheckReport } from "@radha/core/emergency/schema";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";
import { StatusChip, toneForCheck } from "../../ui/status-chip";
import { Table } from "../../ui/table";

type Action = "stop" | "resume" | "maintenanceOn" | "maintenanceOff";
const ACTION_TEXT: Record<Action, { title: string; body: string; button: string }> = {
  stop: {
    title: "Stop payments?",
    body: "Payments go OFF and maintenance mode goes ON, together, on every server within a second. Webhooks are still stored and wait.",
    button: "Stop payments",
  },
  resume: {
    title: "Resume payments?",
    body: "Payments go ON and maintenance mode goes OFF.",
    button: "Resume payments",
  },
  maintenanceOn: {
    title: "Turn maintenance mode on?",
    body: "The storefront answers 503 until it is turned off.",
    button: "Maintenance on",
  },
  maintenanceOff: {
    title: "Turn maintenance mode off?",
    body: "The storefront serves again.",
    button: "Maintenance off",
  },
};

export function EmergencyPanel() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const state = useQuery(trpc.emergency.state.queryOptions(undefined, { refetchInterval: 10_000 }));
  const [confirming, setConfirming] = useState<Action | null>(null);
  const [report, setReport] = useState<TCheckReport | null>(null);
  const check = useMutation(trpc.emergency.check.mutationOptions({ onSuccess: setReport }));
  const isAdmin = roleAtLeast(user.role, "ADMIN");
  return (
    <section className="section" aria-labelledby="emergency-title">
      <div className="section-head">
        <h2 id="emergency-title">Emergency</h2>
      </div>
      {state.data ? (
        <p>
          Payments{" "}
          <StatusChip tone={state.data.paymentsEnabled ? "ok" : "bad"}>
            {state.data.paymentsEnabled ? "on" : "OFF"}
          </StatusChip>{" "}
          · Maintenance{" "}
          <StatusChip tone={state.data.maintenanceMode ? "warn" : "ok"}>
            {state.data.maintenanceMode ? "ON" : "off"}
          </StatusChip>
        </p>
      ) : null}
      <div className="form-actions inc-actions">
        {isAdmin ? (
          <>
            {state.data?.paymentsEnabled === false ? (
              <Button onClick={() => setConfirming("resume")}>Resume payments…</Button>
            ) : (
              <Button variant="danger" onClick={() => setConfirming("stop")}>
                Stop payments…
              </Button>
            )}
            <Button
              onClick={() => setConfirming(state.data?.maintenanceMode ? "maintenanceOff" : "maintenanceOn")}
            >
              {state.data?.maintenanceMode ? "Maintenance off…" : "Maintenance on…"}
            </Button>
          </>
        ) : null}
        {roleAtLeast(user.role, "OPERATOR") ? (
          <Button busy={check.isPending} onClick={() => check.mutate({ run: true })}>
            Run recovery checklist
          </Button>
        ) : null}
      </div>
      {check.isError ? <ErrorBanner error={check.error} /> : null}
      {report ? <CheckReport report={report} /> : null}
      {confirming ? <ConfirmDialog action={confirming} onClose={() => setConfirming(null)} /> : null}
    </section>
  );
}

export function CheckReport({ report }: { report: TCheckReport }) {
  return (
    <div aria-label="Recovery checklist report">
      <p>
        Checklist <StatusChip tone={toneForCheck(report.status)}>{report.status}</StatusChip>
        {report.incidentIds.length ? ` · attached to ${report.incidentIds.length} open incident(s)` : ""}
      </p>
      <Table
        caption="Recovery checklist steps"
        columns={[
          { header: "Step", cell: (s) => s.name.replace("_", " ") },
          {
            header: "Result",
            cell: (s) => <StatusChip tone={toneForCheck(s.status)}>{s.status}</StatusChip>,
          },
          { header: "Details", cell: (s) => s.message, className: "wide" },
        ]}
        rows={report.steps}
        rowKey={(s) => s.name}
      />
    </div>
  );
}

function ConfirmDialog({ action, onClose }: { action: Action; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const done = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.emergency.state.queryKey() });
    onClose();
  };
  const stop = useMutation(trpc.emergency.stopPayments.mutationOptions({ onSuccess: done }));
  const resume = useMutation(trpc.emergency.resumePayments.mutationOptions({ onSuccess: done }));
  const maintenance = useMutation(trpc.emergency.setMaintenance.mutationOptions({ onSuccess: done }));
  const pending = stop.isPending || resume.isPending || maintenance.isPending;
  const error = stop.error ?? resume.error ?? maintenance.error;
  const text = ACTION_TEXT[action];
  return (
    <Dialog open title={text.title} onClose={onClose}>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (action === "stop") stop.mutate({ reason });
          else if (action === "resume") resume.mutate(reason ? { reason } : {});
          else maintenance.mutate({ on: action === "maintenanceOn", reason });
        }}
      >
        <p>{text.body}</p>
        <Field label="Reason" hint="Recorded in the audit log and on any open incident's timeline.">
          {(p) => (
            <textarea {...p} rows={2} autoFocus value={reason} onChange={(e) => setReason(e.target.value)} />
          )}
        </Field>
        {error ? <ErrorBanner error={error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant={action === "stop" || action === "maintenanceOn" ? "danger" : "primary"}
            busy={pending}
          >
            {text.button}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
