// Backups and restore drills at a glance: stale or failed shows as warn/fail (System and Backups pages).
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../lib/trpc";
import { ErrorBanner } from "../../ui/error-banner";
import { StatusChip, toneForCheck } from "../../ui/status-chip";
import { backupHealthQuery } from "./backup-health-query";

export function BackupHealthPanel() {
  const trpc = useTRPC();
  const health = useQuery(backupHealthQuery(trpc));
  if (health.isError) return <ErrorBanner title="Could not read backup health" error={health.error} />;
  if (!health.data) return null;
  const h = health.data;
  return (
    <section className="section" aria-labelledby="backup-health-title" data-testid="backup-health">
      <h2 id="backup-health-title">Backups and restore drills</h2>
      <p>
        <StatusChip tone={toneForCheck(h.status)}>{h.status}</StatusChip> {h.message}
      </p>
      <p className="muted small">
        Newest backup: {h.newestBackupAt ?? "none"} · newest verified: {h.newestVerifiedAt ?? "none"} · last
        drill: {h.lastDrill ? `${h.lastDrill.outcome} ${h.lastDrill.startedAt}` : "none"}
      </p>
    </section>
  );
}
