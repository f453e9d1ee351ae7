import {
  applyInventoryReset,
  exportInventoryCsvText,
  getInventoryBatchReport,
  listInventoryBatches,
  listLowStock,
  listStock,
  listStockChanges,
  listVariantLedger,
  previewBatchRollback,
  previewInventoryReset,
  rollbackInventoryBatch,
  scanLowStock,
  setStockThresholds,
} from "@radha/core/inventory";
import {
  ZBatchIdInput,
  ZBatchListInput,
  ZChangesInput,
  ZResetApplyInput,
  ZResetPreviewInput,
  ZRollbackInput,
  ZSetThresholds,
  ZStockListInput,
  ZVariantLedgerInput,
} from "@radha/core/inventory/schema";
import { router, staffProcedure } from "../init";

export const inventoryRouter = router({
  stock: staffProcedure("VIEWER")
    .input(ZStockListInput)
    .query(({ ctx, input }) => listStock(ctx.deps.db, input)),
  export: staffProcedure("VIEWER").query(async ({ ctx }) => ({
    filename: `inventory-${new Date().toISOString().slice(0, 10)}.csv`,
    csv: await exportInventoryCsvText(ctx.deps.db),
  })),
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
  lowStock: staffProcedure("VIEWER").query(({ ctx }) => listLowStock(ctx.deps.db)),
  // A mutation only so the count file travels in a POST body; it writes nothing.
  resetPreview: staffProcedure("OPERATOR")
    .input(ZResetPreviewInput)
    .mutation(({ ctx, input }) => previewInventoryReset(ctx.deps.db, input)),
  resetApply: staffProcedure("OPERATOR")
    .input(ZResetApplyInput)
    .mutation(({ ctx, input }) => applyInventoryReset(ctx.deps.db, ctx.actor, input)),
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
