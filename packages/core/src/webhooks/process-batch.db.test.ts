// Bulk replay's batch path: many events settled in one transaction must end exactly as if each
// had been processed alone — shared stock drawn down in order, money checked, one sale per order,
// and every event that is not a plain capture handed to the one-event path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../audit/audit.service";
import {
  createPendingOrder,
  createTestDatabase,
  createVariant,
  storeWebhookEvent,
  stripePayloads,
  type TestDatabase,
} from "../testing/index";
import { processWebhookEvent, processWebhookEvents } from "./process.service";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const OPTS = {
  trigger: "REPLAY" as const,
  operator: "ops@example.test",
  maxAttempts: 3,
  backoffBaseSeconds: 30,
};

/** A FAILED event as an outage left it, for this payload. */
const failed = async (payload: { id: string; type: string }, paymentReference: string) =>
  (await storeWebhookEvent(t.db, { provider: "STRIPE", payload, paymentReference, status: "FAILED" })).id;

const events = (ids: string[]) =>
  t.db
    .selectFrom("webhookEvents")
    .select(["id", "status", "attemptCount", "reviewReason", "nextAttemptAt", "replayRunId"])
    .where("id", "in", ids)
    .execute()
    .then((rows) => ids.map((id) => rows.find((r) => r.id === id)));

const sold = (orderId: string) =>
  t.db
    .selectFrom("inventoryTransactions")
    .select((eb) => eb.fn.sum<string | null>("quantity").as("q"))
    .where("orderId", "=", orderId)
    .where("type", "=", "SALE")
    .executeTakeFirstOrThrow()
    .then((r) => -Number(r.q ?? 0));

describe("processWebhookEvents (a replay's batch)", () => {
  it("settles captures together, sharing stock in order, and hands everything else to the one-event path", async () => {
    // Three orders of 2 on one variant with 5 on hand: 2, 2, then 1 sold and 1 short.
    const { id: variantId } = await createVariant(t.db, { stock: 5 });
    const shared = [];
    for (let i = 0; i < 3; i++) shared.push(await createPendingOrder(t.db, { variantId, reserve: false }));
    const mismatch = await createPendingOrder(t.db);
    const twice = await createPendingOrder(t.db);
    const done = await createPendingOrder(t.db);
    const doneEvent = await storeWebhookEvent(t.db, {
      provider: "STRIPE",
      payload: stripePayloads.succeeded(done.paymentReference),
      paymentReference: done.paymentReference,
      status: "PROCESSED",
    });

    // Events are taken in id order: the shared orders, listed in their events' order.
    const sharedEvents = await Promise.all(
      shared.map(async (o) => ({
        o,
        id: await failed(stripePayloads.succeeded(o.paymentReference), o.paymentReference),
      })),
    );
    sharedEvents.sort((a, b) => (a.id < b.id ? -1 : 1));
    shared.splice(0, 3, ...sharedEvents.map((e) => e.o));
    const ids = [
      ...sharedEvents.map((e) => e.id),
      await failed(
        stripePayloads.succeeded(mismatch.paymentReference, { amount: 100 }),
        mismatch.paymentReference,
      ),
      await failed(stripePayloads.succeeded(twice.paymentReference), twice.paymentReference),
      await failed(
        stripePayloads.checkoutCompleted(twice.paymentReference, twice.order.orderNumber),
        twice.paymentReference,
      ),
      doneEvent.id,
      await failed(stripePayloads.succeeded("pi_nobody_ordered"), "pi_nobody_ordered"),
    ];

    const results = await processWebhookEvents(t.db, ids, OPTS);

    expect(results.map((r) => r.outcome)).toEqual([
      "PROCESSED",
      "PROCESSED",
      "PROCESSED",
      "NEEDS_REVIEW",
      "PROCESSED",
      "PROCESSED",
      "SKIPPED",
      "FAILED",
    ]);
    expect(await Promise.all(shared.map((o) => sold(o.order.id)))).toEqual([2, 2, 1]);
    const third = await t.db
      .selectFrom("orders")
      .select(["status", "oversoldItems"])
      .where("id", "=", shared[2]!.order.id)
      .executeTakeFirstOrThrow();
    expect(third.status).toBe("PAID");
    expect(third.oversoldItems).toMatchObject([{ ordered: 2, sold: 1, short: 1 }]);
    const variant = await t.db
      .selectFrom("productVariants")
      .select("stockQuantity")
      .where("id", "=", variantId)
      .executeTakeFirstOrThrow();
    expect(variant.stockQuantity).toBe(0);

    // The second event for one order sold nothing more; the mismatch waits for an operator.
    expect(await sold(twice.order.id)).toBe(twice.item.quantity);
    const rows = await events(ids);
    expect(rows[3]).toMatchObject({ status: "NEEDS_REVIEW", attemptCount: 2 });
    expect(rows[3]?.reviewReason).toMatch(/amount mismatch/);
    expect(rows.slice(0, 3).every((r) => r?.status === "PROCESSED" && r.attemptCount === 2)).toBe(true);
    // Not a replay (no run, REPLAY trigger): a failure is recorded and left for an operator.
    expect(rows[7]).toMatchObject({ status: "FAILED", attemptCount: 2, nextAttemptAt: null });

    // One orders.paid audit row per paid order, chained like any other.
    const audits = await t.db
      .selectFrom("auditLog")
      .select(["targetId", "actorLabel"])
      .where("action", "=", "orders.paid")
      .execute();
    const paidOrders = [...shared.map((o) => o.order.id), twice.order.id];
    expect(audits.map((a) => a.targetId).sort()).toEqual([...paidOrders].sort());
    expect(audits.every((a) => a.actorLabel?.endsWith("(replay by ops@example.test)"))).toBe(true);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);

    // Run again: the six settled events are skipped, nothing moves twice.
    const again = await processWebhookEvents(t.db, ids, OPTS);
    expect(again.map((r) => r.outcome === "SKIPPED")).toEqual([
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(await Promise.all(shared.map((o) => sold(o.order.id)))).toEqual([2, 2, 1]);
  });

  it("ends as processing each event alone would", async () => {
    const make = async () => {
      const { id: variantId } = await createVariant(t.db, { stock: 7 });
      const orders = [];
      for (let i = 0; i < 4; i++)
        orders.push(await createPendingOrder(t.db, { variantId, reserve: i % 2 === 0 }));
      const ids = [];
      for (const o of orders)
        ids.push(await failed(stripePayloads.succeeded(o.paymentReference), o.paymentReference));
      return { variantId, orders, ids };
    };
    const snapshot = async (s: Awaited<ReturnType<typeof make>>) => ({
      sold: await Promise.all(s.orders.map((o) => sold(o.order.id))),
      stock: await t.db
        .selectFrom("productVariants")
        .select(["stockQuantity", "reservedQuantity"])
        .where("id", "=", s.variantId)
        .executeTakeFirstOrThrow(),
      statuses: (await events(s.ids)).map((e) => e?.status),
    });
    // Orders are taken in event id order by both paths; sort so the two runs see the same order.
    const alone = await make();
    alone.ids.sort();
    for (const id of alone.ids) await processWebhookEvent(t.db, id, OPTS);
    const together = await make();
    together.ids.sort();
    await processWebhookEvents(t.db, together.ids, OPTS);
    const a = await snapshot(alone);
    const b = await snapshot(together);
    expect(b.stock).toEqual(a.stock);
    expect(b.statuses).toEqual(a.statuses);
    expect(b.sold.reduce((x, y) => x + y, 0)).toBe(a.sold.reduce((x, y) => x + y, 0));
    expect(a.stock).toEqual({ stockQuantity: 0, reservedQuantity: 0 });
  });
});
