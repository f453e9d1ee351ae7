// The one way stock changes: lock the variant rows, read previous values under the lock, write
// the variant and its ledger rows in the caller's transaction, then rescan low stock.
//
// Quantities are signed deltas, checked against the type:
//   SALE < 0, RETURN > 0, RESTOCK > 0, ADJUSTMENT ≠ 0, ROLLBACK ≠ 0   → stock_quantity (on hand)
//   RESERVATION > 0, RELEASE < 0                                      → reserved_quantity only
// A ledger row stores both deltas (`quantity` for on hand, `reservedDelta` for reserved), so per
// variant sum(quantity) = stock_quantity and sum(reservedDelta) = reserved_quantity.
// A sale of reserved stock is RELEASE then SALE (two rows, same order).
import type { InventoryTransactionsTable, Trx } from "../db/database";
import type { Actor } from "../audit/audit.service";
import { DomainError, must } from "../errors";
import {
  insertLedgerRows,
  lockVariants,
  scanLowStock,
  selectAppliedIdempotencyKeys,
  writeVariantStock,
  type LockedVariant,
} from "./inventory.queries";
import type { TInventoryTransactionType } from "./inventory.schema";

export interface StockMovementInput {
  variantId: string;
  type: TInventoryTransactionType;
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

const SIGN: Record<TInventoryTransactionType, { sign: 1 | -1 | 0; reserved: boolean; words: string }> = {
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
  const seen = new Set(await selectAppliedIdempotencyKeys(trx, keys));

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
  await writeVariantStock(
    trx,
    touched.map((id) => must(locked.get(id), "a moved variant was locked")),
  );
  const ids = await insertLedgerRows(
    trx,
    entries.map(({ m, id: _unassigned, ...e }) => ({
      ...e,
      reason: m.reason,
      batchId: m.batchId ?? null,
      orderId: m.orderId ?? null,
      webhookEventId: m.webhookEventId ?? null,
      idempotencyKey: m.idempotencyKey ?? null,
      actorType: m.actor.type,
      actorId: m.actor.id,
      actorLabel: m.actor.label,
      reference: m.reference ?? null,
      notes: m.notes ?? null,
      metadata: m.metadata ?? {},
    })),
  );
  ids.forEach((id, i) => {
    must(entries[i], "one ledger id per entry").id = id;
  });

  // Scan only variants that can open an alert (at or under threshold) or resolve one.
  const toScan = touched.filter((id) => {
    const v = must(locked.get(id), "a moved variant was locked");
    return v.alerted || (v.active && v.stockQuantity - v.reservedQuantity <= v.threshold);
  });
  if (toScan.length > 0) {
    await scanLowStock(trx, toScan);
    // Keep the caller's map true to what the scan left, in case it moves these variants again.
    for (const id of toScan) {
      const v = must(locked.get(id), "a scanned variant was locked");
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
  return must(result, "one result per movement");
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
