// Restore from the console: the preview (which database, which backup, its age and manifest, the
// rows lost per table since), a reason and the database's name typed to confirm; then the restore
// runs in the background of the server and its report is followed step by step.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { TBackup, TRestoreReport } from "@radha/core/dbops/schema";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";
import { Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table } from "../../ui/table";

function age(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

export function RestoreDialog({
  backup,
  onClose,
  onStarted,
}: {
  backup: TBackup;
  onClose: () => void;
  onStarted: (restoreId: string) => void;
}) {
  const trpc = useTRPC();
  const preview = useQuery(trpc.backups.restorePreview.queryOptions({ id: backup.id }));
  const [reason, setReason] = useState("");
  const [confirm, setConfirm] = useState("");
  const start = useMutation(trpc.backups.restoreStart.mutationOptions({ onSuccess: (r) => onStarted(r.id) }));
  const p = preview.data;
  const ready = p?.database === confirm.trim() && reason.trim().length >= 3;
  return (
    <Dialog open title="Restore this backup?" onClose={onClose}>
      {preview.isPending ? <Loading label="Reading the backup and counting what would be lost…" /> : null}
      {preview.isError ? <ErrorBanner title="Could not preview the restore" error={preview.error} /> : null}
      {p ? (
        <form
          className="form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (ready) start.mutate({ id: backup.id, reason, confirm: confirm.trim() });
          }}
        >
          <p>
            Database <strong>{p.database}</strong> is replaced by backup <code>{p.backup.id}</code>
            {p.backup.label ? ` (${p.backup.label})` : ""}, taken {age(p.ageSeconds)} ago. A pre-restore
            backup is taken first; the replaced database is kept under a dated name. Maintenance mode goes on
            (storefront 503, webhook processing waits) and stays on until you turn it off.
          </p>
          <dl className="details-list" data-testid="restore-manifest">
            <dt>Taken</dt>
            <dd>{p.backup.startedAt.replace("T", " ").slice(0, 19)} UTC</dd>
            <dt>Schema version</dt>
            <dd>{p.backup.migrationVersion ?? "—"}</dd>
            <dt>Server</dt>
            <dd>PostgreSQL {p.backup.serverVersion}</dd>
            <dt>Size, SHA-256</dt>
            <dd>
              {(p.backup.sizeBytes / 1048576).toFixed(1)} MiB, <code>{p.backup.sha256.slice(0, 16)}…</code>
            </dd>
            <dt>Verified</dt>
            <dd>{p.backup.lastVerification ? p.backup.lastVerification.outcome : "never"}</dd>
            <dt>Rows in backup</dt>
            <dd>
              {p.backup.tables.reduce((n, t) => n + t.rows, 0).toLocaleString()} in {p.backup.tables.length}{" "}
              tables
            </dd>
          </dl>
          {p.warnings.map((w) => (
            <p key={w} className="banner banner-warn banner-compact">
              {w}
            </p>
          ))}
          {p.lost.length === 0 ? (
            <p className="muted">No rows were added or removed since this backup.</p>
          ) : (
            // A scroll container: the dialog keeps its width, the table scrolls inside it.
            <div style={{ overflowX: "auto" }}>
              <Table
                caption="Rows lost per table since the backup"
                columns={[
                  { header: "Table", cell: (l) => <code>{l.table}</code> },
                  { header: "Now", cell: (l) => l.rowsNow.toLocaleString(), className: "num" },
                  { header: "Backup", cell: (l) => l.rowsInBackup.toLocaleString(), className: "num" },
                  { header: "Newer, lost", cell: (l) => l.newerRows.toLocaleString(), className: "num" },
                ]}
                rows={p.lost}
                rowKey={(l) => l.table}
              />
            </div>
          )}
          <Field label="Reason" hint="Recorded on every step of the audit log and in the restore report.">
            {(f) => (
              <textarea
                {...f}
                rows={2}
                autoFocus
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
            )}
          </Field>
          <Field label={`Type ${p.database} to confirm`}>
            {(f) => (
              <input
                {...f}
                autoComplete="off"
                spellCheck={false}
                value={confirm}
                onChange={(e) => setConfirm(e.target.value)}
              />
            )}
          </Field>
          {start.error ? <ErrorBanner title="The restore did not start" error={start.error} /> : null}
          <div className="form-actions">
            <Button onClick={onClose}>Cancel</Button>
            <Button type="submit" variant="danger" disabled={!ready} busy={start.isPending}>
              Replace the database
            </Button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}

/** The restore report's steps in the order applyRestore runs them. */
const STEPS: { step: string; label: string }[] = [
  { step: "lock", label: "Refuse ops changes (restore_in_progress)" },
  { step: "checksum", label: "Check the dump's SHA-256" },
  { step: "pre_restore_backup", label: "Take a pre-restore backup" },
  { step: "maintenance_on", label: "Maintenance mode on" },
  { step: "restore", label: "Restore into a new database" },
  { step: "migrate", label: "Migrate it to the current schema" },
  { step: "verify_counts", label: "Compare row counts with the manifest" },
  { step: "prepare_flags", label: "Keep it in maintenance" },
  { step: "swap", label: "Swap it in (old one kept)" },
  { step: "carry_webhooks", label: "Carry over webhooks received meanwhile" },
  { step: "unlock", label: "Allow ops changes again" },
];

function stepRows(report: TRestoreReport) {
  const running = report.finishedAt === null;
  const known = new Set(STEPS.map((s) => s.step));
  const next = STEPS.find((s) => !report.steps.some((r) => r.step === s.step))?.step;
  return [
    ...STEPS.map((s) => {
      const done = report.steps.find((r) => r.step === s.step);
      const state: "ok" | "failed" | "running" | "pending" | "skipped" = done
        ? done.ok
          ? "ok"
          : "failed"
        : running
          ? s.step === next
            ? "running"
            : "pending"
          : "skipped";
      return { ...s, state, message: done?.message ?? "", durationMs: done?.durationMs ?? null };
    }),
    // A refusal before the first step (or a step this page does not know) still shows.
    ...report.steps
      .filter((r) => !known.has(r.step))
      .map((r) => ({
        step: r.step,
        label: r.step,
        state: r.ok ? ("ok" as const) : ("failed" as const),
        message: r.message,
        durationMs: r.durationMs,
      })),
  ];
}

function ResultBanner({ ok, title, children }: { ok: boolean; title: string; children: React.ReactNode }) {
  return (
    <div
      className={`banner ${ok ? "banner-pass" : "banner-fail"}`}
      role={ok ? "status" : "alert"}
      data-testid="restore-result"
    >
      <span className="banner-glyph" aria-hidden="true">
        {ok ? "✓" : "✕"}
      </span>
      <div className="banner-body">
        <strong>{title}</strong>
        <p>{children}</p>
      </div>
    </div>
  );
}

const TONE = { ok: "ok", failed: "bad", running: "warn", pending: "neutral", skipped: "neutral" } as const;

export function RestoreProgress({ restoreId, onDismiss }: { restoreId: string; onDismiss: () => void }) {
  const trpc = useTRPC();
  // While the databases are swapped the server's connections are renewed: a failed poll is retried.
  const status = useQuery(
    trpc.backups.restoreStatus.queryOptions(
      { id: restoreId },
      { refetchInterval: (q) => (q.state.data?.finishedAt ? false : 1_000), retry: 10, retryDelay: 500 },
    ),
  );
  const r = status.data;
  return (
    <section className="section" aria-labelledby="restore-title" data-testid="restore-progress">
      <h2 id="restore-title">Restore {restoreId}</h2>
      {status.isPending ? <Loading label="Reading the restore report…" /> : null}
      {status.isError && !r ? (
        <ErrorBanner title="Could not read the restore report" error={status.error} />
      ) : null}
      {r ? (
        <>
          <p className="muted">
            Backup <code>{r.backupId}</code> into <strong>{r.database}</strong>, by {r.by ?? "—"}: {r.reason}
          </p>
          {r.finishedAt === null ? (
            <p className="banner banner-warn banner-compact" role="status">
              Restoring… ops changes are refused until it finishes. Steps update every second.
            </p>
          ) : r.outcome === "SUCCEEDED" ? (
            <ResultBanner ok title="Restore succeeded">
              {r.database} now holds backup <code>{r.backupId}</code>. The replaced database is kept as{" "}
              <code>{r.oldDatabase}</code> (drop it when satisfied); pre-restore backup{" "}
              <code>{r.preRestoreBackupId}</code>. Maintenance stays on until you turn it off.
            </ResultBanner>
          ) : (
            <ResultBanner ok={false} title="Restore failed">
              {r.steps.find((s) => !s.ok)?.message ?? "see the steps"}.{" "}
              {r.steps.some((s) => s.step === "swap" && s.ok) ? "" : `${r.database} was not replaced.`}
            </ResultBanner>
          )}
          <Table
            caption="Restore steps"
            columns={[
              { header: "Step", cell: (s) => s.label },
              { header: "State", cell: (s) => <StatusChip tone={TONE[s.state]}>{s.state}</StatusChip> },
              {
                header: "Time",
                cell: (s) => (s.durationMs === null ? "—" : `${(s.durationMs / 1000).toFixed(1)} s`),
                className: "num",
              },
              { header: "Details", cell: (s) => s.message, className: "wide" },
            ]}
            rows={stepRows(r)}
            rowKey={(s) => s.step}
          />
          {r.finishedAt !== null ? <Button onClick={onDismiss}>Dismiss</Button> : null}
        </>
      ) : null}
    </section>
  );
}
