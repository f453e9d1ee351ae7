// Public storefront reads: active products with their variants and what can be bought now.
import type { DbOrTrx } from "../db/database";

export interface TPublicProduct {
  id: string;
  name: string;
  slug: string;
  category: string;
  priceMinor: number;
  currency: string;
  variants: {
    id: string;
    sku: string;
    colour: string | null;
    fabric: string | null;
    blousePiece: boolean;
    priceMinor: number;
    available: number;
  }[];
}

export async function listPublicProducts(db: DbOrTrx, limit: number): Promise<TPublicProduct[]> {
  const products = await db
    .selectFrom("products")
    .select(["id", "name", "slug", "category", "priceMinor", "currency"])
    .where("status", "=", "ACTIVE")
    .orderBy("name")
    .orderBy("id")
    .limit(limit)
    .execute();
  if (products.length === 0) return [];
  const variants = await db
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
    .where(
      "productId",
      "in",
      products.map((p) => p.id),
    )
    .orderBy("sku")
    .execute();
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
