// The inventory export: one CSV row per variant. Its `counted` column is left empty for the
// person counting; filled in, the file is a valid reset input (on_hand makes stale rows visible).
import { Readable, pipeline } from "node:stream";
import { text } from "node:stream/consumers";
import { stringify } from "csv-stringify";
import type { DbOrTrx } from "../db/database";
import { guardCsvCell } from "./csv-guard";
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

type ExportRecord = Record<(typeof EXPORT_COLUMNS)[number], string | number | null>;

async function* exportRecords(db: DbOrTrx, written: { count: number }): AsyncGenerator<ExportRecord> {
  for await (const page of iterateStock(db)) {
    for (const r of page) {
      yield {
        sku: guardCsvCell(r.sku),
        product: guardCsvCell(r.product),
        options: guardCsvCell(r.options),
        on_hand: r.onHand,
        reserved: r.reserved,
        available: r.available,
        threshold: r.threshold,
        reorder_point: r.reorderPoint,
        reorder_quantity: r.reorderQuantity,
        variant_id: r.variantId,
        counted: null,
        reason: null,
        notes: null,
      };
      written.count += 1;
    }
  }
}

export interface InventoryCsvStream {
  /** CSV bytes, header first; destroyed with the error if a page cannot be read. */
  csv: Readable;
  variantsWritten: () => number;
}

/**
 * The export as a CSV stream. Pages are read from the database as the reader pulls (an HTTP
 * response or a file), so memory stays flat however many variants there are.
 */
export function streamInventoryCsv(db: DbOrTrx): InventoryCsvStream {
  const written = { count: 0 };
  const csv = pipeline(
    Readable.from(exportRecords(db, written)),
    stringify({ header: true, columns: [...EXPORT_COLUMNS] }),
    // The reader of `csv` sees the error; nothing more to do here.
    () => undefined,
  );
  return { csv, variantsWritten: () => written.count };
}

/** The whole export as one string: for tests and the bench, never for a surface. */
export function exportInventoryCsvText(db: DbOrTrx): Promise<string> {
  return text(streamInventoryCsv(db).csv);
}

/** The name a downloaded export is saved under. */
export function inventoryExportFileName(now = new Date()): string {
  return `inventory-${now.toISOString().slice(0, 10)}.csv`;
}
