import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { createDb } from "../db/client";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { createTestDatabase, createVariant, type TestDatabase } from "../testing/index";
import { findLedgerMismatches } from "./inventory.queries";
import { recordStockMovement, recordStockMovements, type StockMovementInput } from "./stock.service";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const move = (db: Db, m: Omit<StockMovementInput, "actor" | "reason"> & { reason?: string }) =>
  db.transaction().execute((trx) => recordStockMovement(trx, { reason: "test", actor: SYSTEM_ACTOR, ...m }));

const stockOf = async (variantId: string) =>
  t.db
    .selectFrom("productVariants")
    .select(["stockQuantity", "reservedQuantity"])
    .where("id", "=", variantId)
    .executeTakeFirstOrThrow();

const ledgerOf = (variantId: string) =>
  t.db
    .selectFrom("inventoryTransactions")
    .selectAll()
    .where("variantId", "=", variantId)
    .orderBy("id")
    .execute();

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
}

describe("recordStockMovement", () => {
  it("writes a ledger row with previous and new stock read under the lock", async () => {
    const v = await createVariant(t.db, { stock: 10 });
    const result = await move(t.db, { variantId: v.id, type: "SALE", quantity: -3 });
    expect(result.applied).toBe(true);
    expect(result.entry).toMatchObject({ previousStock: 10, newStock: 7, quantity: -3 });
    expect(await stockOf(v.id)).toEqual({ stockQuantity: 7, reservedQuantity: 0 });
    const ledger = await ledgerOf(v.id);
    expect(ledger.map((r) => [r.type, r.quantity, r.previousStock, r.newStock])).toEqual([
      ["RESTOCK", 10, 0, 10],
      ["SALE", -3, 10, 7],
    ]);
    expect(ledger[1]).toMatchObject({ actorType: "SYSTEM", reason: "test" });
  });

  it("refuses to take stock below zero and writes nothing", async () => {
    const v = await createVariant(t.db, { stock: 2 });
    const err = await move(t.db, { variantId: v.id, type: "SALE", quantity: -3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("PRECONDITION_FAILED");
    expect((err as DomainError).message).toMatch(/would leave -1/);
    expect((await stockOf(v.id)).stockQuantity).toBe(2);
    expect(await ledgerOf(v.id)).toHaveLength(1);
  });

  it("checks the sign of the quantity against the type", async () => {
    const v = await createVariant(t.db, { stock: 5 });
    expect(await codeOf(move(t.db, { variantId: v.id, type: "SALE", quantity: 1 }))).toBe("BAD_REQUEST");
    expect(await codeOf(move(t.db, { variantId: v.id, type: "RESTOCK", quantity: -1 }))).toBe("BAD_REQUEST");
    expect(await codeOf(move(t.db, { variantId: v.id, type: "ADJUSTMENT", quantity: 0 }))).toBe(
      "BAD_REQUEST",
    );
    expect(await codeOf(move(t.db, { variantId: v.id, type: "ADJUSTMENT", quantity: 1.5 }))).toBe(
      "BAD_REQUEST",
    );
    expect(
      await codeOf(
        move(t.db, { variantId: "00000000-0000-0000-0000-000000000000", type: "RESTOCK", quantity: 1 }),
      ),
    ).toBe("NOT_FOUND");
  });

  it("applies an idempotency key once, even when two connections race with it", async () => {
    const v = await createVariant(t.db, { stock: 10 });
    const other = createDb({ connectionString: t.url, max: 4 }).db;
    try {
      const results = await Promise.all(
        [t.db, other, t.db, other].map((db) =>
          move(db, { variantId: v.id, type: "SALE", quantity: -2, idempotencyKey: "order-1:item-1" }),
        ),
      );
      expect(results.filter((r) => r.applied)).toHaveLength(1);
      expect((await stockOf(v.id)).stockQuantity).toBe(8);
      const again = await move(t.db, {
        variantId: v.id,
        type: "SALE",
        quantity: -2,
        idempotencyKey: "order-1:item-1",
      });
      expect(again).toEqual({ applied: false, entry: null });
    } finally {
      await other.destroy();
    }
  });

  it("loses no update under parallel sales and never oversells", async () => {
    const v = await createVariant(t.db, { stock: 20 });
    const pools = [t.db, createDb({ connectionString: t.url, max: 8 }).db];
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          codeOf(move(pools[i % 2]!, { variantId: v.id, type: "SALE", quantity: -1 })),
        ),
      );
      expect(outcomes.filter((o) => o === "OK")).toHaveLength(20);
      expect(outcomes.filter((o) => o === "PRECONDITION_FAILED")).toHaveLength(10);
      expect((await stockOf(v.id)).stockQuantity).toBe(0);
      const ledger = await ledgerOf(v.id);
      // Every row's previous is the one before's new: no two sales read the same stock.
      for (let i = 1; i < ledger.length; i++) expect(ledger[i]!.previousStock).toBe(ledger[i - 1]!.newStock);
      expect(await findLedgerMismatches(t.db)).toEqual([]);
    } finally {
      await pools[1]!.destroy();
    }
  });

  it("keeps reservations in reserved_quantity and refuses to reserve more than is available", async () => {
    const v = await createVariant(t.db, { stock: 5 });
    await move(t.db, { variantId: v.id, type: "RESERVATION", quantity: 4 });
    expect(await stockOf(v.id)).toEqual({ stockQuantity: 5, reservedQuantity: 4 });
    expect(await codeOf(move(t.db, { variantId: v.id, type: "RESERVATION", quantity: 2 }))).toBe(
      "PRECONDITION_FAILED",
    );
    await move(t.db, { variantId: v.id, type: "RELEASE", quantity: -4 });
    await move(t.db, { variantId: v.id, type: "SALE", quantity: -4 });
    expect(await stockOf(v.id)).toEqual({ stockQuantity: 1, reservedQuantity: 0 });
    expect(await codeOf(move(t.db, { variantId: v.id, type: "RELEASE", quantity: -1 }))).toBe(
      "PRECONDITION_FAILED",
    );
    const reservation = (await ledgerOf(v.id)).find((r) => r.type === "RESERVATION");
    expect(reservation).toMatchObject({ quantity: 0, reservedDelta: 4, previousStock: 5, newStock: 5 });
    expect(await findLedgerMismatches(t.db)).toEqual([]);
  });

  it("moves several variants at once and refuses all of them if one would go negative", async () => {
    const a = await createVariant(t.db, { stock: 5 });
    const b = await createVariant(t.db, { stock: 1 });
    const items = (qa: number, qb: number): StockMovementInput[] => [
      { variantId: a.id, type: "SALE", quantity: qa, reason: "order", actor: SYSTEM_ACTOR },
      { variantId: b.id, type: "SALE", quantity: qb, reason: "order", actor: SYSTEM_ACTOR },
    ];
    expect(await codeOf(t.db.transaction().execute((trx) => recordStockMovements(trx, items(-1, -2))))).toBe(
      "PRECONDITION_FAILED",
    );
    expect((await stockOf(a.id)).stockQuantity).toBe(5);
    const results = await t.db.transaction().execute((trx) => recordStockMovements(trx, items(-2, -1)));
    expect(results.map((r) => r.entry?.newStock)).toEqual([3, 0]);
  });

  it("keeps the ledger append-only in the database", async () => {
    await expect(sql`UPDATE inventory_transactions SET quantity = 0`.execute(t.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`DELETE FROM inventory_transactions`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE inventory_transactions CASCADE`.execute(t.db)).rejects.toThrow(/append-only/);
  });
});

describe("low-stock alerts on stock changes", () => {
  const alertsOf = (variantId: string) =>
    t.db
      .selectFrom("inventoryLowStockAlerts")
      .select(["availableAtOpen", "resolvedAt", "availableAtResolve"])
      .where("variantId", "=", variantId)
      .orderBy("openedAt")
      .orderBy("id")
      .execute();

  it("opens one alert per crossing, none while already alerted, and resolves it on recovery", async () => {
    const v = await createVariant(t.db, { stock: 8, lowStockThreshold: 5 });
    await move(t.db, { variantId: v.id, type: "SALE", quantity: -2 }); // 6 available: above
    expect(await alertsOf(v.id)).toEqual([]);
    await move(t.db, { variantId: v.id, type: "SALE", quantity: -2 }); // 4: crossing
    await move(t.db, { variantId: v.id, type: "SALE", quantity: -1 }); // 3: still low, no new alert
    expect(await alertsOf(v.id)).toEqual([
      { availableAtOpen: 4, resolvedAt: null, availableAtResolve: null },
    ]);
    await move(t.db, { variantId: v.id, type: "RESTOCK", quantity: 10 }); // 13: recovered
    const [resolved] = await alertsOf(v.id);
    expect(resolved?.resolvedAt).not.toBeNull();
    expect(resolved?.availableAtResolve).toBe(13);
    await move(t.db, { variantId: v.id, type: "RESERVATION", quantity: 9 }); // 4 available again: a new crossing
    expect((await alertsOf(v.id)).map((a) => a.resolvedAt === null)).toEqual([false, true]);
  });

  it("follows the global default threshold where neither variant nor product sets one", async () => {
    const v = await createVariant(t.db, { stock: 12 });
    await move(t.db, { variantId: v.id, type: "SALE", quantity: -2 }); // 10 = default threshold
    expect(await alertsOf(v.id)).toHaveLength(1);
  });
});
