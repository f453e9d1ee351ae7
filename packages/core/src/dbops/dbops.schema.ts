// Browser-safe shapes of database operations: backups, verification, retention, restore, drills,
// data migrations and live diagnostics.
import { z } from "zod";
import { pageInput } from "../pagination/pagination.schema";

const ZReason = z.string().trim().min(3, "Say why (at least 3 characters)").max(500);
/** Backup ids are `bk_<UTC time>_<random>`: sortable by time, safe as a file name. */
export const ZBackupId = z
  .string()
  .regex(/^bk_\d{8}T\d{9}Z_[a-f0-9]{6}$/, "backup id looks like bk_20261201T031500123Z_1a2b3c");

export const ZCreateBackup = z.object({ label: z.string().trim().min(1).max(120).optional() });
export type TCreateBackup = z.infer<typeof ZCreateBackup>;

/** Row count and newest row time of one table, as seen by the dump's own snapshot. */
export interface TTableStat {
  table: string;
  rows: number;
  /** Newest created_at (or received_at) in the table; null when it has none or is empty. */
  newest: string | null;
}

export interface TBackupManifest {
  id: string;
  label: string | null;
  database: string;
  serverVersion: string;
  pgDumpVersion: string;
  /** The newest applied schema migration. */
  migrationVersion: string | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  sizeBytes: number;
  sha256: string;
  file: string;
  tables: TTableStat[];
  /** Newest row time over all tables: what a restore of this backup brings back up to. */
  newestRowAt: string | null;
  s3: { bucket: string; key: string; copiedAt: string } | null;
}

export const VERIFICATION_OUTCOMES = ["PASSED", "FAILED"] as const;
export type TVerificationOutcome = (typeof VERIFICATION_OUTCOMES)[number];

export interface TVerificationStep {
  step: "checksum" | "list" | "restore" | "counts";
  ok: boolean;
  durationMs: number;
  message: string;
}

export interface TVerification {
  id: string;
  backupId: string;
  outcome: TVerificationOutcome;
  reason: string | null;
  startedAt: string;
  finishedAt: string;
  steps: TVerificationStep[];
  by: string | null;
}

export interface TBackup extends TBackupManifest {
  /** The newest verification, if any. */
  lastVerification: TVerification | null;
  /** True when the dump file is missing from OPS_BACKUP_DIR. */
  missing: boolean;
}

export const ZBackupList = pageInput({}).prefault({});
export const ZBackupRef = z.object({ id: ZBackupId });

export interface TRetentionPolicy {
  keepLast: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
}

export const ZPrune = z.object({ apply: z.boolean().default(false), reason: ZReason.optional() });

export interface TPruneDecision {
  id: string;
  startedAt: string;
  keep: boolean;
  /** Why it is kept (every rule that keeps it) or why it goes. */
  why: string[];
}

export interface TPrunePlan {
  policy: TRetentionPolicy;
  applied: boolean;
  decisions: TPruneDecision[];
  deleted: string[];
}

export const ZRestore = z.object({
  id: ZBackupId,
  apply: z.boolean().default(false),
  reason: ZReason.optional(),
});

/** Restore report ids are `rs_<UTC time>_<random>`. */
export const ZRestoreId = z
  .string()
  .regex(/^rs_\d{8}T\d{9}Z_[a-f0-9]{6}$/, "restore id looks like rs_20261201T031500123Z_1a2b3c");
export const ZRestoreRef = z.object({ id: ZRestoreId });

/** A restore started in the background (the console): the typed database name confirms it. */
export const ZStartRestore = z.object({
  id: ZBackupId,
  reason: ZReason,
  confirm: z.string().trim().min(1, "Type the database name to confirm").max(200),
});

export interface TRestorePreview {
  database: string;
  backup: TBackup;
  ageSeconds: number;
  /** Rows now in the database beyond the backup's count, per table (what the restore loses). */
  lost: { table: string; rowsNow: number; rowsInBackup: number; newerRows: number }[];
  warnings: string[];
}

export interface TRestoreStep {
  step: string;
  ok: boolean;
  at: string;
  durationMs: number;
  message: string;
}

export interface TRestoreReport {
  id: string;
  backupId: string;
  database: string;
  reason: string;
  by: string | null;
  startedAt: string;
  finishedAt: string | null;
  outcome: "SUCCEEDED" | "FAILED";
  preRestoreBackupId: string | null;
  /** Where the replaced database lives now (drop it once satisfied). */
  oldDatabase: string | null;
  steps: TRestoreStep[];
}

export interface TDrill {
  id: string;
  backupId: string | null;
  outcome: "PASSED" | "FAILED";
  reason: string | null;
  startedAt: string;
  finishedAt: string;
  /** Time from start to a restored, count-checked database (the achievable RTO). */
  rtoSeconds: number | null;
  /** Age of the newest row in the backup at drill time vs the backup's start: data loss window. */
  rpoSeconds: number | null;
  backupAgeSeconds: number | null;
  mismatches: string[];
}

export const ZDrillList = pageInput({}).prefault({});

export interface TBackupHealth {
  status: "pass" | "warn" | "fail";
  message: string;
  newestBackupAt: string | null;
  newestVerifiedAt: string | null;
  lastDrill: TDrill | null;
}

// Data migrations
export const DATA_MIGRATION_STATUSES = ["PENDING", "RUNNING", "PAUSED", "COMPLETED", "FAILED"] as const;
export type TDataMigrationStatus = (typeof DATA_MIGRATION_STATUSES)[number];

export const ZMigrationName = z
  .string()
  .regex(/^[a-z0-9_-]{3,80}$/, "migration names are like product-images-v1");

export const ZRunDataMigration = z.object({
  name: ZMigrationName,
  dryRun: z.boolean().default(false),
  batchSize: z.number().int().min(1).max(50_000).default(1_000),
  /** Batches per second at most; 0 means no limit. */
  maxBatchesPerSecond: z.number().min(0).max(1_000).default(0),
});
export type TRunDataMigration = z.input<typeof ZRunDataMigration>;

export interface TDataMigrationState {
  name: string;
  description: string;
  status: TDataMigrationStatus;
  /** Keyset position: the last id handled. */
  checkpoint: string | null;
  rowsScanned: number;
  rowsChanged: number;
  batches: number;
  startedAt: string | null;
  updatedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  /** Rows still needing the change (from the migration's own check). */
  remaining: number | null;
}

export interface TDataMigrationRunResult {
  name: string;
  dryRun: boolean;
  status: TDataMigrationStatus;
  rowsScanned: number;
  rowsChanged: number;
  /** Rows that would change (dry run) or still need it (after a pause). */
  wouldChange: number;
  batches: number;
  durationMs: number;
  verify: { ok: boolean; remaining: number } | null;
}

// Diagnostics
export const ZPid = z.number().int().min(1).max(2_147_483_647);
export const ZCancelBackend = z.object({ pid: ZPid, reason: ZReason.optional() });
export const ZTerminateBackend = z.object({
  pid: ZPid,
  reason: ZReason,
  graceMs: z.number().int().min(0).max(60_000).default(3_000),
});

export interface TDbConnectionGroup {
  state: string;
  application: string;
  count: number;
}

export interface TDbQuery {
  pid: number;
  user: string | null;
  application: string;
  state: string;
  waitEvent: string | null;
  durationSeconds: number;
  query: string;
  blockedBy: number[];
}

export interface TDbRelationSize {
  name: string;
  kind: "table" | "index";
  bytes: number;
  pretty: string;
}

export interface TDbStatus {
  database: string;
  ownPid: number;
  maxConnections: number;
  totalConnections: number;
  thisDatabaseConnections: number;
  byState: TDbConnectionGroup[];
  pool: { max: number; total: number; idle: number; waiting: number } | null;
  longRunning: TDbQuery[];
  blocking: TDbQuery[];
  largest: TDbRelationSize[];
  checkedAt: string;
}

export interface TBackendAction {
  pid: number;
  action: "cancel" | "terminate";
  cancelled: boolean;
  terminated: boolean;
  message: string;
}
