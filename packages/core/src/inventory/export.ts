// The inventory export: one CSV row per variant. Its `counted` column is left empty for the
// person counting; filled in, the file is a valid reset input (on_hand makes stale rows visible).
import { stringify } from "csv-stringify/sync";
import type { DbOrTrx } from "../db/database";
import { iterateStock } from "./inventory.queries";

export const EXPORT_COLUMNS = [
  "sku",
  "product",
  "options",
  "on_hand",
  "reserved",
  "available",
  "threshold",
  "reorder_point",
  "reorder_quantity",
  "variant_id",
  "counted",
  "reason",
  "notes",
] as const;

/** Yields CSV text in chunks (header first), for writing to a file or an HTTP response. */
export async function* exportInventoryCsv(db: DbOrTrx): AsyncGenerator<string> {
  yield stringify([[...EXPORT_COLUMNS]]);
  for await (const page of iterateStock(db)) {
    yield stringify(
      page.map((r) => [
        r.sku,
        r.product,
        r.options,
        r.onHand,
        r.reserved,
        r.available,
        r.threshold,
        r.reorderPoint ?? "",
        r.reorderQuantity ?? "",
        r.variantId,
        "",
        "",
        "",
      ]),
    );
  }
}

export async function exportInventoryCsvText(db: DbOrTrx): Promise<string> {
  let out = "";
  for await (const chunk of exportInventoryCsv(db)) out += chunk;
  return out;
}
