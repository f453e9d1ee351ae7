// Catalogue reads: active products and their variants, for the storefront listing.
import type { DbOrTrx } from "../db/database";

export async function selectActiveProducts(db: DbOrTrx, limit: number) {
  return db
    .selectFrom("products")
    .select(["id", "name", "slug", "category", "priceMinor", "currency"])
    .where("status", "=", "ACTIVE")
    .orderBy("name")
    .orderBy("id")
    .limit(limit)
    .execute();
}

export async function selectVariantsOfProducts(db: DbOrTrx, productIds: readonly string[]) {
  return db
    .selectFrom("productVariants")
    .select([
      "id",
      "productId",
      "sku",
      "colour",
      "fabric",
      "blousePiece",
      "priceMinor",
      "stockQuantity",
      "reservedQuantity",
    ])
    .where("productId", "in", productIds)
    .orderBy("sku")
    .execute();
}
