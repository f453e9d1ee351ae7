// Browser-safe catalogue shapes: product statuses and the public product listing.
export const PRODUCT_STATUSES = ["ACTIVE", "DRAFT", "ARCHIVED"] as const;
export type TProductStatus = (typeof PRODUCT_STATUSES)[number];

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
