// Orders SQL: matching an event to its order (locked), payments and refunds, totals derived from
// them, the ops lists (orders, review queue, failed payments) and an order's detail.
import { type Insertable, sql, type Selectable, type Updateable } from "kysely";
import { z } from "zod";
import type { DbOrTrx, OrdersTable, PaymentsTable, RefundsTable, Trx } from "../db/database";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import { newestFirst } from "../pagination/keyset";
import type { TPage } from "../pagination/pagination.schema";
import type { TProvider } from "../webhooks/webhooks.schema";
import {
  type TOversoldItem,
  ZOrderListInput,
  ZReviewListInput,
  type TOrderListInput,
  type TOrderSummary,
  type TReviewItem,
  type TReviewListInput,
} from "./orders.schema";

export type OrderRow = Selectable<OrdersTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type RefundRow = Selectable<RefundsTable>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OrderItemHold {
  id: string;
  variantId: string;
  quantity: number;
  /** Stock still held for this item (its reservations minus releases). */
  held: number;
  /** Units taken by SALE rows and put back by RETURN rows, for this order and variant. */
  sold: number;
  returned: number;
}

/** Locks one order by id and reads its items with their holds and sold/returned units. */
export async function lockOrderWithItems(
  trx: Trx,
  orderId: string,
): Promise<{ order: OrderRow; items: OrderItemHold[] } | undefined> {
  return (await lockOrdersWithItems(trx, [orderId])).get(orderId);
}

/** lockOrderWithItems for many orders in one statement, locked in id order (the lock order). */
export async function lockOrdersWithItems(
  trx: Trx,
  orderIds: readonly string[],
): Promise<Map<string, { order: OrderRow; items: OrderItemHold[] }>> {
  if (orderIds.length === 0) return new Map();
  const { rows } = await sql<OrderRow & { items: OrderItemHold[] }>`
    SELECT o.*, coalesce((
      SELECT json_agg(json_build_object('id', i.id, 'variantId', i.variant_id, 'quantity', i.quantity,
        'held', coalesce((SELECT sum(t.reserved_delta) FROM inventory_transactions t WHERE t.order_id = i.order_id AND t.variant_id = i.variant_id), 0),
        'sold', coalesce((SELECT -sum(t.quantity) FROM inventory_transactions t WHERE t.order_id = i.order_id AND t.variant_id = i.variant_id AND t.type = 'SALE'), 0),
        'returned', coalesce((SELECT sum(t.quantity) FROM inventory_transactions t WHERE t.order_id = i.order_id AND t.variant_id = i.variant_id AND t.type = 'RETURN'), 0)
      ) ORDER BY i.id)
      FROM order_items i WHERE i.order_id = o.id), '[]') AS items
    FROM orders o WHERE o.id = ANY(${[...new Set(orderIds)]}::uuid[])
    ORDER BY o.id
    FOR UPDATE OF o
  `.execute(trx);
  return new Map(rows.map(({ items, ...order }) => [order.id, { order, items }]));
}

export type OrderMatch =
  | { kind: "FOUND"; orderId: string; via: "PAYMENT" | "ORDER_PAYMENT_REFERENCE" | "ORDER_NUMBER" }
  /** Named by order number, but the order is paid through another provider. */
  | { kind: "OTHER_PROVIDER"; orderId: string; orderNumber: string; provider: TProvider | null }
  | { kind: "NONE" };

export interface OrderMatchInput {
  provider: TProvider;
  paymentReference: string | null;
  providerOrderId: string | null;
  orderReference: string | null;
}

/**
 * Finds the order an event is about: first by provider + payment id among recorded payments,
 * then by the payment (or provider order) id the order was created with, and only then by the
 * order number the sender wrote, for an order of the same provider.
 */
export async function matchOrder(db: DbOrTrx, m: OrderMatchInput): Promise<OrderMatch> {
  const [match] = await matchOrders(db, [m]);
  return match ?? { kind: "NONE" };
}

/** matchOrder for many events in one round trip; one match per input, in input order. */
export async function matchOrders(db: DbOrTrx, ms: readonly OrderMatchInput[]): Promise<OrderMatch[]> {
  if (ms.length === 0) return [];
  const col = <T>(f: (m: OrderMatchInput) => T) => ms.map(f);
  // The three ways to find the order, in order of trust, tried for each input.
  const { rows } = await sql<{
    n: number;
    via: "PAYMENT" | "ORDER_PAYMENT_REFERENCE" | "ORDER_NUMBER";
    orderId: string;
    orderNumber: string;
    provider: TProvider | null;
  }>`
    SELECT x.n::int AS n, m.via, m.order_id, m.order_number, m.provider
    FROM unnest(${col((m) => m.provider)}::text[], ${col((m) => m.paymentReference)}::text[],
      ${col((m) => m.providerOrderId)}::text[], ${col((m) => m.orderReference)}::text[])
      WITH ORDINALITY AS x(provider, payment_reference, provider_order_id, order_reference, n)
    CROSS JOIN LATERAL (
      SELECT via, order_id, order_number, provider FROM (
        SELECT 1 AS rank, 'PAYMENT' AS via, o.id AS order_id, o.order_number, o.payment_provider AS provider, o.created_at
        FROM payments p JOIN orders o ON o.id = p.order_id
        WHERE p.provider = x.provider AND p.provider_payment_id = x.payment_reference
        UNION ALL
        SELECT 2, 'ORDER_PAYMENT_REFERENCE', o.id, o.order_number, o.payment_provider, o.created_at
        FROM orders o WHERE o.payment_provider = x.provider
          AND o.payment_reference IN (x.payment_reference, x.provider_order_id)
        UNION ALL
        SELECT 3, 'ORDER_NUMBER', o.id, o.order_number, o.payment_provider, o.created_at
        FROM orders o WHERE o.order_number = x.order_reference
      ) c ORDER BY rank, created_at LIMIT 1
    ) m
  `.execute(db);
  const found = new Map(rows.map((r) => [r.n, r]));
  return ms.map((m, i): OrderMatch => {
    const row = found.get(i + 1);
    if (!row) return { kind: "NONE" };
    if (row.via === "ORDER_NUMBER" && row.provider !== m.provider)
      return {
        kind: "OTHER_PROVIDER",
        orderId: row.orderId,
        orderNumber: row.orderNumber,
        provider: row.provider,
      };
    return { kind: "FOUND", orderId: row.orderId, via: row.via };
  });
}

export async function updateOrder(
  db: DbOrTrx,
  orderId: string,
  changes: Updateable<OrdersTable>,
): Promise<void> {
  await db.updateTable("orders").set(changes).where("id", "=", orderId).execute();
}

export async function selectPayment(
  db: DbOrTrx,
  provider: TProvider,
  providerPaymentId: string,
): Promise<PaymentRow | undefined> {
  return db
    .selectFrom("payments")
    .selectAll()
    .where("provider", "=", provider)
    .where("providerPaymentId", "=", providerPaymentId)
    .executeTakeFirst();
}

/** Inserts or overwrites the payment for (provider, provider payment id). */
export async function upsertPayment(db: DbOrTrx, row: Insertable<PaymentsTable>): Promise<PaymentRow> {
  return upsertPaymentsQuery(db, [row]).returningAll().executeTakeFirstOrThrow();
}

/** upsertPayment for many payments (each (provider, payment id) at most once) in one statement. */
export async function upsertPayments(db: DbOrTrx, rows: readonly Insertable<PaymentsTable>[]): Promise<void> {
  if (rows.length > 0) await upsertPaymentsQuery(db, rows).execute();
}

function upsertPaymentsQuery(db: DbOrTrx, rows: readonly Insertable<PaymentsTable>[]) {
  return db
    .insertInto("payments")
    .values([...rows])
    .onConflict((oc) =>
      oc
        .columns(["provider", "providerPaymentId"])
        .doUpdateSet((eb) => ({
          status: eb.ref("excluded.status"),
          amountMinor: eb.ref("excluded.amountMinor"),
          currency: eb.ref("excluded.currency"),
          failureReason: eb.ref("excluded.failureReason"),
          capturedAt: eb.ref("excluded.capturedAt"),
          webhookEventId: eb.ref("excluded.webhookEventId"),
          updatedAt: new Date(),
        })),
    );
}

/** The recorded payments among these (provider, payment id) pairs, keyed `provider:id`. */
export async function selectPaymentsByRef(
  db: DbOrTrx,
  refs: readonly { provider: TProvider; providerPaymentId: string }[],
): Promise<Map<string, PaymentRow>> {
  if (refs.length === 0) return new Map();
  const rows = await db
    .selectFrom("payments")
    .selectAll()
    .where((eb) =>
      eb(
        eb.refTuple("provider", "providerPaymentId"),
        "in",
        refs.map((r) => eb.tuple(r.provider, r.providerPaymentId)),
      ),
    )
    .execute();
  return new Map(rows.map((r) => [paymentKey(r.provider, r.providerPaymentId), r]));
}

export const paymentKey = (provider: TProvider, providerPaymentId: string) =>
  `${provider}:${providerPaymentId}`;

/**
 * Marks orders PAID in one statement: each keeps a payment provider/reference it already had,
 * and an order that could not be sold in full records its shortfall (oversold).
 */
export async function markOrdersPaid(
  trx: Trx,
  at: Date,
  paid: readonly {
    orderId: string;
    provider: TProvider;
    paymentReference: string;
    oversold: TOversoldItem[];
  }[],
): Promise<void> {
  if (paid.length === 0) return;
  const col = <T>(f: (p: (typeof paid)[number]) => T) => paid.map(f);
  await sql`
    UPDATE orders o SET status = 'PAID', paid_at = ${at}, updated_at = ${at},
      payment_provider = coalesce(o.payment_provider, u.provider),
      payment_reference = coalesce(o.payment_reference, u.reference),
      oversold_at = CASE WHEN u.oversold IS NULL THEN o.oversold_at ELSE ${at} END,
      oversold_items = coalesce(u.oversold::jsonb, o.oversold_items)
    FROM unnest(${col((p) => p.orderId)}::uuid[], ${col((p) => p.provider)}::text[],
      ${col((p) => p.paymentReference)}::text[],
      ${col((p) => (p.oversold.length ? JSON.stringify(p.oversold) : null))}::text[]) AS u(id, provider, reference, oversold)
    WHERE o.id = u.id
  `.execute(trx);
}

export async function selectOrderPayments(db: DbOrTrx, orderId: string): Promise<PaymentRow[]> {
  return db.selectFrom("payments").selectAll().where("orderId", "=", orderId).orderBy("createdAt").execute();
}

export async function selectOrderRefunds(db: DbOrTrx, orderId: string): Promise<RefundRow[]> {
  return db.selectFrom("refunds").selectAll().where("orderId", "=", orderId).orderBy("createdAt").execute();
}

export async function selectRefundsById(
  db: DbOrTrx,
  provider: TProvider,
  ids: readonly string[],
): Promise<RefundRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom("refunds")
    .selectAll()
    .where("provider", "=", provider)
    .where("providerRefundId", "in", ids)
    .execute();
}

export async function insertRefund(db: DbOrTrx, row: Insertable<RefundsTable>): Promise<void> {
  await db.insertInto("refunds").values(row).execute();
}

/** Gives a placeholder refund (amount known, id not) the provider id it turned out to have. */
export async function claimPlaceholderRefund(
  db: DbOrTrx,
  refundId: string,
  providerRefundId: string,
  reason: string | null,
): Promise<void> {
  await db
    .updateTable("refunds")
    .set({ providerRefundId, placeholder: false, reason })
    .where("id", "=", refundId)
    .execute();
}

/** What an order's records add up to: captured minus nothing, refunded from refund rows. */
export async function selectOrderTotals(
  db: DbOrTrx,
  orderIds: readonly string[],
): Promise<Map<string, { paidMinor: number; refundedMinor: number }>> {
  if (orderIds.length === 0) return new Map();
  const { rows } = await sql<{ orderId: string; paidMinor: number; refundedMinor: number }>`
    SELECT o.id AS order_id,
      coalesce((SELECT sum(p.amount_minor) FROM payments p WHERE p.order_id = o.id AND p.status = 'CAPTURED'), 0)::int AS paid_minor,
      coalesce((SELECT sum(r.amount_minor) FROM refunds r WHERE r.order_id = o.id), 0)::int AS refunded_minor
    FROM orders o WHERE o.id = ANY(${orderIds}::uuid[])
  `.execute(db);
  return new Map(rows.map((r) => [r.orderId, { paidMinor: r.paidMinor, refundedMinor: r.refundedMinor }]));
}

const ZOrderKey = z.tuple([ZKeyTime, z.uuid()]);

export async function listOrders(db: DbOrTrx, raw: TOrderListInput): Promise<TPage<TOrderSummary>> {
  const input = ZOrderListInput.parse(raw);
  const f = input.filter;
  const before = decodeCursor(input.cursor, ZOrderKey);
  let q = db.selectFrom("orders").selectAll("orders");
  if (f.status) q = q.where("orders.status", "=", f.status);
  if (f.provider) q = q.where("orders.paymentProvider", "=", f.provider);
  if (f.oversold !== undefined) q = q.where("orders.oversoldAt", f.oversold ? "is not" : "is", null);
  if (f.from) q = q.where("orders.createdAt", ">=", new Date(f.from));
  if (f.to) q = q.where("orders.createdAt", "<=", new Date(f.to));
  if (f.search) {
    const s = f.search;
    // One set of ids from a lookup per key, each served by its index (an OR with an EXISTS
    // across the keys would read every order).
    const byKey = (column: "orderNumber" | "email" | "paymentReference", value: string) =>
      db.selectFrom("orders").select("orders.id").where(`orders.${column}`, "=", value);
    let ids = byKey("orderNumber", s)
      .union(byKey("email", s.toLowerCase()))
      .union(byKey("paymentReference", s))
      .union(
        db
          .selectFrom("payments")
          .select("payments.orderId as id")
          // Every provider named: the (provider, provider_payment_id) unique index serves it.
          .where("payments.provider", "in", ["STRIPE", "RAZORPAY"])
          .where("payments.providerPaymentId", "=", s),
      );
    if (UUID.test(s)) ids = ids.union(db.selectFrom("orders").select("orders.id").where("orders.id", "=", s));
    q = q.where("orders.id", "in", ids);
  }
  const rows = await newestFirst(
    q,
    { time: "orders.createdAt", id: "orders.id" },
    { limit: input.limit + 1, before },
  ).execute();
  const totals = await selectOrderTotals(
    db,
    rows.map((r) => r.id),
  );
  return toPage(
    rows,
    input.limit,
    (r) => toOrderSummary(r, totals.get(r.id)),
    (r) => [r.keyTime, r.id],
  );
}

export function toOrderSummary(
  r: OrderRow,
  totals: { paidMinor: number; refundedMinor: number } | undefined,
): TOrderSummary {
  return {
    id: r.id,
    orderNumber: r.orderNumber,
    email: r.email,
    status: r.status,
    paymentProvider: r.paymentProvider,
    paymentReference: r.paymentReference,
    totalMinor: r.totalMinor,
    currency: r.currency,
    paidMinor: totals?.paidMinor ?? 0,
    refundedMinor: totals?.refundedMinor ?? 0,
    oversold: r.oversoldAt !== null,
    createdAt: r.createdAt.toISOString(),
    paidAt: r.paidAt?.toISOString() ?? null,
  };
}

/** An order by id or order number. */
export async function selectOrder(db: DbOrTrx, ref: string): Promise<OrderRow | undefined> {
  return db
    .selectFrom("orders")
    .selectAll()
    .where((eb) =>
      UUID.test(ref) ? eb.or([eb("id", "=", ref), eb("orderNumber", "=", ref)]) : eb("orderNumber", "=", ref),
    )
    .executeTakeFirst();
}

export async function selectOrderItemsDetail(db: DbOrTrx, orderId: string) {
  const { rows } = await sql<{
    id: string;
    variantId: string;
    sku: string | null;
    productName: string | null;
    quantity: number;
    unitPriceMinor: number;
    sold: number;
    returned: number;
  }>`
    SELECT i.id, i.variant_id, v.sku, p.name AS product_name, i.quantity, i.unit_price_minor,
      coalesce((SELECT -sum(t.quantity) FROM inventory_transactions t WHERE t.order_id = i.order_id AND t.variant_id = i.variant_id AND t.type = 'SALE'), 0)::int AS sold,
      coalesce((SELECT sum(t.quantity) FROM inventory_transactions t WHERE t.order_id = i.order_id AND t.variant_id = i.variant_id AND t.type = 'RETURN'), 0)::int AS returned
    FROM order_items i
    LEFT JOIN product_variants v ON v.id = i.variant_id
    LEFT JOIN products p ON p.id = v.product_id
    WHERE i.order_id = ${orderId} ORDER BY i.id
  `.execute(db);
  return rows;
}

export async function selectOrderEvents(db: DbOrTrx, orderId: string, paymentIds: readonly string[]) {
  return db
    .selectFrom("webhookEvents")
    .select([
      "id",
      "provider",
      "providerEventId",
      "eventType",
      "status",
      "receivedAt",
      "processedAt",
      "lastError",
      "reviewReason",
      "resolution",
      "resolutionReason",
      "resolvedBy",
    ])
    .where((eb) =>
      eb.or([
        eb("orderId", "=", orderId),
        ...(paymentIds.length ? [eb("paymentReference", "in", paymentIds)] : []),
      ]),
    )
    .orderBy("receivedAt")
    .orderBy("id")
    .limit(500)
    .execute();
}

export async function selectOrderLedger(db: DbOrTrx, orderId: string) {
  return db
    .selectFrom("inventoryTransactions")
    .select(["id", "type", "variantId", "quantity", "reservedDelta", "reason", "createdAt"])
    .where("orderId", "=", orderId)
    .orderBy("id")
    .execute();
}

export async function selectLedgerKeys(db: DbOrTrx, prefix: string): Promise<string[]> {
  const rows = await db
    .selectFrom("inventoryTransactions")
    .select("idempotencyKey")
    .where("idempotencyKey", "like", `${prefix.replace(/[%_\\]/g, "\\$&")}%`)
    .execute();
  return rows.map((r) => r.idempotencyKey).filter((k): k is string => k !== null);
}

const ZReviewKey = z.tuple([ZKeyTime, z.uuid()]);

export async function listReviewEvents(db: DbOrTrx, raw: TReviewListInput): Promise<TPage<TReviewItem>> {
  const input = ZReviewListInput.parse(raw);
  const before = decodeCursor(input.cursor, ZReviewKey);
  let q = db
    .selectFrom("webhookEvents")
    .leftJoin("orders", "orders.id", "webhookEvents.orderId")
    .select([
      "webhookEvents.id",
      "webhookEvents.provider",
      "webhookEvents.providerEventId",
      "webhookEvents.eventType",
      "webhookEvents.receivedAt",
      "webhookEvents.reviewReason",
      "webhookEvents.paymentReference",
      "webhookEvents.orderId",
      "orders.orderNumber",
    ])
    .where("webhookEvents.status", "=", "NEEDS_REVIEW");
  if (input.provider) q = q.where("webhookEvents.provider", "=", input.provider);
  const rows = await newestFirst(
    q,
    { time: "webhookEvents.receivedAt", id: "webhookEvents.id" },
    { limit: input.limit + 1, before },
  ).execute();
  return toPage(
    rows,
    input.limit,
    (r) => ({
      eventId: r.id,
      provider: r.provider,
      providerEventId: r.providerEventId,
      eventType: r.eventType,
      receivedAt: r.receivedAt.toISOString(),
      reviewReason: r.reviewReason,
      paymentReference: r.paymentReference,
      orderId: r.orderId,
      orderNumber: r.orderNumber,
    }),
    (r) => [r.keyTime, r.id],
  );
}

/** Failed payments per provider in the window, the most recent first (the runbook's diagnosis). */
export async function selectRecentFailedPayments(db: DbOrTrx, since: Date, perProvider: number) {
  const { rows } = await sql<{
    id: string;
    provider: TProvider;
    providerPaymentId: string;
    orderId: string;
    orderNumber: string;
    amountMinor: number;
    currency: string;
    failureReason: string | null;
    at: Date;
    total: number;
  }>`
    SELECT * FROM (
      SELECT p.id, p.provider, p.provider_payment_id, p.order_id, o.order_number, p.amount_minor, p.currency,
        p.failure_reason, p.updated_at AS at,
        count(*) OVER (PARTITION BY p.provider)::int AS total,
        row_number() OVER (PARTITION BY p.provider ORDER BY p.updated_at DESC, p.id DESC) AS n
      FROM payments p JOIN orders o ON o.id = p.order_id
      WHERE p.status = 'FAILED' AND p.updated_at >= ${since}
    ) x WHERE n <= ${perProvider} ORDER BY provider, at DESC
  `.execute(db);
  return rows;
}

export async function selectWebhookStatusCounts(db: DbOrTrx, since: Date) {
  const rows = await db
    .selectFrom("webhookEvents")
    .select(["provider", "status", (eb) => eb.fn.countAll<string>().as("n")])
    .where("receivedAt", ">=", since)
    .groupBy(["provider", "status"])
    .orderBy("provider")
    .orderBy("status")
    .execute();
  return rows.map((r) => ({ provider: r.provider, status: r.status, count: Number(r.n) }));
}

export async function countNeedsReview(db: DbOrTrx): Promise<number> {
  const { n } = await db
    .selectFrom("webhookEvents")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("status", "=", "NEEDS_REVIEW")
    .executeTakeFirstOrThrow();
  return Number(n);
}

/**
 * Orders paid although their stock was gone and not yet settled by a full refund or cancel:
 * what ops must restock or refund. The monitoring alert rules read this.
 */
export async function selectOpenOversoldOrders(db: DbOrTrx, limit = 100) {
  return db
    .selectFrom("orders")
    .select(["id", "orderNumber", "status", "oversoldAt", "oversoldItems"])
    .where("oversoldAt", "is not", null)
    .where("status", "not in", ["REFUNDED", "CANCELLED"])
    .orderBy("oversoldAt")
    .limit(limit)
    .execute();
}

export async function countOpenOversoldOrders(db: DbOrTrx): Promise<number> {
  const { n } = await db
    .selectFrom("orders")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("oversoldAt", "is not", null)
    .where("status", "not in", ["REFUNDED", "CANCELLED"])
    .executeTakeFirstOrThrow();
  return Number(n);
}
