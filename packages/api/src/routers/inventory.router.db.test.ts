// inventory.* through createCaller: the journeys a console user makes, errors mapped. The count
// file is stored as the upload route stores it; the route itself is tested in apps/server.
import { TRPCError } from "@trpc/server";
import { DomainError } from "@radha/core/errors";
import { exportInventoryCsvText, storeCountUpload } from "@radha/core/inventory";
import { createVariant } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../testing";

let s: TestApi;
let operator: Awaited<ReturnType<TestApi["signIn"]>>;
let viewer: Awaited<ReturnType<TestApi["signIn"]>>;
beforeAll(async () => {
  s = await createTestApi();
  operator = await s.signIn("OPERATOR");
  viewer = await s.signIn("VIEWER");
});
afterAll(() => s.close());

async function trpcError(p: Promise<unknown>): Promise<TRPCError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof TRPCError)) throw new Error(`expected a TRPCError, got ${String(e)}`);
  return e;
}

/** What POST /api/files/inventory/counts does with the bytes it read, as this user. */
async function upload(user: typeof operator, csv: string) {
  const actor = { type: "USER" as const, id: user.userId, label: user.email };
  return storeCountUpload(s.database.db, actor, { fileName: "counts.csv", content: Buffer.from(csv) });
}

describe("inventory router", () => {
  it("export → edit → upload → preview → apply → changes → rollback, audited as the signed-in operator", async () => {
    const a = await createVariant(s.database.db, { stock: 12 });
    const [header, ...lines] = (await exportInventoryCsvText(s.database.db)).trimEnd().split("\n");
    const row = lines.find((l) => l.startsWith(`${a.sku},`))!;
    const { uploadId } = await upload(operator, `${header}\n${row.replace(/,,,$/, ",9,,")}\n`);

    const preview = await operator.caller.inventory.resetPreview({ uploadId, reason: "Shelf count" });
    expect(preview.rows[0]).toMatchObject({ line: 2, sku: a.sku, previous: 12, counted: 9, delta: -3 });

    const applied = await operator.caller.inventory.resetApply({
      uploadId,
      reason: "Shelf count",
      batchKey: "router-test-batch-1",
    });
    expect(applied).toMatchObject({ alreadyApplied: false, changedCount: 1 });
    const retried = await operator.caller.inventory.resetApply({
      uploadId,
      reason: "Shelf count",
      batchKey: "router-test-batch-1",
    });
    expect(retried).toMatchObject({ alreadyApplied: true, batchId: applied.batchId });

    const changes = await viewer.caller.inventory.changes({ since: "10m" });
    expect(changes.items.find((e) => e.batchId === applied.batchId)).toMatchObject({
      type: "ADJUSTMENT",
      quantity: -3,
      sku: a.sku,
    });
    expect(changes.byVariant.find((v) => v.sku === a.sku)).toMatchObject({ stockNow: 9 });

    const batches = await viewer.caller.inventory.batches();
    expect(batches.items[0]).toMatchObject({ id: applied.batchId, status: "APPLIED" });
    const rollbackPreview = await operator.caller.inventory.rollbackPreview({ batchId: applied.batchId });
    expect(rollbackPreview).toMatchObject({
      canRollback: true,
      items: [{ sku: a.sku, stockAfterRollback: 12 }],
    });
    await operator.caller.inventory.rollback({ batchId: applied.batchId, reason: "counted the wrong shelf" });
    const ledger = await viewer.caller.inventory.variantLedger({ variantId: a.id });
    expect(ledger.items.map((e) => [e.type, e.quantity, e.newStock])).toEqual([
      ["ROLLBACK", 3, 12],
      ["ADJUSTMENT", -3, 9],
      ["RESTOCK", 12, 12],
    ]);
    const report = await viewer.caller.inventory.batchReport({ batchId: applied.batchId });
    expect(report.batch).toMatchObject({
      status: "ROLLED_BACK",
      rollbackReason: "counted the wrong shelf",
      actorLabel: operator.email,
    });

    const audit = await s.database.db
      .selectFrom("auditLog")
      .select(["action", "actorId"])
      .where("targetId", "=", applied.batchId)
      .orderBy("seq")
      .execute();
    expect(audit).toEqual([
      { action: "inventory.reset_apply", actorId: operator.userId },
      { action: "inventory.reset_rollback", actorId: operator.userId },
    ]);
  });

  it("maps a user's mistakes to 4xx with the core's message, never a 500", async () => {
    const { uploadId } = await upload(operator, "sku,counted\nNO-SUCH-SKU,1\n");
    const bad = await trpcError(
      operator.caller.inventory.resetApply({ uploadId, reason: "count", batchKey: "router-test-bad-1" }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.message).toMatch(/line 2: No variant with SKU NO-SUCH-SKU/);
    const unknown = await trpcError(
      operator.caller.inventory.resetPreview({
        uploadId: "00000000-0000-4000-8000-000000000000",
        reason: "count",
      }),
    );
    expect(unknown.code).toBe("NOT_FOUND");
    expect(unknown.message).toMatch(/upload it again/);
    expect(
      (
        await trpcError(
          operator.caller.inventory.rollback({
            batchId: "00000000-0000-0000-0000-000000000000",
            reason: "undo",
          }),
        )
      ).code,
    ).toBe("NOT_FOUND");
    const noId = await trpcError(
      operator.caller.inventory.resetPreview({ uploadId: "counts.csv", reason: "count" }),
    );
    expect(noId.code).toBe("BAD_REQUEST");
    expect(noId.message).toMatch(/upload the count file first/);
    expect(
      (
        await trpcError(
          viewer.caller.inventory.resetApply({ uploadId, reason: "count", batchKey: "router-test-viewer" }),
        )
      ).code,
    ).toBe("FORBIDDEN");
  });

  it("hands the caller the rows that stopped a reset, with their problems", async () => {
    const known = await createVariant(s.database.db, { stock: 5 });
    const { uploadId } = await upload(operator, `sku,counted\n${known.sku},4\nNO-SUCH-SKU,1\n`);
    const refused = await trpcError(
      operator.caller.inventory.resetApply({ uploadId, reason: "count", batchKey: "router-test-details-1" }),
    );
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.cause).toBeInstanceOf(DomainError);
    expect((refused.cause as DomainError).details).toEqual({
      problems: [
        expect.objectContaining({
          line: 3,
          sku: "NO-SUCH-SKU",
          problems: [expect.objectContaining({ code: "UNKNOWN_SKU" })],
        }),
      ],
    });
  });

  it("lists low stock with suggestions and sets thresholds in bulk where unset", async () => {
    const low = await createVariant(s.database.db, { stock: 2, reorderQuantity: 30 });
    const ok = await createVariant(s.database.db, { stock: 50 });
    await operator.caller.inventory.scanLowStock();
    const { items: list } = await viewer.caller.inventory.lowStock();
    expect(list.find((r) => r.variantId === low.id)).toMatchObject({
      reason: "low",
      threshold: 10,
      suggestedReorderQuantity: 30,
    });
    expect(list.find((r) => r.variantId === ok.id)).toBeUndefined();

    const res = await operator.caller.inventory.setThresholds({
      variantIds: [low.id, ok.id],
      lowStockThreshold: 60,
      onlyWhereUnset: true,
      reason: "new season",
    });
    expect(res.updated).toBe(2);
    const stock = await viewer.caller.inventory.stock({ search: ok.sku });
    expect(stock.items[0]).toMatchObject({ threshold: 60, thresholdSource: "variant", low: true });
    expect(stock.items[0]!.alertOpenSince).not.toBeNull();
  });
});
