// Browser-safe shapes of count-file uploads: what an upload returns, and the reset inputs that
// name an upload instead of carrying the file.
import { z } from "zod";
import { ZResetApplyInput, ZResetPreviewInput } from "./inventory.schema";

/** The multipart field a count file travels in. */
export const COUNT_FILE_FIELD = "file";

const { reason, reference, notes, onProblem } = ZResetPreviewInput.shape;

export const ZUploadedResetPreviewInput = z.object({
  uploadId: z.string().uuid("Not an upload id: upload the count file first"),
  reason,
  reference,
  notes,
  onProblem,
});
export type TUploadedResetPreviewInput = z.input<typeof ZUploadedResetPreviewInput>;

export const ZUploadedResetApplyInput = ZUploadedResetPreviewInput.extend({
  batchKey: ZResetApplyInput.shape.batchKey,
});
export type TUploadedResetApplyInput = z.input<typeof ZUploadedResetApplyInput>;

export interface TCountUpload {
  uploadId: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
  source: "EXPORT" | "SHOPIFY" | "ROWS";
  /** Rows with a counted quantity: what a preview will show. */
  rowCount: number;
  /** Rows without a new value (Shopify leaves most rows so). */
  ignoredCount: number;
  createdAt: string;
}
