// Browser-safe inventory inputs (zod) and outputs (types), shared by routers, CLI and console.
import { z } from "zod";
import { pageInput, type TPage } from "../pagination/pagination.schema";

/** Count files larger than this are refused before parsing. 10 MB holds ~100,000 rows. */
export const MAX_COUNT_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_COUNT_ROWS = 100_000;

export const INVENTORY_TRANSACTION_TYPES = [
  "SALE",
  "RETURN",
  "RESTOCK",
  "ADJUSTMENT",
  "RESERVATION",
  "RELEASE",
  "ROLLBACK",
] as const;
export type TInventoryTransactionType = (typeof INVENTORY_TRANSACTION_TYPES)[number];

/** Where a reset's counts came from: our export, a Shopify inventory export, or pasted/JSON rows. */
export const RESET_SOURCES = ["EXPORT", "SHOPIFY", "ROWS"] as const;
export type TResetSource = (typeof RESET_SOURCES)[number];
/** What a reset does with problem rows: refuse the whole batch, or leave those rows out. */
export const RESET_ON_PROBLEM = ["REJECT", "SKIP"] as const;
export type TResetOnProblem = (typeof RESET_ON_PROBLEM)[number];
export const INVENTORY_BATCH_KINDS = ["RESET"] as const;
export type TInventoryBatchKind = (typeof INVENTORY_BATCH_KINDS)[number];
export const INVENTORY_BATCH_STATUSES = ["APPLIED", "ROLLED_BACK"] as const;
export type TInventoryBatchStatus = (typeof INVENTORY_BATCH_STATUSES)[number];

const ZUuid = z.uuid("Not a variant id (uuid)");
const ZReason = z.string().trim().min(3, "Say why (at least 3 characters)").max(500);

/** By product name then SKU ("all"), or most urgent first (the other filters). */
export const ZStockListInput = pageInput(
  {
    search: z.string().trim().max(200).optional(),
    filter: z.enum(["all", "low", "out", "reorder"]).default("all"),
  },
  { default: 200, max: 1000 },
).prefault({});
export type TStockListInput = z.input<typeof ZStockListInput>;

/** What needs attention, most urgent first, in pages like every list. */
export const ZLowStockInput = pageInput({}, { default: 200, max: 1000 }).prefault({});
export type TLowStockInput = z.input<typeof ZLowStockInput>;

export const ZCountRow = z.object({
  sku: z.string().trim().max(200).optional(),
  variantId: z.string().trim().max(100).optional(),
  /** Left as given (string or number) so bad values become row problems, not a refused request. */
  countedQuantity: z.union([z.number(), z.string().max(50)]),
  /** On hand when the count was taken; a mismatch now makes the row stale. */
  expectedCurrent: z.union([z.number(), z.string().max(50)]).optional(),
  reason: z.string().trim().max(500).optional(),
  notes: z.string().trim().max(2000).optional(),
});
export type TCountRow = z.infer<typeof ZCountRow>;

const resetFields = {
  /** Our export (edited: fill `counted`) or a Shopify inventory CSV, as text. */
  csv: z.string().optional(),
  rows: z.array(ZCountRow).max(MAX_COUNT_ROWS).optional(),
  reason: ZReason,
  reference: z.string().trim().max(200).optional(),
  notes: z.string().trim().max(2000).optional(),
  onProblem: z.enum(RESET_ON_PROBLEM).default("REJECT"),
};
const exactlyOneSource = (v: { csv?: string | undefined; rows?: unknown[] | undefined }) =>
  (v.csv === undefined) !== (v.rows === undefined);
const sourceMessage = { error: "Give either csv (file text) or rows, not both" };

export const ZResetPreviewInput = z.object(resetFields).refine(exactlyOneSource, sourceMessage);
export type TResetPreviewInput = z.input<typeof ZResetPreviewInput>;

export const ZResetApplyInput = z
  .object({
    ...resetFields,
    /** Chosen by the client once per batch; a retried or double-clicked apply happens once. */
    batchKey: z.string().trim().min(8, "Batch key: at least 8 characters").max(100),
  })
  .refine(exactlyOneSource, sourceMessage);
export type TResetApplyInput = z.input<typeof ZResetApplyInput>;

export const ZBatchIdInput = z.object({ batchId: ZUuid });
export const ZRollbackInput = z.object({ batchId: ZUuid, reason: ZReason });
export type TRollbackInput = z.input<typeof ZRollbackInput>;

/** Newest first. */
export const ZBatchListInput = pageInput({}).prefault({});

/** "90m", "1h", "2d", or an ISO timestamp. */
export const ZSince = z
  .string()
  .trim()
  .regex(/^(\d+\s*[mhd]|\d{4}-\d\d-\d\dT.+)$/, 'Use a duration like "30m", "1h", "2d" or an ISO time');
/** Newest first. Later pages keep the window the first page read: its `since` and its end (then). */
export const ZChangesInput = pageInput(
  { since: ZSince.default("1h") },
  { default: 1000, max: 5000 },
).prefault({});
export type TChangesInput = z.input<typeof ZChangesInput>;

/** Newest first. */
export const ZVariantLedgerInput = pageInput({ variantId: ZUuid }, { default: 200, max: 1000 });

export const ZSetThresholds = z
  .object({
    /** Variants to change; omitted = every variant. */
    variantIds: z.array(ZUuid).max(100_000).optional(),
    lowStockThreshold: z.number().int().min(0).max(1_000_000).nullable().optional(),
    reorderPoint: z.number().int().min(0).max(1_000_000).nullable().optional(),
    reorderQuantity: z.number().int().min(0).max(1_000_000).nullable().optional(),
    /** Only fill values that are unset (a threshold counts as set when the product has one). */
    onlyWhereUnset: z.boolean().default(false),
    reason: ZReason,
  })
  .refine(
    (v) =>
      v.lowStockThreshold !== undefined || v.reorderPoint !== undefined || v.reorderQuantity !== undefined,
    { error: "Set at least one of lowStockThreshold, reorderPoint, reorderQuantity" },
  );
export type TSetThresholds = z.input<typeof ZSetThresholds>;

export interface TStockRow {
  variantId: string;
  productId: string;
  sku: string;
  product: string;
  options: string;
  productStatus: string;
  onHand: number;
  reserved: number;
  available: number;
  threshold: number;
  thresholdSource: "variant" | "product" | "default";
  reorderPoint: number | null;
  reorderQuantity: number | null;
  low: boolean;
  alertOpenSince: string | null;
}

export type TRowProblemCode =
  | "UNKNOWN_SKU"
  | "DUPLICATE_ROW"
  | "NEGATIVE_COUNT"
  | "NOT_AN_INTEGER"
  | "STALE_ROW"
  | "MISSING_IDENTIFIER"
  | "INVALID_VARIANT_ID";
export interface TRowProblem {
  code: TRowProblemCode;
  message: string;
}

export interface TResetRow {
  /** Line in the file (header is line 1) or 1-based index in pasted rows. */
  line: number;
  sku: string | null;
  variantId: string | null;
  product: string | null;
  previous: number | null;
  counted: number | null;
  delta: number | null;
  reason: string | null;
  notes: string | null;
  problems: TRowProblem[];
}

export interface TResetPreview {
  source: TResetSource;
  rowCount: number;
  /** Rows without a new value in a Shopify file: ignored, as Shopify does. */
  ignoredCount: number;
  problemCount: number;
  changedCount: number;
  unchangedCount: number;
  /** With REJECT, any problem blocks the batch; with SKIP, problem rows are left out. */
  canApply: boolean;
  rows: TResetRow[];
}

export interface TResetResult {
  batchId: string;
  batchKey: string;
  /** true when this key had already been applied: nothing new was written. */
  alreadyApplied: boolean;
  rowCount: number;
  changedCount: number;
  skippedCount: number;
  createdAt: string;
}

export interface TBatchSummary {
  id: string;
  batchKey: string;
  status: TInventoryBatchStatus;
  source: string;
  reason: string;
  reference: string | null;
  notes: string | null;
  rowCount: number;
  changedCount: number;
  actorLabel: string | null;
  createdAt: string;
  rolledBackAt: string | null;
  rolledBackBy: string | null;
  rollbackReason: string | null;
}

export interface TBatchItem {
  variantId: string;
  sku: string;
  product: string;
  previousStock: number;
  newStock: number;
  delta: number;
  reason: string | null;
  notes: string | null;
}

export interface TBatchReport {
  batch: TBatchSummary;
  items: TBatchItem[];
  skipped: TResetRow[];
  ledger: TLedgerEntry[];
}

export interface TRollbackPreviewItem {
  variantId: string;
  sku: string;
  product: string;
  batchDelta: number;
  currentStock: number;
  stockAfterRollback: number;
  movementsSince: number;
  wouldGoNegative: boolean;
}

export interface TRollbackPreview {
  batch: TBatchSummary;
  items: TRollbackPreviewItem[];
  changedSinceCount: number;
  negativeCount: number;
  canRollback: boolean;
  blockedBecause: string | null;
}

export interface TRollbackResult {
  batchId: string;
  alreadyRolledBack: boolean;
  rolledBackCount: number;
  rolledBackAt: string;
}

export interface TLedgerEntry {
  id: string;
  createdAt: string;
  type: TInventoryTransactionType;
  variantId: string;
  sku: string;
  product: string;
  quantity: number;
  previousStock: number;
  newStock: number;
  reservedDelta: number;
  reason: string;
  batchId: string | null;
  orderId: string | null;
  webhookEventId: string | null;
  actorLabel: string | null;
  reference: string | null;
  notes: string | null;
}

/** A page of ledger rows in the window, with the whole window's summary beside it. */
export interface TChangesPage extends TPage<TLedgerEntry> {
  since: string;
  /** Over the whole window (not only this page), the same on every page of a listing. */
  totals: {
    /** Variants whose stock moved. */
    variants: number;
    /** Ledger rows: the listing's pages together hold exactly these. */
    movements: number;
  };
  /**
   * Net change per variant over the whole window, the same on every page of a listing: the
   * CHANGES_SUMMARY_TOP (50) largest changes whatever their sign, most recently moved first among
   * equals. `totals` counts every variant.
   */
  byVariant: {
    variantId: string;
    sku: string;
    product: string;
    net: number;
    movements: number;
    /** On hand when the summary was computed: by the listing's first page, unless recomputed. */
    stockNow: number;
  }[];
}

export interface TLowStockRow extends TStockRow {
  suggestedReorderQuantity: number;
  reason: "out" | "low" | "reorder";
}

export interface TSetThresholdsResult {
  updated: number;
}

export interface TScanResult {
  opened: number;
  resolved: number;
}

// Count files travel as uploads (POST /api/files/inventory/counts); resets then name the upload.

/** The multipart field a count file travels in. */
export const COUNT_FILE_FIELD = "file";

export const ZUploadedResetPreviewInput = z.object({
  uploadId: z.uuid("Not an upload id: upload the count file first"),
  reason: resetFields.reason,
  reference: resetFields.reference,
  notes: resetFields.notes,
  onProblem: resetFields.onProblem,
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
  source: TResetPreview["source"];
  /** Rows with a counted quantity: what a preview will show. */
  rowCount: number;
  /** Rows without a new value (Shopify leaves most rows so). */
  ignoredCount: number;
  createdAt: string;
}
