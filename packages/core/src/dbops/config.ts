// What database operations need, built once from an app's parsed environment.
import { existsSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import type { dbopsEnv } from "../env";
import type { TRetentionPolicy } from "./dbops.schema";
import type { S3Config } from "./s3";

export interface DbopsConfig {
  /** The database that is backed up and restored. */
  databaseUrl: string;
  backupDir: string;
  pgBinDir?: string | undefined;
  s3?: S3Config | undefined;
  retention: TRetentionPolicy;
  backupMaxAgeHours: number;
  drillMaxAgeHours: number;
}

type TDbopsEnv = { [K in keyof typeof dbopsEnv]: z.output<(typeof dbopsEnv)[K]> };

/** The workspace root (where pnpm-workspace.yaml is), so `.data/backups` means the same folder from any package. */
function workspaceRoot(from: string): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from);
    dir = parent;
  }
}

export function dbopsConfigFromEnv(env: TDbopsEnv, databaseUrl: string, cwd: string): DbopsConfig {
  return {
    databaseUrl,
    backupDir: path.isAbsolute(env.OPS_BACKUP_DIR)
      ? env.OPS_BACKUP_DIR
      : path.join(workspaceRoot(cwd), env.OPS_BACKUP_DIR),
    pgBinDir: env.OPS_PG_BIN_DIR,
    s3: env.OPS_BACKUP_S3_BUCKET
      ? {
          bucket: env.OPS_BACKUP_S3_BUCKET,
          endpoint: env.OPS_BACKUP_S3_ENDPOINT,
          region: env.OPS_BACKUP_S3_REGION,
          prefix: env.OPS_BACKUP_S3_PREFIX,
          accessKeyId: env.OPS_BACKUP_S3_ACCESS_KEY_ID,
          secretAccessKey: env.OPS_BACKUP_S3_SECRET_ACCESS_KEY,
          forcePathStyle: env.OPS_BACKUP_S3_FORCE_PATH_STYLE === "true",
        }
      : undefined,
    retention: {
      keepLast: env.OPS_BACKUP_KEEP_LAST,
      keepDaily: env.OPS_BACKUP_KEEP_DAILY,
      keepWeekly: env.OPS_BACKUP_KEEP_WEEKLY,
      keepMonthly: env.OPS_BACKUP_KEEP_MONTHLY,
    },
    backupMaxAgeHours: env.OPS_BACKUP_MAX_AGE_HOURS,
    drillMaxAgeHours: env.OPS_DRILL_MAX_AGE_HOURS,
  };
}

/** The same server's URL with another database name. */
export function urlForDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || "postgres";
}
