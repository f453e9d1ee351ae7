// Restore drills: the latest usable backup restored into a scratch database, migrated and
// count-checked, timed (RTO) and dated (RPO), then dropped. Results are kept beside the backups;
// `backupHealth` turns missing, stale or failed backups and drills into a health status that the
// System page shows and alert rules can read.
import { type Actor, recordAuditEvent } from "../audit/audit.service";
import { createDb } from "../db/client";
import { migrate } from "../db/migrate";
import { decodeCursor, encodeCursor } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import type { THealthCheck } from "../system/system.schema";
import { z } from "zod";
import { backupPaths, newOpsId, readBackups, readDrills, writeDrill } from "./backup-store";
import {
  compareCounts,
  restoreDumpInto,
  scratchName,
  withAdmin,
  withDatabaseNamed,
  type DbopsDeps,
} from "./backups.service";
import { databaseNameOf, urlForDatabase, type DbopsConfig } from "./config";
import { dropDatabase } from "./dbops.queries";
import { ZDrillList, type TBackupHealth, type TDrill } from "./dbops.schema";

export async function runDrill(deps: DbopsDeps, actor: Actor): Promise<TDrill> {
  const { config } = deps;
  const started = new Date();
  const backups = await readBackups(config.backupDir, databaseNameOf(config.databaseUrl));
  const backup = backups.find((b) => !b.missing && b.lastVerification?.outcome !== "FAILED");
  const drill: TDrill = {
    id: newOpsId("dr", started),
    backupId: backup?.id ?? null,
    outcome: "FAILED",
    reason: null,
    startedAt: started.toISOString(),
    finishedAt: started.toISOString(),
    rtoSeconds: null,
    rpoSeconds: null,
    backupAgeSeconds: backup ? Math.round((started.getTime() - Date.parse(backup.startedAt)) / 1000) : null,
    mismatches: [],
  };
  if (!backup) drill.reason = "no usable backup to drill";
  else {
    const scratch = scratchName(config, "drill");
    const url = urlForDatabase(config.databaseUrl, scratch);
    try {
      await restoreDumpInto(config, backupPaths(config.backupDir, backup.id).dump, scratch);
      const { db: scratchDb } = createDb({ connectionString: url, max: 1 });
      try {
        await migrate(scratchDb, url);
      } finally {
        await scratchDb.destroy();
      }
      drill.mismatches = await withDatabaseNamed(config, scratch, (db) => compareCounts(db, backup));
      drill.rtoSeconds = Math.round((Date.now() - started.getTime()) / 100) / 10;
      // Restoring now brings data back up to the newest row the backup holds.
      const newest = Date.parse(backup.newestRowAt ?? backup.startedAt);
      drill.rpoSeconds = Math.round((started.getTime() - newest) / 1000);
      if (drill.mismatches.length) drill.reason = `row counts differ: ${drill.mismatches.join("; ")}`;
      else drill.outcome = "PASSED";
    } catch (e) {
      drill.reason = (e as Error).message;
    } finally {
      await withAdmin(config, (admin) => dropDatabase(admin, scratch)).catch(() => undefined);
    }
  }
  drill.finishedAt = new Date().toISOString();
  await writeDrill(config.backupDir, drill);
  await recordAuditEvent(deps.db, actor, {
    action: "backups.drill",
    target: { type: "drill", id: drill.id },
    after: {
      backupId: drill.backupId,
      outcome: drill.outcome,
      reason: drill.reason,
      rtoSeconds: drill.rtoSeconds,
      rpoSeconds: drill.rpoSeconds,
    },
  });
  return drill;
}

const ZDrillKey = z.tuple([z.string(), z.string()]);

export async function listDrills(config: DbopsConfig, raw: unknown = {}): Promise<TPage<TDrill>> {
  const input = ZDrillList.parse(raw);
  const after = decodeCursor(input.cursor, ZDrillKey);
  const all = await readDrills(config.backupDir);
  const rest = after
    ? all.filter((d) => d.startedAt < after[0] || (d.startedAt === after[0] && d.id < after[1]))
    : all;
  const items = rest.slice(0, input.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rest.length > input.limit && last ? encodeCursor([last.startedAt, last.id]) : null,
  };
}

/** Backup and drill staleness, for the System page's health check and for alert rules. */
export async function backupHealth(config: DbopsConfig, now = new Date()): Promise<TBackupHealth> {
  const backups = await readBackups(config.backupDir, databaseNameOf(config.databaseUrl));
  const drills = await readDrills(config.backupDir);
  const newest = backups.find((b) => !b.missing);
  const newestVerified = backups.find((b) => b.lastVerification?.outcome === "PASSED");
  const lastDrill = drills[0] ?? null;
  const hours = (iso: string) => (now.getTime() - Date.parse(iso)) / 3_600_000;
  const problems: { level: "warn" | "fail"; text: string }[] = [];
  if (!newest) problems.push({ level: "warn", text: "no backup yet" });
  else {
    const age = hours(newest.startedAt);
    if (age > config.backupMaxAgeHours * 2)
      problems.push({ level: "fail", text: `newest backup is ${Math.round(age)} h old` });
    else if (age > config.backupMaxAgeHours)
      problems.push({ level: "warn", text: `newest backup is ${Math.round(age)} h old` });
  }
  if (!lastDrill) problems.push({ level: "warn", text: "no restore drill yet" });
  else if (lastDrill.outcome === "FAILED")
    problems.push({ level: "fail", text: `last restore drill failed: ${lastDrill.reason ?? "unknown"}` });
  else if (hours(lastDrill.startedAt) > config.drillMaxAgeHours)
    problems.push({
      level: "warn",
      text: `last restore drill is ${Math.round(hours(lastDrill.startedAt))} h old`,
    });
  const status = problems.some((p) => p.level === "fail") ? "fail" : problems.length ? "warn" : "pass";
  return {
    status,
    message: problems.length
      ? problems.map((p) => p.text).join("; ")
      : `newest backup ${newest?.id ?? ""}; last drill passed (RTO ${lastDrill?.rtoSeconds ?? "?"} s, RPO ${lastDrill?.rpoSeconds ?? "?"} s)`,
    newestBackupAt: newest?.startedAt ?? null,
    newestVerifiedAt: newestVerified?.startedAt ?? null,
    lastDrill,
  };
}

/** The health service's `backups` check (never critical: readiness does not depend on it). */
export async function backupHealthCheck(config: DbopsConfig): Promise<THealthCheck> {
  const t0 = performance.now();
  const h = await backupHealth(config);
  return {
    name: "backups",
    critical: false,
    status: h.status,
    message: h.message,
    durationMs: Math.round(performance.now() - t0),
    checkedAt: new Date().toISOString(),
  };
}
