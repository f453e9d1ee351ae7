import { setTimeout as sleep } from "node:timers/promises";
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import type { Database, Db } from "../db/database";
import { must } from "../errors";
import { encodeCursor } from "../pagination/cursor";
import { createProduct, createTestDatabase, createVariant, type TestDatabase } from "../testing/index";
import { CHANGES_SUMMARY_TOP, listStockChanges } from "./inventory.queries";
import type { TChangesPage } from "./inventory.schema";
import { recordStockMovement, type StockMovementInput } from "./stock.service";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const move = (db: Db, m: Omit<StockMovementInput, "actor" | "reason">) =>
  db.transaction().execute((trx) => recordStockMovement(trx, { reason: "test", actor: SYSTEM_ACTOR, ...m }));

/** A ledger row written as an import would: its own time, whatever id the sequence gives it. */
const imported = (variantId: string, productId: string, quantity: number, minutesAgo: number) => sql`
  INSERT INTO inventory_transactions (type, product_id, variant_id, quantity, previous_stock, new_stock, reason, actor_type, created_at)
  VALUES ('ADJUSTMENT', ${productId}, ${variantId}, ${quantity}, 100, ${100 + quantity}, 'import', 'SYSTEM',
    now() - ${minutesAgo} * interval '1 minute')`;

describe("listStockChanges", () => {
  it("pages the window's rows newest id first and carries the whole window's per-variant net on every page", async () => {
    const silk = await createProduct(t.db, { name: "Changes Silk Saree" });
    const cotton = await createProduct(t.db, { name: "Changes Cotton Saree" });
    // Created in an order that is neither SKU order nor net order.
    const x = await createVariant(t.db, { productId: silk.id, sku: "CHG-2" });
    const y = await createVariant(t.db, { productId: cotton.id, sku: "CHG-1" });
    const z = await createVariant(t.db, { productId: cotton.id, sku: "CHG-3" });
    const w = await createVariant(t.db, { productId: silk.id, sku: "CHG-0" });
    await move(t.db, { variantId: x.id, type: "RESTOCK", quantity: 3 });
    await move(t.db, { variantId: z.id, type: "RESTOCK", quantity: 5 });
    await move(t.db, { variantId: y.id, type: "RESTOCK", quantity: 2 });
    await move(t.db, { variantId: x.id, type: "SALE", quantity: -3 });
    await move(t.db, { variantId: z.id, type: "SALE", quantity: -1 });
    await move(t.db, { variantId: w.id, type: "RESTOCK", quantity: 1 });
    await move(t.db, { variantId: x.id, type: "RESTOCK", quantity: 4 });
    await move(t.db, { variantId: x.id, type: "SALE", quantity: -2 });
    // Imported rows: one inside the hour with the newest id, one before the window.
    await imported(y.id, cotton.id, -4, 30).execute(t.db);
    await imported(w.id, silk.id, 50, 120).execute(t.db);

    const all = await listStockChanges(t.db, { since: "1h", limit: 1000 });
    const ledger = await t.db
      .selectFrom("inventoryTransactions")
      .select(sql<string>`id::text`.as("id"))
      .where("createdAt", ">=", new Date(all.since))
      .orderBy("id", "desc")
      .execute();
    expect(all.items.map((e) => e.id)).toEqual(ledger.map((r) => r.id));
    expect(all.items).toHaveLength(9);
    const label = new Map([
      [x.id, ["CHG-2", "Changes Silk Saree"]],
      [y.id, ["CHG-1", "Changes Cotton Saree"]],
      [z.id, ["CHG-3", "Changes Cotton Saree"]],
      [w.id, ["CHG-0", "Changes Silk Saree"]],
    ]);
    for (const e of all.items) expect([e.sku, e.product]).toEqual(label.get(e.variantId));

    // Net over the hour, largest change first whatever its sign, SKU breaking ties; stock as it is now.
    expect(all.totals).toEqual({ variants: 4, movements: 9 });
    expect(all.byVariant).toEqual([
      { variantId: z.id, sku: "CHG-3", product: "Changes Cotton Saree", net: 4, movements: 2, stockNow: 4 },
      { variantId: y.id, sku: "CHG-1", product: "Changes Cotton Saree", net: -2, movements: 2, stockNow: 2 },
      { variantId: x.id, sku: "CHG-2", product: "Changes Silk Saree", net: 2, movements: 4, stockNow: 2 },
      { variantId: w.id, sku: "CHG-0", product: "Changes Silk Saree", net: 1, movements: 1, stockNow: 1 },
    ]);

    // Two rows a page: the same rows in the same order, and the same summary on the deep pages.
    const pages: TChangesPage[] = [];
    let cursor: string | null = null;
    do {
      const page: TChangesPage = await listStockChanges(t.db, { since: "1h", limit: 2, cursor });
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toHaveLength(5);
    expect(pages.flatMap((p) => p.items)).toEqual(all.items);
    for (const p of pages) {
      expect(p.since).toBe(pages[0]!.since);
      expect(p.byVariant).toEqual(all.byVariant);
      expect(p.totals).toEqual(all.totals);
    }
  });

  it("keeps a listing's window: stock moved after its first page changes none of its pages' summaries, a new listing shows it", async () => {
    const product = await createProduct(t.db, { name: "Pinned Window Saree" });
    const a = await createVariant(t.db, { productId: product.id, sku: "PIN-A" });
    const b = await createVariant(t.db, { productId: product.id, sku: "PIN-B" });
    await move(t.db, { variantId: a.id, type: "RESTOCK", quantity: 6 });
    await move(t.db, { variantId: b.id, type: "RESTOCK", quantity: 2 });
    await move(t.db, { variantId: a.id, type: "SALE", quantity: -1 });

    const first = await listStockChanges(t.db, { since: "1h", limit: 1 });
    const rowOf = (p: TChangesPage, id: string) => p.byVariant.find((r) => r.variantId === id);
    expect(rowOf(first, a.id)).toMatchObject({ net: 5, movements: 2, stockNow: 5 });
    await move(t.db, { variantId: a.id, type: "RESTOCK", quantity: 7 });

    // The listing's next pages: the same summary, movement counts and stock as on its first page.
    const pages: TChangesPage[] = [];
    for (let cursor = first.nextCursor; cursor;) {
      const page: TChangesPage = await listStockChanges(t.db, { since: "1h", limit: 1, cursor });
      pages.push(page);
      cursor = page.nextCursor;
    }
    expect(pages.length).toBeGreaterThan(2);
    for (const p of pages) expect(p.byVariant).toEqual(first.byVariant);
    expect(pages.flatMap((p) => p.items).some((e) => e.quantity === 7 && e.variantId === a.id)).toBe(false);

    // Another server (its own handle) computes the next page's summary itself, over the same
    // window: the same net and movements; stock is read as it is now.
    const elsewhere = await listStockChanges(t.appDb, { since: "1h", limit: 1, cursor: first.nextCursor });
    const withoutStock = (p: TChangesPage) => p.byVariant.map(({ stockNow: _, ...r }) => r);
    expect(withoutStock(elsewhere)).toEqual(withoutStock(first));
    expect(rowOf(elsewhere, a.id)).toMatchObject({ net: 5, movements: 2, stockNow: 12 });

    // A cursor from before the end was pinned (id and start only) still reads the next page.
    const legacy = encodeCursor([must(first.items.at(-1), "a first page").id, first.since]);
    const resumed = await listStockChanges(t.db, { since: "1h", limit: 1, cursor: legacy });
    expect(resumed.items).toEqual(pages[0]!.items);

    // A new listing includes the later movement.
    const fresh = await listStockChanges(t.db, { since: "1h", limit: 1 });
    expect(rowOf(fresh, a.id)).toMatchObject({ net: 12, movements: 3, stockNow: 12 });
    expect(fresh.items[0]).toMatchObject({ variantId: a.id, quantity: 7 });
  });

  it("lists the window's 50 largest changes, most recently moved first among equals, and counts every variant", async () => {
    const product = await createProduct(t.db, { name: "Top Movers Saree" });
    const since = new Date().toISOString();
    const variants = [];
    for (let i = 0; i < CHANGES_SUMMARY_TOP + 10; i++)
      variants.push(
        await createVariant(t.db, { productId: product.id, sku: `TOP-${String(i).padStart(3, "0")}` }),
      );
    // Every variant +1, then the first five +3 more (net 4), the last one +9 more (net 10).
    for (const v of variants) await move(t.db, { variantId: v.id, type: "RESTOCK", quantity: 1 });
    for (const v of variants.slice(0, 5)) await move(t.db, { variantId: v.id, type: "RESTOCK", quantity: 3 });
    const last = must(variants.at(-1), "a variant");
    await move(t.db, { variantId: last.id, type: "RESTOCK", quantity: 9 });

    const page = await listStockChanges(t.db, { since, limit: 10 });
    expect(page.totals).toEqual({ variants: CHANGES_SUMMARY_TOP + 10, movements: CHANGES_SUMMARY_TOP + 16 });
    expect(page.byVariant).toHaveLength(CHANGES_SUMMARY_TOP);
    const skus = page.byVariant.map((r) => r.sku);
    // +10, then the +4s (the latest first), then the +1s, latest first: the oldest ten drop out.
    expect(skus.slice(0, 6)).toEqual(["TOP-059", "TOP-004", "TOP-003", "TOP-002", "TOP-001", "TOP-000"]);
    expect(page.byVariant[0]).toMatchObject({
      net: 10,
      movements: 2,
      stockNow: 10,
      product: "Top Movers Saree",
    });
    expect(skus.slice(6)).toEqual(
      variants
        .slice(5, -1)
        .map((v) => v.sku)
        .reverse()
        .slice(0, CHANGES_SUMMARY_TOP - 6),
    );
  });

  it("counts in a first page's summary exactly the rows the listing's pages hold, even when stock moves while it is read", async () => {
    const product = await createProduct(t.db, { name: "Racing Window Saree" });
    const a = await createVariant(t.db, { productId: product.id, sku: "RACE-A" });
    const since = new Date().toISOString();
    await move(t.db, { variantId: a.id, type: "RESTOCK", quantity: 5 });
    await move(t.db, { variantId: a.id, type: "SALE", quantity: -1 });

    // A handle whose second connection of the first call is handed out only after a sale has
    // committed: a summary read on a connection of its own (not the page's) would count it.
    const pool = new pg.Pool({ connectionString: t.url, max: 4 });
    let armed = true;
    let connects = 0;
    const db: Db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: {
          connect: async () => {
            if (armed && ++connects === 2) {
              await sleep(100);
              await move(t.db, { variantId: a.id, type: "SALE", quantity: -1 });
            }
            return pool.connect();
          },
          end: () => pool.end(),
        },
      }),
      plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
    });
    try {
      const first = await listStockChanges(db, { since, limit: 1 });
      armed = false;
      const items = [...first.items];
      for (let cursor = first.nextCursor; cursor;) {
        const page: TChangesPage = await listStockChanges(db, { since, limit: 1, cursor });
        items.push(...page.items);
        cursor = page.nextCursor;
      }
      const counted = first.byVariant.reduce((n, v) => n + v.movements, 0);
      expect(counted).toBe(items.length);
      expect(first.byVariant.find((v) => v.variantId === a.id)?.net).toBe(
        items.reduce((n, e) => n + e.quantity, 0),
      );
    } finally {
      await db.destroy();
    }
  });
});
