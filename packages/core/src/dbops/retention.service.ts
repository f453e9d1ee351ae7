// Retention: keep the last N backups and the newest of each of the last N days, ISO weeks and
// months, by the manifest's own start time (file dates are never consulted). The newest backup
// whose verification passed is always kept; backups whose last verification failed hold no slot.
import { type Actor, recordAuditEvent } from "../audit/audit.service";
import { DomainError } from "../errors";
import { deleteBackupFiles, readBackups } from "./backup-store";
import type { DbopsDeps } from "./backups.service";
import { databaseNameOf } from "./config";
import {
  ZPrune,
  type TBackup,
  type TPruneDecision,
  type TPrunePlan,
  type TRetentionPolicy,
} from "./dbops.schema";
import { createBackupBucket } from "./s3";

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(t.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((t.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

const PERIODS = [
  { key: "keepDaily", label: "daily", of: (d: Date) => d.toISOString().slice(0, 10) },
  { key: "keepWeekly", label: "weekly", of: isoWeek },
  { key: "keepMonthly", label: "monthly", of: (d: Date) => d.toISOString().slice(0, 7) },
] as const;

type RetentionInput = Pick<TBackup, "id" | "startedAt" | "lastVerification" | "missing">;

/** Decides, for every backup, keep or delete and why. Pure: the same input gives the same plan. */
export function planRetention(
  backups: readonly RetentionInput[],
  policy: TRetentionPolicy,
): TPruneDecision[] {
  const newestFirst = [...backups].sort((a, b) =>
    a.startedAt === b.startedAt ? b.id.localeCompare(a.id) : b.startedAt.localeCompare(a.startedAt),
  );
  const why = new Map<string, string[]>(newestFirst.map((b) => [b.id, []]));
  const keep = (id: string, reason: string) => why.get(id)?.push(reason);
  const failed = (b: RetentionInput) => b.lastVerification?.outcome === "FAILED" || b.missing;
  const usable = newestFirst.filter((b) => !failed(b));

  const newestVerified = usable.find((b) => b.lastVerification?.outcome === "PASSED");
  if (newestVerified) keep(newestVerified.id, "newest verified backup (always kept)");
  usable.slice(0, policy.keepLast).forEach((b, i) => {
    keep(b.id, `one of the last ${policy.keepLast} (#${i + 1})`);
  });
  for (const period of PERIODS) {
    const limit = policy[period.key];
    const seen = new Set<string>();
    for (const b of usable) {
      const p = period.of(new Date(b.startedAt));
      if (seen.has(p)) continue;
      if (seen.size >= limit) break;
      seen.add(p);
      keep(b.id, `newest of ${period.label} period ${p}`);
    }
  }
  return newestFirst.map((b) => {
    const reasons = why.get(b.id) ?? [];
    if (reasons.length) return { id: b.id, startedAt: b.startedAt, keep: true, why: reasons };
    const goes = b.missing
      ? "dump file missing"
      : b.lastVerification?.outcome === "FAILED"
        ? `verification failed: ${b.lastVerification.reason ?? "unknown"}`
        : "outside every kept period";
    return { id: b.id, startedAt: b.startedAt, keep: false, why: [goes] };
  });
}

/** Applies the policy (or, without `apply`, says what it would do). */
export async function pruneBackups(deps: DbopsDeps, actor: Actor, raw: unknown = {}): Promise<TPrunePlan> {
  const input = ZPrune.parse(raw);
  const { config } = deps;
  const backups = await readBackups(config.backupDir, databaseNameOf(config.databaseUrl));
  const decisions = planRetention(backups, config.retention);
  const doomed = decisions.filter((d) => !d.keep);
  if (!input.apply || doomed.length === 0)
    return { policy: config.retention, applied: input.apply, decisions, deleted: [] };
  if (!input.reason && actor.type !== "SYSTEM")
    throw new DomainError("BAD_REQUEST", "reason: say why backups are being pruned");
  const bucket = config.s3 ? createBackupBucket(config.s3) : undefined;
  const deleted: string[] = [];
  try {
    for (const d of doomed) {
      const b = backups.find((x) => x.id === d.id);
      if (bucket && b?.s3) {
        await bucket.remove(`${d.id}.dump`);
        await bucket.remove(`${d.id}.json`);
      }
      await deleteBackupFiles(config.backupDir, d.id);
      deleted.push(d.id);
    }
  } finally {
    bucket?.destroy();
    if (deleted.length)
      await recordAuditEvent(deps.db, actor, {
        action: "backups.prune",
        target: { type: "backup", id: null },
        after: {
          deleted: doomed.filter((d) => deleted.includes(d.id)).map((d) => ({ id: d.id, why: d.why })),
          policy: config.retention,
        },
        reason: input.reason ?? "retention policy",
      });
  }
  return { policy: config.retention, applied: true, decisions, deleted };
}
