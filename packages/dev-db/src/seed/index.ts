// Idempotent demo data: sarees with variants, orders in several states, one user of every role.
// Safe to run again: every row is keyed (slug, sku, order number, email) and skipped if present.
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { Db, OrderStatus, Role } from "@radha/core/db";
import { hashPassword } from "@radha/core/security";
import { SYSTEM_ACTOR, writeAudit } from "@radha/core/audit";
import { recordStockMovements } from "@radha/core/inventory";
import { seedPayments, type SeededOrder } from "./payments";

/** The i-th item of a fixed, non-empty list, going round. */
function cycle<T>(items: readonly T[], i: number): T {
  const item = items[i % items.length];
  if (item === undefined) throw new Error("cycle() needs a non-empty list");
  return item;
}

export const DEMO_PASSWORD = "radha-demo-2026";
export const DEMO_ADMIN = { email: "admin@radhagsareees.test", name: "Asha Admin", role: "ADMIN" } as const;
export const DEMO_USERS: { email: string; name: string; role: Role }[] = [
  DEMO_ADMIN,
  { email: "operator@radhagsareees.test", name: "Omkar Operator", role: "OPERATOR" },
  { email: "viewer@radhagsareees.test", name: "Vani Viewer", role: "VIEWER" },
  { email: "customer@radhagsareees.test", name: "Kavya Customer", role: "CUSTOMER" },
];

const STYLES = [
  "Kanjivaram",
  "Banarasi",
  "Chanderi",
  "Paithani",
  "Patola",
  "Bandhani",
  "Tussar",
  "Pochampally",
  "Sambalpuri",
  "Kota Doria",
  "Maheshwari",
  "Baluchari",
];
const COLOURS = [
  "Ruby Red",
  "Peacock Blue",
  "Mango Yellow",
  "Emerald Green",
  "Rani Pink",
  "Ivory",
  "Midnight Black",
  "Saffron",
];
const FABRICS = ["Silk", "Cotton", "Georgette", "Linen"];
const STATUSES: OrderStatus[] = [
  "PENDING",
  "PAID",
  "PAID",
  "FAILED",
  "SHIPPED",
  "DELIVERED",
  "REFUNDED",
  "CANCELLED",
  "PENDING",
  "PARTIALLY_REFUNDED",
];

export interface SeedResult {
  products: number;
  variants: number;
  orders: number;
  users: number;
}

export interface SeedOptions {
  /**
   * Add the demo staff (admin, operator, viewer) with the published DEMO_PASSWORD. Only for the
   * embedded demo database: a database given by DATABASE_URL must never get a known admin.
   */
  demoStaff: boolean;
}

export async function seedDemoData(db: Db, opts: SeedOptions): Promise<SeedResult> {
  // Without demo staff, the demo customer (who cannot sign in to ops) gets an unguessable password.
  const passwordHash = await hashPassword(
    opts.demoStaff ? DEMO_PASSWORD : randomBytes(24).toString("base64url"),
  );
  const seededUsers = DEMO_USERS.filter((u) => opts.demoStaff || u.role === "CUSTOMER");
  return db.transaction().execute(async (trx) => {
    const users = await trx
      .insertInto("users")
      .values(seededUsers.map((u) => ({ ...u, passwordHash })))
      .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
      .returning("id")
      .execute();

    const productRows = Array.from({ length: 36 }, (_, i) => {
      const style = cycle(STYLES, i);
      const colour = cycle(COLOURS, i * 3);
      const name = `${style} ${colour} Saree${i >= STYLES.length ? ` No. ${Math.floor(i / STYLES.length) + 1}` : ""}`;
      return {
        name,
        slug: name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .replace(/(^-|-$)/g, ""),
        description: `Handwoven ${style} saree in ${colour.toLowerCase()}.`,
        priceMinor: 249900 + ((i * 73100) % 1500000),
        status: i % 17 === 16 ? ("DRAFT" as const) : ("ACTIVE" as const),
        lowStockThreshold: i % 5 === 0 ? 5 : null,
      };
    });
    const products = await trx
      .insertInto("products")
      .values(productRows)
      .onConflict((oc) => oc.column("slug").doNothing())
      .returning(["id", "slug", "priceMinor"])
      .execute();

    const indexOf = new Map(productRows.map((p, i) => [p.slug, i]));
    const openingBySku = new Map<string, number>();
    const variantRows = products.flatMap((p) => {
      const i = indexOf.get(p.slug) ?? 0;
      const count = 1 + (i % 3);
      const code = p.slug
        .split("-")
        .map((w) => w.slice(0, 3))
        .join("")
        .toUpperCase()
        .slice(0, 6);
      return Array.from({ length: count }, (_, j) => {
        const sku = `RG-${String(i + 1).padStart(3, "0")}-${code}-${j + 1}`;
        openingBySku.set(sku, (i * 7 + j * 13) % 40);
        return {
          productId: p.id,
          sku,
          colour: cycle(COLOURS, i + j),
          fabric: cycle(FABRICS, i + j),
          blousePiece: j % 2 === 0,
          isDefault: j === 0,
        };
      });
    });
    const variants = variantRows.length
      ? await trx
          .insertInto("productVariants")
          .values(variantRows)
          .onConflict((oc) => oc.column("sku").doNothing())
          .returning(["id", "productId", "sku"])
          .execute()
      : [];
    // Opening stock goes through the stock service, so every variant's ledger sums to its stock.
    const openingStock = variants
      .map((v) => ({ variantId: v.id, quantity: openingBySku.get(v.sku) ?? 0 }))
      .filter((m) => m.quantity > 0)
      .map((m) => ({
        ...m,
        type: "RESTOCK" as const,
        reason: "Opening stock (demo seed)",
        actor: SYSTEM_ACTOR,
        idempotencyKey: `seed:opening:${m.variantId}`,
      }));
    await recordStockMovements(trx, openingStock);

    let orders = 0;
    const seeded: SeededOrder[] = [];
    if (variants.length > 0) {
      const customer = await trx
        .selectFrom("users")
        .select("id")
        .where("email", "=", "customer@radhagsareees.test")
        .executeTakeFirst();
      const priceOf = new Map(products.map((p) => [p.id, p.priceMinor]));
      for (let i = 0; i < 24; i++) {
        const variant = cycle(variants, i * 5);
        const qty = 1 + (i % 2);
        const unit = priceOf.get(variant.productId) ?? 0;
        const status = cycle(STATUSES, i);
        const provider = i % 2 === 0 ? ("STRIPE" as const) : ("RAZORPAY" as const);
        const created = new Date(Date.now() - (24 - i) * 3_600_000);
        const order = await trx
          .insertInto("orders")
          .values({
            orderNumber: `RG-DEMO-${String(1001 + i)}`,
            customerId: customer?.id ?? null,
            email: "customer@radhagsareees.test",
            status,
            paymentProvider: provider,
            paymentReference: provider === "STRIPE" ? `pi_demo_${1001 + i}` : `pay_demo_${1001 + i}`,
            totalMinor: unit * qty,
            paidAt: ["PAID", "SHIPPED", "DELIVERED", "REFUNDED", "PARTIALLY_REFUNDED"].includes(status)
              ? created
              : null,
            createdAt: created,
            updatedAt: created,
          })
          .onConflict((oc) => oc.column("orderNumber").doNothing())
          .returning("id")
          .executeTakeFirst();
        if (!order) continue;
        orders += 1;
        const item = await trx
          .insertInto("orderItems")
          .values({ orderId: order.id, variantId: variant.id, quantity: qty, unitPriceMinor: unit })
          .returning("id")
          .executeTakeFirstOrThrow();
        seeded.push({
          id: order.id,
          orderNumber: `RG-DEMO-${String(1001 + i)}`,
          status,
          provider,
          paymentReference: provider === "STRIPE" ? `pi_demo_${1001 + i}` : `pay_demo_${1001 + i}`,
          variantId: variant.id,
          itemId: item.id,
          quantity: qty,
          totalMinor: unit * qty,
          created,
        });
      }
    }
    await seedPayments(trx, seeded);

    const result = { products: products.length, variants: variants.length, orders, users: users.length };
    if (result.products + result.variants + result.orders + result.users > 0) {
      await writeAudit(trx, SYSTEM_ACTOR, {
        action: "db.seed",
        target: { type: "database", id: null },
        after: result,
      });
    }
    return result;
  });
}
