import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR, type Actor } from "../audit/audit.service";
import { createDb } from "../db/client";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { createTestDatabase, createVariant, type TestDatabase } from "../testing/index";
import { exportInventoryCsvText } from "./export";
import { findLedgerMismatches } from "./inventory.queries";
import {
  applyInventoryReset,
  getInventoryBatchReport,
  previewBatchRollback,
  previewInventoryReset,
  rollbackInventoryBatch,
} from "./reset.service";
import { recordStockMovement } from "./stock.service";

let t: TestDatabase;
let other: Db;
beforeAll(async () => {
  t = await createTestDatabase();
  other = createDb({ connectionString: t.url, max: 8 }).db;
});
afterAll(async () => {
  await other.destroy();
  await t.drop();
});

const OPERATOR: Actor = { type: "USER", id: "op-1", label: "operator@test" };
let keySeq = 0;
const key = () => `batch-key-${Date.now()}-${keySeq++}`;

const stockOf = async (id: string) =>
  (
    await t.db
      .selectFrom("productVariants")
      .select("stockQuantity")
      .where("id", "=", id)
      .executeTakeFirstOrThrow()
  ).stockQuantity;
const batchCount = async () =>
  Number(
    (
      await t.db
        .selectFrom("inventoryBatches")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
const ledgerCount = async () =>
  Number(
    (
      await t.db
        .selectFrom("inventoryTransactions")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
const sell = (db: Db, variantId: string, n = 1) =>
  db
    .transaction()
    .execute((trx) =>
      recordStockMovement(trx, {
        variantId,
        type: "SALE",
        quantity: -n,
        reason: "order",
        actor: SYSTEM_ACTOR,
      }),
    );

async function errorOf(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(e)}`);
  return e;
}

async function expectInvariants() {
  expect(await findLedgerMismatches(t.db)).toEqual([]);
  const negative = await t.db
    .selectFrom("productVariants")
    .select("sku")
    .where("stockQuantity", "<", 0)
    .execute();
  expect(negative).toEqual([]);
}

/** Our export with `counted` filled in for the given SKUs. */
async function editedExport(counts: Record<string, number | string>): Promise<string> {
  const csv = await exportInventoryCsvText(t.db);
  const [header, ...lines] = csv.trimEnd().split("\n");
  const kept = lines.filter((l) => Object.keys(counts).some((sku) => l.startsWith(`${sku},`)));
  return [header, ...kept.map((l) => l.replace(/,,,$/, `,${counts[l.split(",")[0]!]},,`))].join("\n") + "\n";
}

describe("preview", () => {
  it("reads our edited export and shows previous, new and delta without writing", async () => {
    const a = await createVariant(t.db, { stock: 10 });
    const b = await createVariant(t.db, { stock: 4 });
    const csv = await editedExport({ [a.sku]: 7, [b.sku]: 4 });
    const before = await ledgerCount();
    const preview = await previewInventoryReset(t.db, { csv, reason: "Quarterly count" });
    expect(preview).toMatchObject({
      source: "EXPORT",
      rowCount: 2,
      problemCount: 0,
      changedCount: 1,
      unchangedCount: 1,
      canApply: true,
    });
    expect(preview.rows.find((r) => r.sku === a.sku)).toMatchObject({
      previous: 10,
      counted: 7,
      delta: -3,
      problems: [],
    });
    expect(preview.rows.find((r) => r.sku === a.sku)?.product).toMatch(/Test Saree/);
    expect(await ledgerCount()).toBe(before);
    expect(await stockOf(a.id)).toBe(10);
  });

  it("reports unknown SKUs, duplicates, negative and fractional counts, missing ids and stale rows", async () => {
    const a = await createVariant(t.db, { stock: 5 });
    const b = await createVariant(t.db, { stock: 5 });
    const c = await createVariant(t.db, { stock: 5 });
    const preview = await previewInventoryReset(t.db, {
      reason: "count",
      rows: [
        { sku: "NOPE-1", countedQuantity: 3 },
        { sku: a.sku, countedQuantity: 1 },
        { sku: a.sku, countedQuantity: 2 },
        { sku: b.sku, countedQuantity: -1 },
        { sku: c.sku, countedQuantity: "2.5" },
        { countedQuantity: 1 },
        { variantId: b.id, countedQuantity: 1, expectedCurrent: 9 },
      ],
    });
    expect(preview.rows.map((r) => r.problems.map((p) => p.code))).toEqual([
      ["UNKNOWN_SKU"],
      ["DUPLICATE_ROW"],
      ["DUPLICATE_ROW"],
      ["NEGATIVE_COUNT", "DUPLICATE_ROW"],
      ["NOT_AN_INTEGER"],
      ["MISSING_IDENTIFIER"],
      ["STALE_ROW", "DUPLICATE_ROW"],
    ]);
    expect(preview.canApply).toBe(false);
  });

  it("reads a Shopify inventory export, ignores rows without a new value and flags stale ones", async () => {
    const a = await createVariant(t.db, { stock: 8 });
    const b = await createVariant(t.db, { stock: 3 });
    const c = await createVariant(t.db, { stock: 1 });
    const csv = [
      "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,Location,Bin name,Incoming (not editable),Unavailable (not editable),Committed (not editable),Available (not editable),On hand (current),On hand (new)",
      `kanjivaram-red,"Kanjivaram Red, Silk",Colour,Red,Fabric,Silk,,,${a.sku},Shop location,,0,0,0,8,8,6`,
      `kanjivaram-red,"Kanjivaram Red, Silk",Colour,Blue,Fabric,Silk,,,${b.sku},Shop location,,0,0,0,3,3,`,
      `kanjivaram-red,"Kanjivaram Red, Silk",Colour,Green,Fabric,Silk,,,${c.sku},Shop location,,0,0,0,2,2,5`,
    ].join("\n");
    const preview = await previewInventoryReset(t.db, { csv, reason: "Shopify count" });
    expect(preview).toMatchObject({ source: "SHOPIFY", rowCount: 2, ignoredCount: 1, problemCount: 1 });
    expect(preview.rows[0]).toMatchObject({
      line: 2,
      sku: a.sku,
      previous: 8,
      counted: 6,
      delta: -2,
      problems: [],
    });
    expect(preview.rows[1]!.problems.map((p) => p.code)).toEqual(["STALE_ROW"]);
  });

  it("accepts pasted sku,count lines without a header", async () => {
    const a = await createVariant(t.db, { stock: 2 });
    const preview = await previewInventoryReset(t.db, { csv: `${a.sku},9,found a box\n`, reason: "paste" });
    expect(preview).toMatchObject({ source: "ROWS", rowCount: 1, changedCount: 1 });
    expect(preview.rows[0]).toMatchObject({ line: 1, delta: 7, reason: "found a box" });
  });

  it("refuses bad files with a clear error: malformed, oversized, empty, unknown columns", async () => {
    const malformed = await errorOf(
      previewInventoryReset(t.db, { csv: 'sku,counted\n"RG-1,4\n', reason: "count" }),
    );
    expect(malformed.code).toBe("BAD_REQUEST");
    expect(malformed.message).toMatch(/not valid CSV/);

    const big = "sku,counted\n" + "X".repeat(50 * 1024 * 1024);
    const tooBig = await errorOf(previewInventoryReset(t.db, { csv: big, reason: "count" }));
    expect(tooBig.code).toBe("PAYLOAD_TOO_LARGE");
    expect(tooBig.message).toMatch(/50\.0 MB; the limit is 10 MB/);

    expect((await errorOf(previewInventoryReset(t.db, { csv: "", reason: "count" }))).message).toMatch(
      /empty/,
    );
    expect(
      (await errorOf(previewInventoryReset(t.db, { csv: "sku,counted\n", reason: "count" }))).message,
    ).toMatch(/no rows with a counted quantity/);
    expect((await errorOf(previewInventoryReset(t.db, { rows: [], reason: "count" }))).message).toMatch(
      /no rows/,
    );
    expect(
      (await errorOf(previewInventoryReset(t.db, { csv: "name,colour\nx,y\n", reason: "count" }))).message,
    ).toMatch(/Unrecognised columns/);
  });
});

describe("apply", () => {
  it("writes ADJUSTMENT rows with reason, operator, reference and notes, and a batch with prior and new values", async () => {
    const a = await createVariant(t.db, { stock: 10 });
    const b = await createVariant(t.db, { stock: 4 });
    const result = await applyInventoryReset(t.db, OPERATOR, {
      rows: [
        { sku: a.sku, countedQuantity: 12, notes: "shelf B" },
        { sku: b.sku, countedQuantity: 4 },
      ],
      reason: "Physical count",
      reference: "INV-2026-001",
      batchKey: key(),
    });
    expect(result).toMatchObject({ alreadyApplied: false, rowCount: 2, changedCount: 1, skippedCount: 0 });
    expect(await stockOf(a.id)).toBe(12);
    const report = await getInventoryBatchReport(t.db, result.batchId);
    expect(report.items.map((i) => [i.sku, i.previousStock, i.newStock, i.delta]).sort()).toEqual(
      [
        [a.sku, 10, 12, 2],
        [b.sku, 4, 4, 0],
      ].sort(),
    );
    expect(report.ledger).toHaveLength(1);
    expect(report.ledger[0]).toMatchObject({
      type: "ADJUSTMENT",
      quantity: 2,
      previousStock: 10,
      newStock: 12,
      reason: "Physical count",
      reference: "INV-2026-001",
      notes: "shelf B",
      actorLabel: "operator@test",
    });
    const audit = await t.db
      .selectFrom("auditLog")
      .selectAll()
      .where("action", "=", "inventory.reset_apply")
      .where("targetId", "=", result.batchId)
      .execute();
    expect(audit).toHaveLength(1);
    await expectInvariants();
  });

  it("rejects the whole batch on any problem by default and writes nothing", async () => {
    const a = await createVariant(t.db, { stock: 10 });
    const [batches, ledger] = [await batchCount(), await ledgerCount()];
    const err = await errorOf(
      applyInventoryReset(t.db, OPERATOR, {
        rows: [
          { sku: a.sku, countedQuantity: 3 },
          { sku: "UNKNOWN-9", countedQuantity: 1 },
        ],
        reason: "count",
        batchKey: key(),
      }),
    );
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(
      /Nothing was changed: 1 rows have problems \(line 2: No variant with SKU UNKNOWN-9\)/,
    );
    expect([await batchCount(), await ledgerCount(), await stockOf(a.id)]).toEqual([batches, ledger, 10]);
  });

  it("skips problem rows when asked and records them on the batch", async () => {
    const a = await createVariant(t.db, { stock: 10 });
    const result = await applyInventoryReset(t.db, OPERATOR, {
      rows: [
        { sku: a.sku, countedQuantity: 3 },
        { sku: "UNKNOWN-9", countedQuantity: 1 },
      ],
      reason: "count",
      onProblem: "SKIP",
      batchKey: key(),
    });
    expect(result).toMatchObject({ rowCount: 1, changedCount: 1, skippedCount: 1 });
    expect(await stockOf(a.id)).toBe(3);
    expect((await getInventoryBatchReport(t.db, result.batchId)).skipped.map((r) => r.sku)).toEqual([
      "UNKNOWN-9",
    ]);
  });

  it("applies a batch key once when two clients apply it at the same moment", async () => {
    const a = await createVariant(t.db, { stock: 10 });
    const input = { rows: [{ sku: a.sku, countedQuantity: 25 }], reason: "count", batchKey: key() };
    const results = await Promise.all([
      applyInventoryReset(t.db, OPERATOR, input),
      applyInventoryReset(other, OPERATOR, input),
      applyInventoryReset(other, OPERATOR, input),
    ]);
    expect(results.filter((r) => !r.alreadyApplied)).toHaveLength(1);
    expect(new Set(results.map((r) => r.batchId)).size).toBe(1);
    expect(await stockOf(a.id)).toBe(25);
    expect((await getInventoryBatchReport(t.db, results[0].batchId)).ledger).toHaveLength(1);
  });

  it("loses no sale made from other connections while a reset applies", async () => {
    const variants = await Promise.all(Array.from({ length: 20 }, () => createVariant(t.db, { stock: 50 })));
    const counts = variants.map((v, i) => ({ sku: v.sku, countedQuantity: 30 + i }));
    const sales = variants.flatMap((v) => Array.from({ length: 5 }, () => v.id));
    const [, ...saleResults] = await Promise.all([
      applyInventoryReset(t.db, OPERATOR, { rows: counts, reason: "count under load", batchKey: key() }),
      ...sales.map((id, i) => sell(i % 2 ? other : t.db, id)),
    ]);
    expect(saleResults.every((r) => r.applied)).toBe(true);
    await expectInvariants();
    for (const [i, v] of variants.entries()) {
      // A sale either came before the count (absorbed: the count is the truth) or after it.
      const stock = await stockOf(v.id);
      expect(stock).toBeGreaterThanOrEqual(30 + i - 5);
      expect(stock).toBeLessThanOrEqual(30 + i);
      const ledger = await t.db
        .selectFrom("inventoryTransactions")
        .selectAll()
        .where("variantId", "=", v.id)
        .orderBy("id")
        .execute();
      for (let k = 1; k < ledger.length; k++) expect(ledger[k]!.previousStock).toBe(ledger[k - 1]!.newStock);
    }
  });
});

describe("rollback", () => {
  it("undoes exactly the batch's deltas and keeps sales made since", async () => {
    const a = await createVariant(t.db, { stock: 10 });
    const b = await createVariant(t.db, { stock: 10 });
    const c = await createVariant(t.db, { stock: 10 });
    const batch = await applyInventoryReset(t.db, OPERATOR, {
      rows: [
        { sku: a.sku, countedQuantity: 15 },
        { sku: b.sku, countedQuantity: 8 },
        { sku: c.sku, countedQuantity: 10 },
      ],
      reason: "count",
      batchKey: key(),
    });
    await sell(t.db, a.id, 3);
    const preview = await previewBatchRollback(t.db, batch.batchId);
    expect(preview).toMatchObject({ canRollback: true, changedSinceCount: 1, negativeCount: 0 });
    expect(
      preview.items
        .map((i) => [i.sku, i.batchDelta, i.currentStock, i.stockAfterRollback, i.movementsSince])
        .sort(),
    ).toEqual(
      [
        [a.sku, 5, 12, 7, 1],
        [b.sku, -2, 8, 10, 0],
      ].sort(),
    );

    const result = await rollbackInventoryBatch(t.db, OPERATOR, {
      batchId: batch.batchId,
      reason: "wrong shelf counted",
    });
    expect(result).toMatchObject({ alreadyRolledBack: false, rolledBackCount: 2 });
    expect([await stockOf(a.id), await stockOf(b.id), await stockOf(c.id)]).toEqual([7, 10, 10]);
    const ledger = (await getInventoryBatchReport(t.db, batch.batchId)).ledger.filter(
      (e) => e.type === "ROLLBACK",
    );
    expect(ledger.map((e) => [e.sku, e.quantity, e.previousStock, e.newStock]).sort()).toEqual(
      [
        [a.sku, -5, 12, 7],
        [b.sku, 2, 8, 10],
      ].sort(),
    );

    const again = await rollbackInventoryBatch(t.db, OPERATOR, {
      batchId: batch.batchId,
      reason: "double click",
    });
    expect(again.alreadyRolledBack).toBe(true);
    expect(await stockOf(a.id)).toBe(7);
    expect((await previewBatchRollback(t.db, batch.batchId)).blockedBecause).toMatch(/Already rolled back/);
    await expectInvariants();
  });

  it("refuses a rollback that would take stock below zero, and says which", async () => {
    const a = await createVariant(t.db, { stock: 2 });
    const batch = await applyInventoryReset(t.db, OPERATOR, {
      rows: [{ sku: a.sku, countedQuantity: 10 }],
      reason: "count",
      batchKey: key(),
    });
    await sell(t.db, a.id, 9);
    const preview = await previewBatchRollback(t.db, batch.batchId);
    expect(preview).toMatchObject({ canRollback: false, negativeCount: 1 });
    const err = await errorOf(
      rollbackInventoryBatch(t.db, OPERATOR, { batchId: batch.batchId, reason: "undo" }),
    );
    expect(err.code).toBe("PRECONDITION_FAILED");
    expect(err.message).toContain(a.sku);
    expect(await stockOf(a.id)).toBe(1);
    expect((await getInventoryBatchReport(t.db, batch.batchId)).batch.status).toBe("APPLIED");
  });

  it("loses no sale made while a batch rolls back", async () => {
    const variants = await Promise.all(Array.from({ length: 15 }, () => createVariant(t.db, { stock: 10 })));
    const batch = await applyInventoryReset(t.db, OPERATOR, {
      rows: variants.map((v) => ({ sku: v.sku, countedQuantity: 40 })),
      reason: "count",
      batchKey: key(),
    });
    const [, ...sales] = await Promise.all([
      rollbackInventoryBatch(other, OPERATOR, { batchId: batch.batchId, reason: "undo under load" }),
      ...variants.flatMap((v) => [sell(t.db, v.id, 2), sell(other, v.id, 1)]),
    ]);
    expect(sales.every((s) => s.applied)).toBe(true);
    for (const v of variants) expect(await stockOf(v.id)).toBe(10 - 3);
    await expectInvariants();
  });

  it("answers NOT_FOUND for an unknown batch", async () => {
    expect((await errorOf(previewBatchRollback(t.db, "00000000-0000-0000-0000-000000000000"))).code).toBe(
      "NOT_FOUND",
    );
  });
});
