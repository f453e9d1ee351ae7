// Low stock: effective thresholds (variant → product → low_stock_default_threshold flag), one open
// alert per crossing, resolved on recovery; bulk threshold changes.
import type { Db, DbOrTrx } from "../db/database";
import { type Actor, writeAudit } from "../audit/audit.service";
import { DomainError } from "../errors";
import type { TPage } from "../pagination/pagination.schema";
import {
  ZLowStockInput,
  ZSetThresholds,
  type TLowStockRow,
  type TSetThresholdsResult,
} from "./inventory.schema";
import { listStock, scanLowStock, updateVariantThreshold } from "./inventory.queries";

/**
 * What needs attention: out of stock, at or below threshold, or at or below the reorder point.
 * Suggested quantity: the variant's reorder quantity, else enough to reach twice the threshold.
 */
export async function listLowStock(db: DbOrTrx, raw: unknown = {}): Promise<TPage<TLowStockRow>> {
  const { cursor, limit } = ZLowStockInput.parse(raw);
  const page = await listStock(db, { filter: "reorder", cursor, limit });
  const items = page.items.map((r): TLowStockRow => ({
    ...r,
    reason: r.available <= 0 ? "out" : r.low ? "low" : "reorder",
    suggestedReorderQuantity:
      r.reorderQuantity ?? Math.max(1, 2 * Math.max(r.threshold, r.reorderPoint ?? 0) - r.available),
  }));
  return { items, nextCursor: page.nextCursor };
}

export async function setStockThresholds(db: Db, actor: Actor, raw: unknown): Promise<TSetThresholdsResult> {
  const input = ZSetThresholds.parse(raw);
  if (input.variantIds?.length === 0)
    throw new DomainError(
      "BAD_REQUEST",
      "No variants selected: pick some, or omit variantIds to change every variant",
    );
  const columns = (["lowStockThreshold", "reorderPoint", "reorderQuantity"] as const).filter(
    (c) => input[c] !== undefined,
  );
  return db.transaction().execute(async (trx) => {
    // One UPDATE per column so "only where unset" can be judged per column.
    const changed = new Set<string>();
    for (const column of columns) {
      const ids = await updateVariantThreshold(trx, column, input[column] ?? null, {
        variantIds: input.variantIds,
        onlyWhereUnset: input.onlyWhereUnset,
      });
      for (const id of ids) changed.add(id);
    }
    const ids = [...changed];
    await writeAudit(trx, actor, {
      action: "inventory.set_thresholds",
      target: { type: "product_variant", id: ids.length === 1 ? (ids[0] ?? null) : null },
      after: {
        updated: ids.length,
        onlyWhereUnset: input.onlyWhereUnset,
        ...Object.fromEntries(columns.map((c) => [c, input[c]])),
        variantIds: ids.slice(0, 100),
      },
      reason: input.reason,
    });
    if (ids.length > 0) await scanLowStock(trx, ids);
    return { updated: ids.length };
  });
}
