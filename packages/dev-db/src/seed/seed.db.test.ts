import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@radha/core/testing";
import { findLedgerMismatches } from "@radha/core/inventory";
import { verifyPassword } from "@radha/core/security";
import { DEMO_PASSWORD, seedDemoData } from "./index";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

it("seeds at least 30 sarees with variants, orders in several states and every role, once", async () => {
  const first = await seedDemoData(t.db, { demoStaff: true });
  expect(first.products).toBeGreaterThanOrEqual(30);
  expect(first.variants).toBeGreaterThan(first.products);
  const statuses = await t.db.selectFrom("orders").select("status").distinct().execute();
  expect(statuses.length).toBeGreaterThanOrEqual(4);
  const roles = await t.db.selectFrom("users").select("role").distinct().execute();
  expect(roles.map((r) => r.role).sort()).toEqual(["ADMIN", "CUSTOMER", "OPERATOR", "VIEWER"]);

  const second = await seedDemoData(t.db, { demoStaff: true });
  expect(second).toEqual({ products: 0, variants: 0, orders: 0, users: 0 });
  const count = await t.db
    .selectFrom("orders")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  expect(Number(count.n)).toBe(first.orders);
});

it("gives every seeded variant an opening ledger row, so the ledger sums to its stock", async () => {
  const stocked = await t.db
    .selectFrom("productVariants")
    .select("id")
    .where("stockQuantity", ">", 0)
    .execute();
  expect(stocked.length).toBeGreaterThan(10);
  expect(await findLedgerMismatches(t.db)).toEqual([]);
});

it("seeds payments that hold together: PENDING orders hold stock, paid ones have payments, events include FAILED and NEEDS_REVIEW", async () => {
  const pending = await t.db.selectFrom("orders").select("id").where("status", "=", "PENDING").execute();
  expect(pending.length).toBeGreaterThan(0);
  const holds = await t.db
    .selectFrom("inventoryTransactions")
    .select("orderId")
    .where("type", "=", "RESERVATION")
    .where(
      "orderId",
      "in",
      pending.map((o) => o.id),
    )
    .execute();
  expect(holds.length).toBeGreaterThan(0);
  const captured = await t.db.selectFrom("payments").select("id").where("status", "=", "CAPTURED").execute();
  expect(captured.length).toBeGreaterThan(5);
  const refunds = await t.db.selectFrom("refunds").select("id").execute();
  expect(refunds.length).toBeGreaterThanOrEqual(2);
  const statuses = (await t.db.selectFrom("webhookEvents").select("status").execute()).map((e) => e.status);
  expect(statuses).toContain("FAILED");
  expect(statuses).toContain("NEEDS_REVIEW");
  expect(statuses).toContain("PROCESSED");
  expect(await findLedgerMismatches(t.db)).toEqual([]);
});

it("without demoStaff (any DATABASE_URL database) seeds no one who can sign in with the demo password", async () => {
  const other = await createTestDatabase();
  try {
    const result = await seedDemoData(other.db, { demoStaff: false });
    expect(result.products).toBeGreaterThan(0);
    const users = await other.db.selectFrom("users").select(["email", "role", "passwordHash"]).execute();
    expect(users.map((u) => u.role)).toEqual(["CUSTOMER"]);
    for (const u of users) expect(await verifyPassword(DEMO_PASSWORD, u.passwordHash ?? "")).toBe(false);
  } finally {
    await other.drop();
  }
});
