// Inventory test factories: variants get their opening stock through the stock service, so the
// ledger invariant holds from the first row.
import { randomBytes } from "node:crypto";
import type { Db } from "../db/database";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { recordStockMovement } from "../inventory/stock.service";

export async function createProduct(
  db: Db,
  overrides: {
    name?: string;
    lowStockThreshold?: number | null;
    status?: "ACTIVE" | "DRAFT" | "ARCHIVED";
  } = {},
) {
  const suffix = randomBytes(4).toString("hex");
  return db
    .insertInto("products")
    .values({
      name: overrides.name ?? `Test Saree ${suffix}`,
      slug: `test-saree-${suffix}`,
      priceMinor: 199900,
      lowStockThreshold: overrides.lowStockThreshold ?? null,
      status: overrides.status ?? "ACTIVE",
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createVariant(
  db: Db,
  overrides: {
    productId?: string;
    sku?: string;
    stock?: number;
    colour?: string;
    lowStockThreshold?: number | null;
    reorderPoint?: number | null;
    reorderQuantity?: number | null;
  } = {},
) {
  const productId = overrides.productId ?? (await createProduct(db)).id;
  const variant = await db
    .insertInto("productVariants")
    .values({
      productId,
      sku: overrides.sku ?? `T-${randomBytes(5).toString("hex").toUpperCase()}`,
      colour: overrides.colour ?? "Ruby Red",
      fabric: "Silk",
      lowStockThreshold: overrides.lowStockThreshold ?? null,
      reorderPoint: overrides.reorderPoint ?? null,
      reorderQuantity: overrides.reorderQuantity ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const stock = overrides.stock ?? 0;
  if (stock > 0) {
    await db
      .transaction()
      .execute((trx) =>
        recordStockMovement(trx, {
          variantId: variant.id,
          type: "RESTOCK",
          quantity: stock,
          reason: "test opening stock",
          actor: SYSTEM_ACTOR,
        }),
      );
  }
  return { ...variant, stockQuantity: stock };
}
