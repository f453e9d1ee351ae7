// The one way stock changes: lock the variant rows, read previous values under the lock, write
// the variant and its ledger rows in the caller's transaction, then rescan low stock.
//
// Quantities are signed deltas, checked against the type:
//   SALE < 0, RETURN > 0, RESTOCK > 0, ADJUSTMENT ≠ 0, ROLLBACK ≠ 0   → stock_quantity (on hand)
//   RESERVATION > 0, RELEASE < 0                                      → reserved_quantity only
// A ledger row stores both deltas (`quantity` for on hand, `reservedDelta` for reserved), so per
// variant sum(quantity) = stock_quantity and sum(reservedDelta) = reserved_quantity.
// A sale of reserved stock is RELEASE then SALE (two rows, same order).
import { sql } from "kysely";
import type { InventoryTransactionsTable, InventoryTransactionType, Trx } from "../db/database";
import type { Actor } from "../audit/audit.service";
import { DomainError } from "../errors";
import { defaultThresholdSql, scanLowStock } from "./low-stock.service";

export interface StockMovementInput {
  variantId: string;
  type: InventoryTransactionType;
  /** Signed delta; see the sign rules at the top of this file. */
  quantity: number;
  reason: string;
  actor: Actor;
  orderId?: string | null;
  webhookEventId?: string | null;
  batchId?: string | null;
  /** A movement whose key was already applied is skipped (a retried webhook moves stock once). */
  idempotencyKey?: string | null;
  reference?: string | null;
  notes?: string | null;
  metadata?: Record<string, unknown>;
}

/** What one movement wrote: the ledger row's id and its before/after values. */
export type LedgerEntry = Pick<
  InventoryTransactionsTable,
  | "variantId"
  | "type"
  | "quantity"
  | "previousStock"
  | "newStock"
  | "reservedDelta"
  | "previousReserved"
  | "newReserved"
> & { id: string };

export interface StockMovementResult {
  /** false when the idempotency key had already been applied: nothing was written. */
  applied: boolean;
  entry: LedgerEntry | null;
}

export interface LockedVariant {
  id: string;
  productId: string;
  sku: string;
  stockQuantity: number;
  reservedQuantity: number;
  /** Effective low-stock threshold (variant, product, global default). */
  threshold: number;
  /** Whether the product is ACTIVE (only active products raise alerts). */
  active: boolean;
  /** Whether an unresolved low-stock alert exists for the variant. */
  alerted: boolean;
}

// Locks/reads variants with what the low-stock check needs, so a movement that cannot open or
// resolve an alert skips the scan statement. FOR UPDATE OF v: the product rows are not locked.
const variantRows = (ids: readonly string[], skus: readonly string[]) => sql`
  SELECT v.id, v.product_id, v.sku, v.stock_quantity, v.reserved_quantity,
    coalesce(v.low_stock_threshold, p.low_stock_threshold, ${defaultThresholdSql}) AS threshold,
    p.status = 'ACTIVE' AS active,
    EXISTS (SELECT 1 FROM inventory_low_stock_alerts a WHERE a.variant_id = v.id AND a.resolved_at IS NULL) AS alerted
  FROM product_variants v JOIN products p ON p.id = v.product_id
  WHERE v.id = ANY(${[...new Set(ids)]}::uuid[]) OR v.sku = ANY(${[...new Set(skus)]}::text[])
  ORDER BY v.id`;

const SIGN: Record<InventoryTransactionType, { sign: 1 | -1 | 0; reserved: boolean; words: string }> = {
  SALE: { sign: -1, reserved: false, words: "takes stock out: quantity must be negative" },
  RETURN: { sign: 1, reserved: false, words: "puts stock back: quantity must be positive" },
  RESTOCK: { sign: 1, reserved: false, words: "adds stock: quantity must be positive" },
  ADJUSTMENT: { sign: 0, reserved: false, words: "needs a non-zero quantity" },
  ROLLBACK: { sign: 0, reserved: false, words: "needs a non-zero quantity" },
  RESERVATION: { sign: 1, reserved: true, words: "holds stock: quantity must be positive" },
  RELEASE: { sign: -1, reserved: true, words: "frees held stock: quantity must be negative" },
};

function assertQuantityFits(m: StockMovementInput): void {
  const rule = SIGN[m.type];
  const ok =
    Number.isSafeInteger(m.quantity) &&
    m.quantity !== 0 &&
    (rule.sign === 0 || Math.sign(m.quantity) === rule.sign);
  if (!ok) throw new DomainError("BAD_REQUEST", `${m.type} ${rule.words} (got ${m.quantity})`);
  if (!m.reason.trim()) throw new DomainError("BAD_REQUEST", "A stock movement needs a reason");
}

/**
 * Locks the variants (in id order, the one lock order every stock change follows) selected by
 * id or SKU and returns them keyed by id. Needs a transaction: the locks last until it ends.
 */
export async function lockVariants(
  trx: Trx,
  ids: readonly string[],
  skus: readonly string[] = [],
): Promise<Map<string, LockedVariant>> {
  if (ids.length === 0 && skus.length === 0) return new Map();
  const { rows } = await sql<LockedVariant>`${variantRows(ids, skus)} FOR UPDATE OF v`.execute(trx);
  return new Map(rows.map((r) => [r.id, r]));
}

/** Reads the same rows as lockVariants without locking (previews). */
export async function readVariants(
  trx: Trx,
  ids: readonly string[],
  skus: readonly string[] = [],
): Promise<Map<string, LockedVariant>> {
  const { rows } = await variantRows(ids, skus).$castTo<LockedVariant>().execute(trx);
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Applies movements to variants the caller has locked with lockVariants (their map is updated
 * in place), in input order. Refuses the whole set with a DomainError if any variant would go
 * negative. Returns one result per input movement.
 */
export async function writeLockedMovements(
  trx: Trx,
  locked: Map<string, LockedVariant>,
  movements: readonly StockMovementInput[],
): Promise<StockMovementResult[]> {
  for (const m of movements) assertQuantityFits(m);
  const keys = movements.map((m) => m.idempotencyKey).filter((k): k is string => !!k);
  const seen = new Set<string>();
  if (keys.length > 0) {
    const { rows } = await sql<{ idempotencyKey: string }>`
      SELECT idempotency_key FROM inventory_transactions WHERE idempotency_key = ANY(${keys}::text[])
    `.execute(trx);
    for (const r of rows) seen.add(r.idempotencyKey);
  }

  const results: StockMovementResult[] = [];
  const entries: (LedgerEntry & { m: StockMovementInput; productId: string })[] = [];
  const refused: string[] = [];
  for (const m of movements) {
    if (m.idempotencyKey && seen.has(m.idempotencyKey)) {
      results.push({ applied: false, entry: null });
      continue;
    }
    if (m.idempotencyKey) seen.add(m.idempotencyKey);
    const v = locked.get(m.variantId);
    if (!v) throw new DomainError("NOT_FOUND", `No product variant with id ${m.variantId}`);
    const reserved = SIGN[m.type].reserved;
    const entry = {
      id: "",
      variantId: v.id,
      productId: v.productId,
      type: m.type,
      quantity: reserved ? 0 : m.quantity,
      previousStock: v.stockQuantity,
      newStock: v.stockQuantity + (reserved ? 0 : m.quantity),
      reservedDelta: reserved ? m.quantity : 0,
      previousReserved: v.reservedQuantity,
      newReserved: v.reservedQuantity + (reserved ? m.quantity : 0),
      m,
    };
    if (entry.newStock < 0)
      refused.push(
        `${v.sku}: ${entry.previousStock} on hand, ${m.type} of ${-m.quantity} would leave ${entry.newStock}`,
      );
    else if (m.type === "RESERVATION" && entry.newReserved > entry.newStock)
      refused.push(
        `${v.sku}: only ${v.stockQuantity - v.reservedQuantity} available to reserve, asked for ${m.quantity}`,
      );
    else if (entry.newReserved < 0)
      refused.push(`${v.sku}: only ${v.reservedQuantity} reserved, cannot release ${-m.quantity}`);
    v.stockQuantity = entry.newStock;
    v.reservedQuantity = entry.newReserved;
    entries.push(entry);
    results.push({ applied: true, entry });
  }
  if (refused.length > 0) {
    throw new DomainError(
      "PRECONDITION_FAILED",
      `Stock cannot go negative: ${refused.slice(0, 5).join("; ")}${refused.length > 5 ? ` (and ${refused.length - 5} more)` : ""}`,
      { details: { refused } },
    );
  }
  if (entries.length === 0) return results;

  const touched = [...new Set(entries.map((e) => e.variantId))];
  await sql`
    UPDATE product_variants v SET stock_quantity = u.stock, reserved_quantity = u.reserved, updated_at = now()
    FROM unnest(${touched}::uuid[], ${touched.map((id) => locked.get(id)!.stockQuantity)}::int[], ${touched.map((id) => locked.get(id)!.reservedQuantity)}::int[]) AS u(id, stock, reserved)
    WHERE v.id = u.id
  `.execute(trx);

  const col = <T>(f: (e: (typeof entries)[number]) => T) => entries.map(f);
  const { rows } = await sql<{ id: string }>`
    INSERT INTO inventory_transactions (type, product_id, variant_id, quantity, previous_stock, new_stock,
      reserved_delta, previous_reserved, new_reserved, reason, batch_id, order_id, webhook_event_id,
      idempotency_key, actor_type, actor_id, actor_label, reference, notes, metadata)
    SELECT t, p, v, q, ps, ns, rd, pr, nr, r, b, o, w, k, at, ai, al, ref, n, md::jsonb
    FROM unnest(
      ${col((e) => e.type)}::text[], ${col((e) => e.productId)}::uuid[], ${col((e) => e.variantId)}::uuid[],
      ${col((e) => e.quantity)}::int[], ${col((e) => e.previousStock)}::int[], ${col((e) => e.newStock)}::int[],
      ${col((e) => e.reservedDelta)}::int[], ${col((e) => e.previousReserved)}::int[], ${col((e) => e.newReserved)}::int[],
      ${col((e) => e.m.reason)}::text[], ${col((e) => e.m.batchId ?? null)}::uuid[], ${col((e) => e.m.orderId ?? null)}::uuid[],
      ${col((e) => e.m.webhookEventId ?? null)}::text[], ${col((e) => e.m.idempotencyKey ?? null)}::text[],
      ${col((e) => e.m.actor.type)}::text[], ${col((e) => e.m.actor.id)}::text[], ${col((e) => e.m.actor.label)}::text[],
      ${col((e) => e.m.reference ?? null)}::text[], ${col((e) => e.m.notes ?? null)}::text[],
      ${col((e) => JSON.stringify(e.m.metadata ?? {}))}::text[]
    ) WITH ORDINALITY AS x(t, p, v, q, ps, ns, rd, pr, nr, r, b, o, w, k, at, ai, al, ref, n, md, ord)
    ORDER BY ord
    RETURNING id
  `.execute(trx);
  // ids come from one sequence in insertion (ordinality) order, so sorted ids line up with entries.
  const ids = rows.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  ids.forEach((id, i) => (entries[i]!.id = id.toString()));

  // Scan only variants that can open an alert (at or under threshold) or resolve one.
  const toScan = touched.filter((id) => {
    const v = locked.get(id)!;
    return v.alerted || (v.active && v.stockQuantity - v.reservedQuantity <= v.threshold);
  });
  if (toScan.length > 0) {
    await scanLowStock(trx, toScan);
    // Keep the caller's map true to what the scan left, in case it moves these variants again.
    for (const id of toScan) {
      const v = locked.get(id)!;
      v.alerted = v.active && v.stockQuantity - v.reservedQuantity <= v.threshold;
    }
  }
  return results;
}

/**
 * Moves stock for one variant inside the caller's transaction: locks the variant, writes the
 * ledger row with previous/new read under the lock, refuses negative stock (DomainError), and
 * does nothing when `idempotencyKey` was already applied. Use this from order and webhook code.
 */
export async function recordStockMovement(trx: Trx, input: StockMovementInput): Promise<StockMovementResult> {
  const [result] = await recordStockMovements(trx, [input]);
  return result!;
}

/** Several movements in one go (an order's items): locks every variant in id order first. */
export async function recordStockMovements(
  trx: Trx,
  inputs: readonly StockMovementInput[],
): Promise<StockMovementResult[]> {
  for (const m of inputs) assertQuantityFits(m);
  const locked = await lockVariants(
    trx,
    inputs.map((m) => m.variantId),
  );
  return writeLockedMovements(trx, locked, inputs);
}
