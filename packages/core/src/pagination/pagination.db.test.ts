import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAuditEvent, SYSTEM_ACTOR } from "../audit/audit.service";
import { listAuditEvents } from "../audit/audit.service";
import { defaultThresholdSql, listStock } from "../inventory/inventory.queries";
import { listOrders } from "../orders/orders.queries";
import {
  createPendingOrder,
  createProduct,
  createTestDatabase,
  createVariant,
  type TestDatabase,
} from "../testing/index";
import { listWebhookRejections } from "../webhooks/webhooks.queries";
import { decodeCursor, encodeCursor, ZKeyBigint } from "./cursor";
import { z } from "zod";
import type { TPage } from "./pagination.schema";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

/** Follows nextCursor from the first page to the last, as the console's "Load more" does. */
async function everyPage<T>(list: (cursor: string | null) => Promise<TPage<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const page: TPage<T> = await list(cursor);
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 100);
  return pages;
}

const INVALID = { code: "BAD_REQUEST", message: "This cursor is not valid; start again from the first page" };

describe("cursor", () => {
  it("round-trips its keyset values and refuses anything it did not make", () => {
    const key = z.tuple([ZKeyBigint]);
    expect(decodeCursor(encodeCursor(["42"]), key)).toEqual(["42"]);
    expect(decodeCursor(null, key)).toBeNull();
    expect(decodeCursor(undefined, key)).toBeNull();
    for (const bad of [
      "",
      "not a cursor!",
      encodeCursor(["42"]).slice(0, -2),
      encodeCursor(["not-a-number"]),
      encodeCursor(["99999999999999999999"]),
      encodeCursor(["42", "extra"]),
      Buffer.from('{"seq":42}').toString("base64url"),
    ])
      expect(() => decodeCursor(bad, key), bad).toThrow(expect.objectContaining(INVALID));
  });
});

describe("keyset pages", () => {
  it("returns every rejection exactly once, newest first, when many share one received_at", async () => {
    // One statement: now() is the same for every row, so only the id tells them apart. Rows a
    // microsecond apart inside one millisecond catch a cursor that rounds to milliseconds.
    await sql`
      INSERT INTO webhook_rejections (provider, reason, status_code, received_at)
      SELECT 'STRIPE', 'same instant ' || g, 400, now() FROM generate_series(1, 7) g
      UNION ALL
      SELECT 'RAZORPAY', 'same millisecond ' || g, 400,
        timestamptz '2026-01-01T00:00:00.123Z' + g * interval '1 microsecond' FROM generate_series(1, 5) g
    `.execute(t.db);
    const expected = await t.db
      .selectFrom("webhookRejections")
      .select("id")
      .orderBy("receivedAt", "desc")
      .orderBy("id", "desc")
      .execute();

    const pages = await everyPage((cursor) => listWebhookRejections(t.db, { limit: 3, cursor }));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 3]);
    expect(pages.flat().map((r) => r.id)).toEqual(expected.map((r) => r.id));
  });

  it("pages the audit log by seq with nothing repeated or skipped", async () => {
    for (let i = 0; i < 11; i++) await recordAuditEvent(t.db, SYSTEM_ACTOR, { action: "paging.test" });
    const pages = await everyPage((cursor) => listAuditEvents(t.db, { action: "paging.", limit: 4, cursor }));
    expect(pages.map((p) => p.length)).toEqual([4, 4, 3]);
    const seqs = pages.flat().map((e) => Number(e.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(11);
  });

  it("pages stock by product name and SKU, and by urgency, across products with one name", async () => {
    for (let p = 0; p < 3; p++) {
      const product = await createProduct(t.db, { name: "Paging Saree" });
      for (let v = 0; v < 3; v++)
        await createVariant(t.db, { productId: product.id, stock: 5 + p * 3 + v, sku: `PG-${p}${v}` });
    }
    const byName = await everyPage((cursor) => listStock(t.db, { search: "PG-", limit: 4, cursor }));
    expect(byName.flat().map((r) => r.sku)).toEqual([
      "PG-00",
      "PG-01",
      "PG-02",
      "PG-10",
      "PG-11",
      "PG-12",
      "PG-20",
      "PG-21",
      "PG-22",
    ]);

    const low = await listStock(t.db, { search: "PG-", filter: "low", limit: 100 });
    const byUrgency = await everyPage((cursor) =>
      listStock(t.db, { search: "PG-", filter: "low", limit: 2, cursor }),
    );
    expect(byUrgency.flat().map((r) => r.sku)).toEqual(low.items.map((r) => r.sku));
    expect(low.items.length).toBeGreaterThan(2);
  });

  it("pages low stock (no search) across variant, product and default thresholds as one urgency order", async () => {
    const own = await createProduct(t.db, { name: "Low Own Threshold", lowStockThreshold: 9 });
    const plain = await createProduct(t.db, { name: "Low Default Threshold" });
    const archived = await createProduct(t.db, { name: "Low Archived", status: "ARCHIVED" });
    for (let v = 0; v < 4; v++) {
      await createVariant(t.db, { productId: own.id, stock: v * 3, sku: `LW-P${v}` });
      await createVariant(t.db, {
        productId: own.id,
        stock: v * 2,
        sku: `LW-V${v}`,
        lowStockThreshold: 4 + v,
      });
      await createVariant(t.db, { productId: plain.id, stock: v, sku: `LW-D${v}` });
      await createVariant(t.db, { productId: plain.id, stock: v, sku: `LW-DV${v}`, lowStockThreshold: 2 });
      await createVariant(t.db, { productId: archived.id, stock: 0, sku: `LW-A${v}` });
    }
    // The plain answer: every active variant at or below its effective threshold, most urgent first.
    const { rows } = await sql<{ sku: string }>`
      SELECT v.sku FROM product_variants v JOIN products p ON p.id = v.product_id
      WHERE p.status = 'ACTIVE' AND v.stock_quantity - v.reserved_quantity
        <= coalesce(v.low_stock_threshold, p.low_stock_threshold, ${defaultThresholdSql})
      ORDER BY v.stock_quantity - v.reserved_quantity
        - coalesce(v.low_stock_threshold, p.low_stock_threshold, ${defaultThresholdSql}), v.sku
    `.execute(t.db);
    const pages = await everyPage((cursor) => listStock(t.db, { filter: "low", limit: 3, cursor }));
    expect(pages.flat().map((r) => r.sku)).toEqual(rows.map((r) => r.sku));
    expect(rows.filter((r) => r.sku.startsWith("LW-")).length).toBeGreaterThan(8);
    expect(pages.flat().every((r) => r.low && r.productStatus === "ACTIVE")).toBe(true);
  });

  it("searches SKU and product name as one list: each variant once, in order, across pages", async () => {
    const silk = await createProduct(t.db, { name: "Search Peacock Silk" });
    const cotton = await createProduct(t.db, { name: "Search Cotton" });
    for (const sku of ["SR-PEA-2", "SR-PEA-1"]) await createVariant(t.db, { productId: silk.id, sku });
    // Matches by SKU only (its product's name does not contain the text) and by both.
    await createVariant(t.db, { productId: cotton.id, sku: "SR-PEACOCK-3" });
    await createVariant(t.db, { productId: cotton.id, sku: "SR-PLAIN-4" });
    const pages = await everyPage((cursor) => listStock(t.db, { search: "peacock", limit: 2, cursor }));
    expect(pages.flat().map((r) => `${r.product}/${r.sku}`)).toEqual([
      "Search Cotton/SR-PEACOCK-3",
      "Search Peacock Silk/SR-PEA-1",
      "Search Peacock Silk/SR-PEA-2",
    ]);
    expect((await listStock(t.db, { search: "SR-PLAIN" })).items.map((r) => r.sku)).toEqual(["SR-PLAIN-4"]);
  });

  it("finds an order by number, e-mail, payment reference, provider payment id or id", async () => {
    const { order } = await createPendingOrder(t.db);
    const other = await createPendingOrder(t.db);
    await t.db
      .insertInto("payments")
      .values({
        orderId: order.id,
        provider: "STRIPE",
        providerPaymentId: "pi_search_capture",
        amountMinor: 100,
        currency: "INR",
        status: "CAPTURED",
      })
      .execute();
    for (const search of [order.orderNumber, order.paymentReference!, "pi_search_capture", order.id]) {
      const ids = (await listOrders(t.db, { filter: { search } })).items.map((o) => o.id);
      expect(ids, search).toEqual([order.id]);
    }
    const byEmail = await listOrders(t.db, { filter: { search: "BUYER@example.test" } });
    expect(byEmail.items.map((o) => o.id).sort()).toEqual([order.id, other.order.id].sort());
    expect((await listOrders(t.db, { filter: { search: "nothing-like-it" } })).items).toEqual([]);
  });

  it("refuses a cursor it did not make with BAD_REQUEST, not a database error", async () => {
    await expect(listWebhookRejections(t.db, { cursor: "garbage" })).rejects.toMatchObject(INVALID);
    // A well-formed cursor of another list's shape is refused too.
    const stockCursor = encodeCursor(["Paging Saree", "PG-00"]);
    await expect(listWebhookRejections(t.db, { cursor: stockCursor })).rejects.toMatchObject(INVALID);
    await expect(listStock(t.db, { filter: "low", cursor: stockCursor })).rejects.toMatchObject(INVALID);
  });
});
