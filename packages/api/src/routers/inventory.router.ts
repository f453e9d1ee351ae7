import {
  applyUploadedReset,
  getInventoryBatchReport,
  listInventoryBatches,
  listLowStock,
  listStock,
  listStockChanges,
  listVariantLedger,
  previewBatchRollback,
  previewUploadedReset,
  rollbackInventoryBatch,
  scanLowStock,
  setStockThresholds,
} from "@radha/core/inventory";
import {
  ZBatchIdInput,
  ZBatchListInput,
  ZChangesInput,
  ZRollbackInput,
  ZSetThresholds,
  ZLowStockInput,
  ZStockListInput,
  ZUploadedResetApplyInput,
  ZUploadedResetPreviewInput,
  ZVariantLedgerInput,
} from "@radha/core/inventory/schema";
import { router, staffProcedure } from "../init";

export const inventoryRouter = router({
  stock: staffProcedure("VIEWER")
    .input(ZStockListInput)
    .query(({ ctx, input }) => listStock(ctx.deps.db, input)),
  changes: staffProcedure("VIEWER")
    .input(ZChangesInput)
    .query(({ ctx, input }) => listStockChanges(ctx.deps.db, input)),
  variantLedger: staffProcedure("VIEWER")
    .input(ZVariantLedgerInput)
    .query(({ ctx, input }) => listVariantLedger(ctx.deps.db, input)),
  batches: staffProcedure("VIEWER")
    .input(ZBatchListInput)
    .query(({ ctx, input }) => listInventoryBatches(ctx.deps.db, input)),
  batchReport: staffProcedure("VIEWER")
    .input(ZBatchIdInput)
    .query(({ ctx, input }) => getInventoryBatchReport(ctx.deps.db, input.batchId)),
  lowStock: staffProcedure("VIEWER")
    .input(ZLowStockInput)
    .query(({ ctx, input }) => listLowStock(ctx.deps.db, input)),
  // Count files arrive at POST /api/files/inventory/counts; these name the stored upload.
  // Preview writes nothing; it stays a mutation so it never runs as a cached or prefetched query.
  resetPreview: staffProcedure("OPERATOR")
    .input(ZUploadedResetPreviewInput)
    .mutation(({ ctx, input }) => previewUploadedReset(ctx.deps.db, input)),
  resetApply: staffProcedure("OPERATOR")
    .input(ZUploadedResetApplyInput)
    .mutation(({ ctx, input }) => applyUploadedReset(ctx.deps.db, ctx.actor, input)),
  rollbackPreview: staffProcedure("OPERATOR")
    .input(ZBatchIdInput)
    .query(({ ctx, input }) => previewBatchRollback(ctx.deps.db, input.batchId)),
  rollback: staffProcedure("OPERATOR")
    .input(ZRollbackInput)
    .mutation(({ ctx, input }) => rollbackInventoryBatch(ctx.deps.db, ctx.actor, input)),
  setThresholds: staffProcedure("OPERATOR")
    .input(ZSetThresholds)
    .mutation(({ ctx, input }) => setStockThresholds(ctx.deps.db, ctx.actor, input)),
  scanLowStock: staffProcedure("OPERATOR").mutation(({ ctx }) => scanLowStock(ctx.deps.db)),
});
