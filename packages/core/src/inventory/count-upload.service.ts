// Count files arrive once, as bytes (an HTTP upload or a file the CLI read), and are stored with
// what the parser read; a reset is then previewed and applied by upload id. The stored bytes are
// parsed again by the same parser each time, so the lines a preview reports are the file's lines.
import { createHash } from "node:crypto";
import { type Actor, writeAudit } from "../audit/audit.service";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { countFileTooLarge, parseCountCsv } from "./count-file";
import { findCountUpload, insertCountUpload, type CountUploadRow } from "./count-upload.queries";
import {
  MAX_COUNT_FILE_BYTES,
  ZUploadedResetApplyInput,
  ZUploadedResetPreviewInput,
  type TCountUpload,
  type TResetPreview,
  type TResetResult,
} from "./inventory.schema";
import { applyInventoryReset, previewInventoryReset } from "./reset.service";

export interface CountFile {
  /** As the uploader named it; only the last path segment is kept. */
  fileName: string | undefined;
  content: Buffer;
}

function cleanFileName(name: string | undefined): string {
  const base = (name ?? "").split(/[\\/]/).pop()?.trim() ?? "";
  return base.slice(0, 255) || "counts.csv";
}

function toCountUpload(row: CountUploadRow): TCountUpload {
  return {
    uploadId: row.id,
    fileName: row.fileName,
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    source: row.source,
    rowCount: row.rowCount,
    ignoredCount: row.ignoredCount,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Parses and stores a count file. A file the parser refuses (too large, not CSV, no counted
 * rows) is not stored, and the refusal says which line and why.
 */
export async function storeCountUpload(db: Db, actor: Actor, file: CountFile): Promise<TCountUpload> {
  if (file.content.length > MAX_COUNT_FILE_BYTES) throw countFileTooLarge(file.content.length);
  const parsed = parseCountCsv(file.content.toString("utf8"));
  const fileName = cleanFileName(file.fileName);
  const sha256 = createHash("sha256").update(file.content).digest("hex");
  return db.transaction().execute(async (trx) => {
    const row = await insertCountUpload(trx, {
      fileName,
      content: file.content,
      sizeBytes: file.content.length,
      sha256,
      source: parsed.source,
      rowCount: parsed.rows.length,
      ignoredCount: parsed.ignored,
      actorType: actor.type,
      actorId: actor.id,
      actorLabel: actor.label,
    });
    await writeAudit(trx, actor, {
      action: "inventory.count_upload",
      target: { type: "inventory_count_upload", id: row.id },
      after: {
        fileName,
        sizeBytes: row.sizeBytes,
        sha256,
        source: row.source,
        rowCount: row.rowCount,
        ignoredCount: row.ignoredCount,
      },
    });
    return toCountUpload(row);
  });
}

async function uploadedCsv(db: Db, uploadId: string): Promise<string> {
  const upload = await findCountUpload(db, uploadId);
  if (!upload)
    throw new DomainError("NOT_FOUND", `No count file with upload id ${uploadId}: upload it again`);
  return upload.content.toString("utf8");
}

/** Dry run of an uploaded count against the stock as it is now. Writes nothing. */
export async function previewUploadedReset(db: Db, raw: unknown): Promise<TResetPreview> {
  const { uploadId, ...input } = ZUploadedResetPreviewInput.parse(raw);
  return previewInventoryReset(db, { ...input, csv: await uploadedCsv(db, uploadId) });
}

/** Applies an uploaded count as one batch, idempotent by batchKey (see applyInventoryReset). */
export async function applyUploadedReset(db: Db, actor: Actor, raw: unknown): Promise<TResetResult> {
  const { uploadId, ...input } = ZUploadedResetApplyInput.parse(raw);
  return applyInventoryReset(db, actor, { ...input, csv: await uploadedCsv(db, uploadId) });
}
