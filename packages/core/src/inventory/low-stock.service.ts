// Low stock: effective thresholds (variant → product → low_stock_default_threshold flag), one open
// alert per crossing, resolved on recovery; bulk threshold changes.
import { sql } from "kysely";
import type { Db, DbOrTrx } from "../db/database";
import { type Actor, writeAudit } from "../audit/audit.service";
import { DomainError } from "../errors";
import { SYSTEM_FLAGS } from "../system/system.schema";
import {
  ZSetThresholds,
  type TLowStockRow,
  type TScanResult,
  type TSetThresholdsResult,
} from "./inventory.schema";
import { listStock } from "./inventory.queries";

/** The global default threshold flag, read inside the statement that needs it (a scan runs on every stock change). */
export const defaultThresholdSql = sql<number>`coalesce(
  (SELECT CASE WHEN jsonb_typeof(value) = 'number' THEN (value #>> '{}')::int END FROM system_config WHERE key = 'low_stock_default_threshold'),
  ${sql.lit(SYSTEM_FLAGS.low_stock_default_threshold.default)}::int)`;

/**
 * Opens an alert for every active variant whose available stock is at or below its threshold
 * and that has no open alert; resolves open alerts whose variant recovered (or left the
 * catalogue). With `variantIds`, looks only at those (the stock service passes what it moved);
 * without, at every variant (the scheduled scan). Safe to run concurrently.
 */
export async function scanLowStock(db: DbOrTrx, variantIds?: readonly string[]): Promise<TScanResult> {
  const all = variantIds === undefined;
  const { rows } = await sql<{ opened: string; resolved: string }>`
    WITH fallback AS (SELECT ${defaultThresholdSql} AS threshold),
    state AS (
      SELECT v.id, v.stock_quantity - v.reserved_quantity AS available,
        coalesce(v.low_stock_threshold, p.low_stock_threshold, (SELECT f.threshold FROM fallback f)) AS threshold,
        p.status = 'ACTIVE' AS active
      FROM product_variants v JOIN products p ON p.id = v.product_id
      WHERE ${all} OR v.id = ANY(${variantIds ?? []}::uuid[])
    ),
    opened AS (
      INSERT INTO inventory_low_stock_alerts (variant_id, threshold, available_at_open)
      SELECT id, threshold, available FROM state WHERE active AND available <= threshold
      ON CONFLICT (variant_id) WHERE resolved_at IS NULL DO NOTHING
      RETURNING 1
    ),
    resolved AS (
      UPDATE inventory_low_stock_alerts a SET resolved_at = now(), available_at_resolve = s.available
      FROM state s
      WHERE a.variant_id = s.id AND a.resolved_at IS NULL AND (NOT s.active OR s.available > s.threshold)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM opened) AS opened, (SELECT count(*) FROM resolved) AS resolved
  `.execute(db);
  return { opened: Number(rows[0]?.opened ?? 0), resolved: Number(rows[0]?.resolved ?? 0) };
}

/**
 * What needs attention: out of stock, at or below threshold, or at or below the reorder point.
 * Suggested quantity: the variant's reorder quantity, else enough to reach twice the threshold.
 */
export async function listLowStock(db: DbOrTrx): Promise<TLowStockRow[]> {
  const rows = await listStock(db, { filter: "reorder", limit: 1000, offset: 0 });
  return rows.map((r) => ({
    ...r,
    reason: r.available <= 0 ? "out" : r.low ? "low" : "reorder",
    suggestedReorderQuantity:
      r.reorderQuantity ?? Math.max(1, 2 * Math.max(r.threshold, r.reorderPoint ?? 0) - r.available),
  }));
}

type ThresholdColumn = "lowStockThreshold" | "reorderPoint" | "reorderQuantity";

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
      const values: Partial<Record<ThresholdColumn, number | null>> = { [column]: input[column] ?? null };
      let q = trx.updateTable("productVariants").set({ ...values, updatedAt: new Date() });
      if (input.variantIds) q = q.where("id", "in", input.variantIds);
      if (input.onlyWhereUnset) {
        q = q.where(column, "is", null);
        if (column === "lowStockThreshold")
          q = q.where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom("products")
                  .select("products.id")
                  .whereRef("products.id", "=", "productVariants.productId")
                  .where("products.lowStockThreshold", "is not", null),
              ),
            ),
          );
      }
      const rows = await q.returning("id").execute();
      for (const r of rows) changed.add(r.id);
    }
    const ids = [...changed];
    await writeAudit(trx, actor, {
      action: "inventory.set_thresholds",
      target: { type: "product_variant", id: ids.length === 1 ? ids[0]! : null },
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
