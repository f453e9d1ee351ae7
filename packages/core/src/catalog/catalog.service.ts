// Public storefront reads: active products with their variants and what can be bought now.
import type { DbOrTrx } from "../db/database";
import { selectActiveProducts, selectVariantsOfProducts } from "./catalog.queries";
import type { TPublicProduct } from "./catalog.schema";

export async function listPublicProducts(db: DbOrTrx, limit: number): Promise<TPublicProduct[]> {
  const products = await selectActiveProducts(db, limit);
  if (products.length === 0) return [];
  const variants = await selectVariantsOfProducts(
    db,
    products.map((p) => p.id),
  );
  return products.map((p) => ({
    ...p,
    variants: variants
      .filter((v) => v.productId === p.id)
      .map((v) => ({
        id: v.id,
        sku: v.sku,
        colour: v.colour,
        fabric: v.fabric,
        blousePiece: v.blousePiece,
        priceMinor: v.priceMinor ?? p.priceMinor,
        available: Math.max(0, v.stockQuantity - v.reservedQuantity),
      })),
  }));
}
