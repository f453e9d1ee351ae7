// The emergency recovery checklist: every check the old recovery script ran (and more), each
// with pass/warn/fail and its figures, without changing anything (Redis is pinged, never
// flushed). The report is stored and attached to every open incident.
import { statfs } from "node:fs/promises";
import { type Actor, verifyAuditChain, writeAudit } from "../audit/audit.service";
import type { Db, DbOrTrx } from "../db/database";
import { DomainError } from "../errors";
import { attachToOpenIncidents } from "../incidents/incidents.service";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { pageInput } from "../pagination/pagination.schema";
import type { SharedStore } from "../shared-store";
import { pingDatabase } from "../system/system.queries";
import type { TCheckStatus, THealthCheck } from "../system/system.schema";
import { readJobQueue, readWebhookBacklog } from "../monitoring/monitoring.queries";
import { z } from "zod";
import {
  insertCheck,
  readWritability,
  selectCheck,
  selectChecks,
  selectIncidentIdsForCheck,
} from "./checklist.queries";
import type { TCheckReport, TCheckStep } from "./emergency.schema";

/** What the backups domain reports; wired after merge (see README "extension points"). */
export interface BackupStatus {
  lastBackupAt: Date | null;
  lastDrillAt: Date | null;
  lastDrillOk: boolean | null;
}

export interface ChecklistDeps {
  db: Db;
  store: SharedStore;
  /** The health service's cached provider checks (never a live call per request). */
  providerChecks: () => Promise<THealthCheck[]>;
  /** Extension point for the backups domain; absent → the step warns "not connected". */
  backupStatus?: () => Promise<BackupStatus>;
  /** Folders whose file systems must have room: the data folder, the backup folder. */
  diskPaths: { label: string; path: string }[];
  thresholds?: Partial<typeof DEFAULT_THRESHOLDS>;
}

export const DEFAULT_THRESHOLDS = {
  webhookOldestWarnSeconds: 300,
  webhookOldestFailSeconds: 3_600,
  jobLagWarnSeconds: 60,
  jobLagFailSeconds: 600,
  backupWarnHours: 26,
  backupFailHours: 72,
  diskWarnFreeRatio: 0.15,
  diskFailFreeRatio: 0.05,
};

class Rollback extends Error {}
type StepResult = Omit<TCheckStep, "name" | "durationMs">;

async function step(name: string, fn: () => Promise<StepResult>, timeoutMs = 5_000): Promise<TCheckStep> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ...result, durationMs: Math.round(performance.now() - t0) };
  } catch (e) {
    return {
      name,
      status: "fail",
      message: (e as Error).message,
      figures: {},
      durationMs: Math.round(performance.now() - t0),
    };
  } finally {
    clearTimeout(timer);
  }
}

const grade = (value: number, warn: number, fail: number): TCheckStatus =>
  value >= fail ? "fail" : value >= warn ? "warn" : "pass";

export function worstStatus(statuses: readonly TCheckStatus[]): TCheckStatus {
  return statuses.includes("fail") ? "fail" : statuses.includes("warn") ? "warn" : "pass";
}

export async function runChecklistSteps(deps: ChecklistDeps): Promise<TCheckStep[]> {
  const t = { ...DEFAULT_THRESHOLDS, ...deps.thresholds };
  const { db } = deps;
  return Promise.all([
    step("database", async () => {
      await pingDatabase(db);
      let facts: Awaited<ReturnType<typeof readWritability>>;
      try {
        await db.transaction().execute(async (trx) => {
          facts = await readWritability(trx);
          throw new Rollback();
        });
      } catch (e) {
        if (!(e instanceof Rollback)) throw e;
      }
      const readOnly = facts?.inRecovery === true || facts?.readOnly === "on";
      return {
        status: readOnly ? "fail" : "pass",
        message: readOnly ? "reachable but read-only" : "reachable and writable",
        figures: { inRecovery: String(facts?.inRecovery ?? null), readOnly: facts?.readOnly ?? null },
      };
    }),
    step("redis", async (): Promise<StepResult> => {
      if (deps.store.kind === "memory")
        return {
          status: "warn",
          message: "not configured: in-memory stand-in (single instance only)",
          figures: {},
        };
      const t0 = performance.now();
      try {
        await deps.store.ping(1_000);
      } catch (e) {
        return { status: "fail", message: `unreachable: ${(e as Error).message}`, figures: {} };
      }
      return {
        status: "pass",
        message: "reachable (pinged; nothing flushed)",
        figures: { pingMs: Math.round(performance.now() - t0) },
      };
    }),
    step("providers", async () => {
      const checks = await deps.providerChecks();
      const status = worstStatus(checks.map((c) => (c.status === "pass" ? "pass" : "warn")));
      return {
        status,
        message: checks.map((c) => `${c.name}: ${c.message}`).join("; ") || "none configured",
        figures: Object.fromEntries(checks.map((c) => [c.name, c.status])),
      };
    }),
    step("webhook_backlog", async () => {
      const b = await readWebhookBacklog(db);
      return {
        status: grade(b.oldestSeconds, t.webhookOldestWarnSeconds, t.webhookOldestFailSeconds),
        message: `${b.pending} pending, oldest ${Math.round(b.oldestSeconds)} s`,
        figures: { pending: b.pending, oldestPendingSeconds: Math.round(b.oldestSeconds) },
      };
    }),
    step("job_queue", async () => {
      const q = await readJobQueue(db);
      return {
        status: grade(q.oldestSeconds, t.jobLagWarnSeconds, t.jobLagFailSeconds),
        message: `${q.depth} waiting, oldest ${Math.round(q.oldestSeconds)} s`,
        figures: { depth: q.depth, oldestSeconds: Math.round(q.oldestSeconds) },
      };
    }),
    step("backups", async (): Promise<StepResult> => {
      if (!deps.backupStatus)
        return { status: "warn", message: "backup status not connected (backups domain)", figures: {} };
      const b = await deps.backupStatus();
      const ageHours = b.lastBackupAt ? (Date.now() - b.lastBackupAt.getTime()) / 3_600_000 : Infinity;
      const backupStatus = grade(ageHours, t.backupWarnHours, t.backupFailHours);
      const drillStatus: TCheckStatus =
        b.lastDrillOk === false ? "fail" : b.lastDrillOk === null ? "warn" : "pass";
      return {
        status: worstStatus([backupStatus, drillStatus]),
        message: `last backup ${b.lastBackupAt ? `${ageHours.toFixed(1)} h ago` : "never"}; last drill ${b.lastDrillOk === null ? "never" : b.lastDrillOk ? "passed" : "FAILED"}`,
        figures: {
          lastBackupAgeHours: Number.isFinite(ageHours) ? Math.round(ageHours * 10) / 10 : null,
          lastDrillAt: b.lastDrillAt?.toISOString() ?? null,
        },
      };
    }),
    step(
      "audit_chain",
      async () => {
        const r = await verifyAuditChain(db);
        return {
          status: r.ok ? "pass" : "fail",
          message: r.ok
            ? `${r.checked} events verified`
            : `broken at seq ${r.firstBroken?.seq}: ${r.firstBroken?.reason}`,
          figures: { checked: r.checked, firstBrokenSeq: r.firstBroken?.seq ?? null },
        };
      },
      30_000,
    ),
    step("disk", async () => {
      const figures: Record<string, number | string | null> = {};
      const statuses: TCheckStatus[] = [];
      const parts: string[] = [];
      for (const p of deps.diskPaths) {
        try {
          const s = await statfs(p.path);
          const free = s.bavail * s.bsize;
          const ratio = free / (s.blocks * s.bsize);
          figures[`${p.label}FreeBytes`] = free;
          figures[`${p.label}FreePercent`] = Math.round(ratio * 1000) / 10;
          statuses.push(
            ratio <= t.diskFailFreeRatio ? "fail" : ratio <= t.diskWarnFreeRatio ? "warn" : "pass",
          );
          parts.push(
            `${p.label}: ${(free / 1_073_741_824).toFixed(1)} GiB free (${(ratio * 100).toFixed(0)} %)`,
          );
        } catch (e) {
          statuses.push("warn");
          parts.push(`${p.label}: cannot read ${p.path} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
        }
      }
      return { status: worstStatus(statuses), message: parts.join("; ") || "no folders configured", figures };
    }),
  ]);
}

type CheckRow = NonNullable<Awaited<ReturnType<typeof selectCheck>>>;

function toReport(r: CheckRow, incidentIds: string[]): TCheckReport {
  return {
    id: r.id,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
    status: r.status,
    steps: r.steps as TCheckStep[],
    incidentIds,
  };
}

/** Runs every step, stores the report and attaches it to every open incident. */
export async function runEmergencyCheck(deps: ChecklistDeps, actor: Actor): Promise<TCheckReport> {
  const steps = await runChecklistSteps(deps);
  const status = worstStatus(steps.map((s) => s.status));
  return deps.db.transaction().execute(async (trx) => {
    const row = await insertCheck(trx, { createdBy: actor.label, status, steps: JSON.stringify(steps) });
    const failing = steps.filter((s) => s.status !== "pass").map((s) => `${s.name} ${s.status}`);
    const incidentIds = await attachToOpenIncidents(
      trx,
      actor,
      "CHECK",
      `Recovery checklist: ${status.toUpperCase()}${failing.length ? ` (${failing.join(", ")})` : ""}`,
      { checkId: row.id },
    );
    await writeAudit(trx, actor, {
      action: "emergency.check",
      target: { type: "emergency_check", id: row.id },
      after: { status, steps: Object.fromEntries(steps.map((s) => [s.name, s.status])) },
    });
    return toReport(row, incidentIds);
  });
}

export async function getEmergencyCheck(db: DbOrTrx, id: string): Promise<TCheckReport> {
  const row = z.uuid().safeParse(id).success ? await selectCheck(db, id) : undefined;
  if (!row) throw new DomainError("NOT_FOUND", `No emergency check ${id}`);
  return toReport(row, await selectIncidentIdsForCheck(db, id));
}

export const ZCheckListInput = pageInput({}).prefault({});
const ZCheckKey = z.tuple([ZKeyTime, z.uuid()]);

export async function listEmergencyChecks(db: DbOrTrx, raw: unknown = {}): Promise<TPage<TCheckReport>> {
  const { cursor, limit } = ZCheckListInput.parse(raw);
  const before = decodeCursor(cursor, ZCheckKey);
  const rows = await selectChecks(db, { limit: limit + 1, before });
  return toPage(
    rows,
    limit,
    (r) => toReport(r, []),
    (r) => [r.keyTime, r.id],
  );
}
