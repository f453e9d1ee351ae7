// The database password: the two alternating login roles, which one the servers use and their
// sessions, and a rotation (new password on the idle role → switch → old password replaced). Where
// it cannot run here (embedded demo, DATABASE_URL in the environment, a superuser), the plan's
// explanation and the steps a rotation would take. No password is ever shown: the API returns none.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TDbPasswordRotation, TDbRoleSessions } from "@radha/core/secops/schema";
import { errorMessage, errorStatus } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { ReasonDialog } from "./reason-dialog";

interface RoleRow {
  role: string;
  inUse: boolean;
  sessions: TDbRoleSessions[];
}

const total = (sessions: TDbRoleSessions[]) => sessions.reduce((n, s) => n + s.count, 0);
const byApp = (sessions: TDbRoleSessions[]) =>
  sessions.map((s) => `${s.applicationName || "unnamed"}: ${s.count}`).join(", ");

/** The plan's text quotes commands in `backticks`: shown as code. */
const withCode = (text: string) =>
  text.split("`").map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part));

const columns: Column<RoleRow>[] = [
  { header: "Login role", cell: (r) => <code>{r.role}</code> },
  {
    header: "State",
    cell: (r) =>
      r.inUse ? <StatusChip tone="ok">in use</StatusChip> : <StatusChip tone="neutral">idle</StatusChip>,
  },
  { header: "Sessions", cell: (r) => total(r.sessions), className: "num" },
  { header: "By application", cell: (r) => <span className="small">{byApp(r.sessions)}</span> },
];

export function DbPasswordPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const plan = useQuery(trpc.security.dbPassword.queryOptions());
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<TDbPasswordRotation | null>(null);
  const rotate = useMutation(
    trpc.security.rotateDbPassword.mutationOptions({
      onSuccess: async (r) => {
        setResult(r);
        setConfirming(false);
        await queryClient.invalidateQueries({ queryKey: trpc.security.dbPassword.queryKey() });
      },
    }),
  );
  // 412: no admin connection at all (the embedded demo) — an explanation, not a failure.
  const refusedByServer = plan.isError && errorStatus(plan.error) === 412;
  const data = plan.data;
  const rows: RoleRow[] = data
    ? [data.activeRole, data.idleRole]
        .filter((r): r is string => !!r)
        .map((role) => ({
          role,
          inUse: role === data.activeRole,
          sessions: data.sessions.filter((s) => s.role === role),
        }))
    : [];

  return (
    <section className="section" aria-labelledby="dbpw-title">
      <div className="section-head">
        <h2 id="dbpw-title">Database password</h2>
        {data?.managed ? (
          <Button variant="primary" onClick={() => setConfirming(true)}>
            Rotate password…
          </Button>
        ) : null}
      </div>
      <p className="muted small">
        The servers sign in to PostgreSQL as one of two login roles that share the application&apos;s rights.
        A rotation sets a new password on the idle one, switches the servers to it without a restart, then
        replaces the old role&apos;s password once its sessions have ended.
        {data?.credentialsFile ? (
          <>
            {" "}
            Credentials file: <code>{data.credentialsFile}</code>
          </>
        ) : null}
      </p>
      {plan.isPending ? <Loading label="Loading the database roles…" /> : null}
      {plan.isError && !refusedByServer ? (
        <ErrorBanner title="Could not load the database roles" error={plan.error} />
      ) : null}
      {result ? <RotationResult result={result} /> : null}
      {rows.length > 0 ? (
        <Table caption="Database login roles" columns={columns} rows={rows} rowKey={(r) => r.role} />
      ) : null}
      {refusedByServer || (data && !data.managed) ? (
        <div className="panel" data-testid="db-password-unavailable">
          <strong>Rotation cannot run here</strong>
          <p>{withCode(data?.reason ?? errorMessage(plan.error))}</p>
          {data && data.steps.length > 0 ? (
            <>
              <span className="muted small">Where it can, a rotation:</span>
              <ol className="checklist">
                {data.steps.map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ol>
            </>
          ) : null}
        </div>
      ) : null}
      {confirming && data?.managed ? (
        <ReasonDialog
          title="Rotate the database password?"
          confirmLabel="Rotate password"
          busy={rotate.isPending}
          error={rotate.error}
          onClose={() => setConfirming(false)}
          onConfirm={(reason) => rotate.mutate({ reason })}
        >
          <p>
            A new password is set on <code>{data.idleRole}</code> and the servers switch to it; requests keep
            running. Then <code>{data.activeRole}</code>&apos;s password is replaced once its sessions have
            ended (up to a minute).
          </p>
        </ReasonDialog>
      ) : null}
    </section>
  );
}

function RotationResult({ result }: { result: TDbPasswordRotation }) {
  return (
    <div className="notice" role="status" data-testid="db-password-result">
      <p>
        Rotated: the servers now use <code>{result.activeRole}</code>.{" "}
        {result.previousPasswordReplaced ? (
          <>
            <StatusChip tone="ok">old password replaced</StatusChip> <code>{result.previousRole}</code>
            &apos;s password is now one nobody knows.
          </>
        ) : (
          <>
            <StatusChip tone="warn">old password pending</StatusChip> sessions of{" "}
            <code>{result.previousRole}</code> still hold it ({byApp(result.lingeringSessions)}). Its password
            is unchanged until they end: run <code>ops db rotate-password --finish --reason "…"</code>.
          </>
        )}
      </p>
    </div>
  );
}
