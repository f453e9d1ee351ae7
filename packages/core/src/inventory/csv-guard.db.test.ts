// CSV formula injection: hostile names leave the export inert, and the edited export still
// imports the exact SKUs (the guard comes back off).
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProduct, createTestDatabase, createVariant, type TestDatabase } from "../testing/index";
import { guardCsvCell, unguardCsvCell } from "./csv-guard";
import { exportInventoryCsvText } from "./export";
import { previewInventoryReset } from "./reset.service";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("guardCsvCell", () => {
  it("prefixes a quote to cells starting with = + - @ tab or CR, and only those", () => {
    for (const v of ["=1+1", "+91", "-2", "@SUM(A1)", "\tx", "\rx"]) expect(guardCsvCell(v)).toBe(`'${v}`);
    for (const v of ["Kanjivaram", "RG-001", "'quoted", "1=1", ""]) expect(guardCsvCell(v)).toBe(v);
  });

  it("unguards exactly what it guarded", () => {
    for (const v of ["=1+1", "+91", "@x", "\tx", "plain", "'quoted", "''=x"])
      expect(unguardCsvCell(guardCsvCell(v))).toBe(v);
  });
});

it("the export neutralises formula cells and its edited copy imports the original SKUs", async () => {
  const product = await createProduct(t.db, { name: '=HYPERLINK("http://evil.test","Click")' });
  const variant = await createVariant(t.db, {
    productId: product.id,
    sku: "+SKU-FORMULA",
    colour: "@Red",
    stock: 5,
  });

  const csv = await exportInventoryCsvText(t.db);
  const records = parse<Record<string, string>>(csv, { columns: true });
  const row = records.find((r) => r.variant_id === variant.id);
  expect(row?.product).toBe(`'=HYPERLINK("http://evil.test","Click")`);
  expect(row?.sku).toBe("'+SKU-FORMULA");
  expect(row?.options?.startsWith("'")).toBe(true);
  for (const r of records)
    for (const cell of [r.sku, r.product, r.options]) expect(cell ?? "").not.toMatch(/^[=+\-@\t\r]/);

  const edited = stringify([{ ...row, counted: "3" }], { header: true, columns: Object.keys(row ?? {}) });
  const preview = await previewInventoryReset(t.db, { csv: edited, reason: "formula check" });
  expect(preview.rows).toHaveLength(1);
  expect(preview.rows[0]).toMatchObject({ sku: "+SKU-FORMULA", previous: 5, counted: 3, problems: [] });
});
