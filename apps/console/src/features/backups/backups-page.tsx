// Backups: health, the catalog with verification results, queueing a backup, a verification or a
// drill (background jobs), restoring a backup (admins: preview, reason, typed confirmation, then
// the restore's steps as they run), maintenance left on afterwards, and the drill history as a chart.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { roleAtLeast } from "@radha/core/security/schema";
import type { TBackup, TDrill } from "@radha/core/dbops/schema";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { LoadMore } from "../../ui/load-more";
import { PageHeader } from "../../ui/page-header";
import { Empty, Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { BackupHealthPanel } from "./backup-health-panel";
import { MaintenanceBanner } from "./maintenance-banner";
import { RestoreDialog, RestoreProgress } from "./restore-dialog";

const DrillsChart = lazy(() => import("./drills-chart").then((m) => ({ default: m.DrillsChart })));

function size(n: number): string {
  return n < 1048576 ? `${(n / 1024).toFixed(0)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}

export function BackupsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const user = useCurrentUser();
  const operator = roleAtLeast(user.role, "OPERATOR");
  const admin = roleAtLeast(user.role, "ADMIN");
  const [notice, setNotice] = useState<string | null>(null);
  const [restoring, setRestoring] = useState<TBackup | null>(null);
  const [restoreId, setRestoreId] = useState<string | null>(null);
  const backups = useInfiniteQuery(
    trpc.backups.list.infiniteQueryOptions(
      { limit: 20 },
      { getNextPageParam: nextCursor, refetchInterval: 10_000 },
    ),
  );
  const drills = useQuery(trpc.backups.drills.queryOptions({ limit: 30 }, { refetchInterval: 30_000 }));
  const refresh = () =>
    void queryClient.invalidateQueries({ queryKey: trpc.backups.list.infiniteQueryKey() });
  const queued = (what: string) => () => {
    setNotice(`${what} queued; this page refreshes as it finishes.`);
    refresh();
  };
  const create = useMutation(trpc.backups.create.mutationOptions({ onSuccess: queued("Backup") }));
  const verify = useMutation(trpc.backups.verify.mutationOptions({ onSuccess: queued("Verification") }));
  const drill = useMutation(trpc.backups.runDrill.mutationOptions({ onSuccess: queued("Restore drill") }));
  const rows = pageItems(backups.data);

  const columns: Column<TBackup>[] = [
    { header: "Backup", cell: (b) => <code>{b.id}</code> },
    { header: "Label", cell: (b) => b.label ?? <span className="muted">—</span> },
    { header: "Started", cell: (b) => b.startedAt.replace("T", " ").slice(0, 19), className: "nowrap" },
    {
      header: "Size",
      cell: (b) => (b.missing ? <StatusChip tone="bad">missing</StatusChip> : size(b.sizeBytes)),
      className: "num",
    },
    {
      header: "Verified",
      cell: (b) =>
        b.lastVerification ? (
          <span title={b.lastVerification.reason ?? ""}>
            <StatusChip tone={b.lastVerification.outcome === "PASSED" ? "ok" : "bad"}>
              {b.lastVerification.outcome}
            </StatusChip>
          </span>
        ) : (
          <StatusChip tone="neutral">never</StatusChip>
        ),
    },
    { header: "S3", cell: (b) => (b.s3 ? "copied" : "—") },
    {
      header: "",
      cell: (b) =>
        operator ? (
          <span className="row-actions">
            <Button
              size="sm"
              onClick={() => verify.mutate({ id: b.id })}
              busy={verify.isPending && verify.variables.id === b.id}
            >
              Verify
            </Button>
            {admin ? (
              <Button
                size="sm"
                variant="danger"
                onClick={() => setRestoring(b)}
                disabled={b.missing || restoreId !== null}
                aria-label={`Restore ${b.id}`}
              >
                Restore…
              </Button>
            ) : null}
          </span>
        ) : null,
    },
  ];

  return (
    <>
      <PageHeader
        title="Backups"
        description="pg_dump backups with checksums and manifests, verified by restoring them; nightly backup, retention and drill run as jobs."
      />
      <MaintenanceBanner />
      <BackupHealthPanel />
      {restoreId ? <RestoreProgress restoreId={restoreId} onDismiss={() => setRestoreId(null)} /> : null}
      {restoring ? (
        <RestoreDialog
          backup={restoring}
          onClose={() => setRestoring(null)}
          onStarted={(id) => {
            setRestoring(null);
            setRestoreId(id);
          }}
        />
      ) : null}
      {operator ? (
        <div className="filter-bar">
          <Button
            variant="primary"
            onClick={() => create.mutate({ label: "console" })}
            busy={create.isPending}
          >
            Create backup
          </Button>
          <Button onClick={() => drill.mutate({})} busy={drill.isPending}>
            Run restore drill
          </Button>
          <p className="muted small">
            {admin
              ? "Restore a backup from its row (admins), or from the CLI: `ops backups restore <id>`."
              : "Restores are for admins: from a backup's row, or `ops backups restore <id>`."}
          </p>
        </div>
      ) : null}
      {notice ? (
        <p className="banner banner-pass banner-compact" role="status">
          {notice}
        </p>
      ) : null}
      {[create.error, verify.error, drill.error].map((e, i) =>
        e ? <ErrorBanner key={i} title="The job could not be queued" error={e} /> : null,
      )}
      {backups.isPending ? <Loading label="Loading backups…" /> : null}
      {backups.isError ? (
        <ErrorBanner
          title="Could not load backups"
          error={backups.error}
          onRetry={() => void backups.refetch()}
        />
      ) : null}
      {backups.isSuccess && rows.length === 0 ? <Empty>No backups yet.</Empty> : null}
      {rows.length > 0 ? (
        <>
          <Table caption="Backups" columns={columns} rows={rows} rowKey={(b) => b.id} />
          <LoadMore query={backups} end="Oldest backup reached.">
            Showing {rows.length} backup{rows.length === 1 ? "" : "s"}
          </LoadMore>
        </>
      ) : null}
      <section className="section" aria-labelledby="drills-title">
        <h2 id="drills-title">Restore drills</h2>
        {drills.data && drills.data.items.length > 0 ? (
          <>
            <Suspense fallback={<Loading label="Loading chart…" />}>
              <DrillsChart drills={drills.data.items} />
            </Suspense>
            <DrillsTable drills={drills.data.items} />
          </>
        ) : (
          <Empty>No drills yet. The daily drill runs at 04:00 UTC, or run one now.</Empty>
        )}
      </section>
    </>
  );
}

function DrillsTable({ drills }: { drills: TDrill[] }) {
  const columns: Column<TDrill>[] = [
    { header: "Started", cell: (d) => d.startedAt.replace("T", " ").slice(0, 19), className: "nowrap" },
    {
      header: "Outcome",
      cell: (d) => <StatusChip tone={d.outcome === "PASSED" ? "ok" : "bad"}>{d.outcome}</StatusChip>,
    },
    { header: "RTO", cell: (d) => (d.rtoSeconds === null ? "—" : `${d.rtoSeconds} s`), className: "num" },
    { header: "RPO", cell: (d) => (d.rpoSeconds === null ? "—" : `${d.rpoSeconds} s`), className: "num" },
    { header: "Backup", cell: (d) => <code>{d.backupId ?? "—"}</code> },
    { header: "Reason", cell: (d) => d.reason ?? <span className="muted">—</span> },
  ];
  return <Table caption="Restore drills" columns={columns} rows={drills} rowKey={(d) => d.id} />;
}
