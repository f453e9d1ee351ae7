// Physical-count resets in batches: preview (same planning code, no locks, no writes), apply
// (one transaction, batch key claimed first, variants locked in id order, ADJUSTMENT rows through
// the stock service) and exact rollback of a batch's deltas (ROLLBACK rows, sales kept).
import { z } from "zod";
import type { Db, DbOrTrx } from "../db/database";
import { type Actor, writeAudit } from "../audit/audit.service";
import { DomainError, must } from "../errors";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { countInputFromRows, parseCountCsv, type CountInput, type CountInputRow } from "./count-file";
import {
  ZBatchListInput,
  ZResetApplyInput,
  ZResetPreviewInput,
  ZRollbackInput,
  type TBatchReport,
  type TBatchSummary,
  type TCountRow,
  type TResetPreview,
  type TResetResult,
  type TResetRow,
  type TRollbackPreview,
  type TResetOnProblem,
  type TRollbackResult,
  type TRowProblem,
} from "./inventory.schema";
import {
  claimBatchKey,
  insertBatchItems,
  listBatchLedger,
  lockBatch,
  lockVariants,
  readVariants,
  selectBatch,
  selectBatchByKey,
  selectBatches,
  selectBatchItems,
  selectProductNamesByVariant,
  selectRollbackItems,
  updateBatch,
  type InventoryBatchRow,
  type LockedVariant,
} from "./inventory.queries";
import { writeLockedMovements, type StockMovementInput } from "./stock.service";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^[+-]?\d+$/;

function readInput(input: { csv?: string | undefined; rows?: TCountRow[] | undefined }): CountInput {
  return input.csv !== undefined ? parseCountCsv(input.csv) : countInputFromRows(input.rows ?? []);
}

interface Plan {
  preview: TResetPreview;
  /** Rows without problems, with their variant: what an apply writes. */
  valid: { row: TResetRow; variant: LockedVariant }[];
}

/**
 * The one planning step behind preview and apply: resolves every row to a variant, checks it,
 * and computes previous/new/delta against the stock in `variants` (locked when applying).
 */
function planReset(
  input: CountInput,
  variants: Map<string, LockedVariant>,
  onProblem: TResetOnProblem,
): Plan {
  const bySku = new Map([...variants.values()].map((v) => [v.sku, v]));
  const resolved = input.rows.map((r) => {
    const problems: TRowProblem[] = [];
    let variant: LockedVariant | undefined;
    if (r.variantId && !UUID.test(r.variantId))
      problems.push({ code: "INVALID_VARIANT_ID", message: `"${r.variantId}" is not a variant id` });
    else if (r.variantId) variant = variants.get(r.variantId);
    else if (r.sku) variant = bySku.get(r.sku);
    if (!r.variantId && !r.sku)
      problems.push({ code: "MISSING_IDENTIFIER", message: "Row has neither a SKU nor a variant id" });
    else if (!variant && problems.length === 0)
      problems.push({
        code: "UNKNOWN_SKU",
        message: `No variant with ${r.variantId ? `id ${r.variantId}` : `SKU ${r.sku}`}`,
      });

    let counted: number | null = null;
    if (!INTEGER.test(r.counted))
      problems.push({ code: "NOT_AN_INTEGER", message: `Count "${r.counted}" is not a whole number` });
    else if (Number(r.counted) < 0)
      problems.push({ code: "NEGATIVE_COUNT", message: `Count ${r.counted} is negative` });
    else if (!Number.isSafeInteger(Number(r.counted)) || Number(r.counted) > 2_147_483_647)
      problems.push({ code: "NOT_AN_INTEGER", message: `Count ${r.counted} is too large` });
    else counted = Number(r.counted);

    if (
      variant &&
      r.expectedCurrent !== null &&
      INTEGER.test(r.expectedCurrent) &&
      Number(r.expectedCurrent) !== variant.stockQuantity
    ) {
      problems.push({
        code: "STALE_ROW",
        message: `On hand was ${r.expectedCurrent} in the file but is ${variant.stockQuantity} now: stock moved since the export`,
      });
    }
    return { r, variant, counted, problems };
  });

  const seen = new Map<string, number>();
  for (const x of resolved) if (x.variant) seen.set(x.variant.id, (seen.get(x.variant.id) ?? 0) + 1);
  for (const x of resolved) {
    if (x.variant && (seen.get(x.variant.id) ?? 0) > 1)
      x.problems.push({
        code: "DUPLICATE_ROW",
        message: `${x.variant.sku} appears ${seen.get(x.variant.id)} times; keep one row`,
      });
  }

  const rows: TResetRow[] = resolved.map(({ r, variant, counted, problems }) =>
    toResetRow(r, variant, counted, problems),
  );
  const valid = resolved.flatMap((x, i) =>
    x.variant && x.problems.length === 0
      ? [{ row: must(rows[i], "one row per resolved line"), variant: x.variant }]
      : [],
  );
  const problemCount = rows.length - valid.length;
  const changedCount = valid.filter((v) => v.row.delta !== 0).length;
  return {
    valid,
    preview: {
      source: input.source,
      rowCount: rows.length,
      ignoredCount: input.ignored,
      problemCount,
      changedCount,
      unchangedCount: valid.length - changedCount,
      canApply: valid.length > 0 && (problemCount === 0 || onProblem === "SKIP"),
      rows,
    },
  };
}

function toResetRow(
  r: CountInputRow,
  variant: LockedVariant | undefined,
  counted: number | null,
  problems: TRowProblem[],
): TResetRow {
  const previous = variant?.stockQuantity ?? null;
  return {
    line: r.line,
    sku: variant?.sku ?? r.sku,
    variantId: variant?.id ?? r.variantId,
    product: null,
    previous,
    counted,
    delta: previous !== null && counted !== null ? counted - previous : null,
    reason: r.reason,
    notes: r.notes,
    problems,
  };
}

const identifiers = (input: CountInput) => ({
  ids: input.rows.flatMap((r) => (r.variantId && UUID.test(r.variantId) ? [r.variantId] : [])),
  skus: input.rows.flatMap((r) => (r.sku ? [r.sku] : [])),
});

async function withProductNames(db: DbOrTrx, preview: TResetPreview): Promise<TResetPreview> {
  const ids = preview.rows.flatMap((r) => (r.previous !== null && r.variantId ? [r.variantId] : []));
  if (ids.length === 0) return preview;
  const names = await selectProductNamesByVariant(db, ids);
  return {
    ...preview,
    rows: preview.rows.map((r) => ({ ...r, product: (r.variantId && names.get(r.variantId)) ?? null })),
  };
}

/** Dry run: exactly what apply would do to the stock as it is now. Writes nothing. */
export async function previewInventoryReset(db: Db, raw: unknown): Promise<TResetPreview> {
  const input = ZResetPreviewInput.parse(raw);
  const counts = readInput(input);
  const { ids, skus } = identifiers(counts);
  const preview = await db
    .transaction()
    .setAccessMode("read only")
    .execute(async (trx) => planReset(counts, await readVariants(trx, ids, skus), input.onProblem).preview);
  return withProductNames(db, preview);
}

function problemSummary(preview: TResetPreview): string {
  const first = preview.rows.filter((r) => r.problems.length > 0).slice(0, 3);
  return first.map((r) => `line ${r.line}: ${r.problems.map((p) => p.message).join(", ")}`).join("; ");
}

/**
 * Applies a count as one batch. Idempotent by batchKey: the key is claimed first (a second
 * apply with the same key waits for the first and then returns its batch), so a retried or
 * double-clicked apply happens once.
 */
export async function applyInventoryReset(db: Db, actor: Actor, raw: unknown): Promise<TResetResult> {
  const input = ZResetApplyInput.parse(raw);
  const counts = readInput(input);
  const { ids, skus } = identifiers(counts);
  return db.transaction().execute(async (trx) => {
    const claimed = await claimBatchKey(trx, {
      batchKey: input.batchKey,
      source: counts.source,
      reason: input.reason,
      reference: input.reference ?? null,
      notes: input.notes ?? null,
      onProblem: input.onProblem,
      rowCount: 0,
      changedCount: 0,
      actorType: actor.type,
      actorId: actor.id,
      actorLabel: actor.label,
    });
    if (!claimed) {
      const existing = await selectBatchByKey(trx, input.batchKey);
      const skipped = Array.isArray(existing.skipped) ? existing.skipped.length : 0;
      return {
        batchId: existing.id,
        batchKey: existing.batchKey,
        alreadyApplied: true,
        rowCount: existing.rowCount,
        changedCount: existing.changedCount,
        skippedCount: skipped,
        createdAt: existing.createdAt.toISOString(),
      };
    }

    const plan = planReset(counts, await lockVariants(trx, ids, skus), input.onProblem);
    if (!plan.preview.canApply) {
      const why =
        plan.valid.length === 0 ? "no row can be applied" : `${plan.preview.problemCount} rows have problems`;
      throw new DomainError(
        "BAD_REQUEST",
        `Nothing was changed: ${why} (${problemSummary(plan.preview)}). Fix them, or choose to skip problem rows.`,
        { details: { problems: plan.preview.rows.filter((r) => r.problems.length > 0).slice(0, 100) } },
      );
    }

    const items = plan.valid.map(({ row, variant }) => ({
      ...row,
      variantId: variant.id,
      // A valid row has no problems, so its count and the stock it replaces are known.
      counted: must(row.counted, "a valid row has a count"),
      previous: must(row.previous, "a valid row has the previous stock"),
      delta: must(row.delta, "a valid row has a delta"),
    }));
    await insertBatchItems(
      trx,
      claimed.id,
      items.map((i) => ({
        variantId: i.variantId,
        previousStock: i.previous,
        newStock: i.counted,
        delta: i.delta,
        reason: i.reason,
        notes: i.notes,
      })),
    );

    const lockedById = new Map(plan.valid.map(({ variant }) => [variant.id, variant]));
    const movements: StockMovementInput[] = items
      .filter((i) => i.delta !== 0)
      .map((i) => ({
        variantId: i.variantId,
        type: "ADJUSTMENT",
        quantity: i.delta,
        reason: i.reason ?? input.reason,
        actor,
        batchId: claimed.id,
        reference: input.reference ?? null,
        notes: i.notes ?? input.notes ?? null,
        metadata: { batchKey: input.batchKey, line: i.line },
      }));
    await writeLockedMovements(trx, lockedById, movements);

    const skipped = plan.preview.rows.filter((r) => r.problems.length > 0);
    await updateBatch(trx, claimed.id, {
      rowCount: items.length,
      changedCount: movements.length,
      skipped: JSON.stringify(skipped),
    });
    await writeAudit(trx, actor, {
      action: "inventory.reset_apply",
      target: { type: "inventory_batch", id: claimed.id },
      after: {
        batchKey: input.batchKey,
        source: counts.source,
        rowCount: items.length,
        changedCount: movements.length,
        skippedCount: skipped.length,
        reference: input.reference ?? null,
      },
      reason: input.reason,
    });
    return {
      batchId: claimed.id,
      batchKey: input.batchKey,
      alreadyApplied: false,
      rowCount: items.length,
      changedCount: movements.length,
      skippedCount: skipped.length,
      createdAt: claimed.createdAt.toISOString(),
    };
  });
}

function found(batch: InventoryBatchRow | undefined, batchId: string): InventoryBatchRow {
  if (!batch) throw new DomainError("NOT_FOUND", `No inventory batch with id ${batchId}`);
  return batch;
}

function toBatchSummary(b: InventoryBatchRow): TBatchSummary {
  return {
    id: b.id,
    batchKey: b.batchKey,
    status: b.status,
    source: b.source,
    reason: b.reason,
    reference: b.reference,
    notes: b.notes,
    rowCount: b.rowCount,
    changedCount: b.changedCount,
    actorLabel: b.actorLabel,
    createdAt: b.createdAt.toISOString(),
    rolledBackAt: b.rolledBackAt?.toISOString() ?? null,
    rolledBackBy: b.rolledBackBy,
    rollbackReason: b.rollbackReason,
  };
}

const ZBatchKey = z.tuple([ZKeyTime, z.uuid()]);

export async function listInventoryBatches(db: Db, raw: unknown = {}): Promise<TPage<TBatchSummary>> {
  const { cursor, limit } = ZBatchListInput.parse(raw);
  const rows = await selectBatches(db, { limit: limit + 1, before: decodeCursor(cursor, ZBatchKey) });
  return toPage(rows, limit, toBatchSummary, (b) => [b.keyTime, b.id]);
}

export async function getInventoryBatchReport(db: Db, batchId: string): Promise<TBatchReport> {
  const batch = found(await selectBatch(db, batchId), batchId);
  return {
    batch: toBatchSummary(batch),
    items: await selectBatchItems(db, batchId, false),
    skipped: (batch.skipped as TResetRow[] | null) ?? [],
    ledger: await listBatchLedger(db, batchId),
  };
}

/** What a rollback would do now: per variant the batch's delta, stock now, and what moved since. */
export async function previewBatchRollback(db: DbOrTrx, batchId: string): Promise<TRollbackPreview> {
  const batch = found(await selectBatch(db, batchId), batchId);
  const rows = await selectRollbackItems(db, batchId);
  const items = rows.map((r) => ({
    ...r,
    stockAfterRollback: r.currentStock - r.batchDelta,
    wouldGoNegative: r.currentStock - r.batchDelta < 0,
  }));
  const negativeCount = items.filter((i) => i.wouldGoNegative).length;
  const blockedBecause =
    batch.status === "ROLLED_BACK"
      ? `Already rolled back at ${batch.rolledBackAt?.toISOString()} by ${batch.rolledBackBy ?? "unknown"}`
      : negativeCount > 0
        ? `${negativeCount} variants would go negative (more was sold since than the batch added); adjust them first`
        : null;
  return {
    batch: toBatchSummary(batch),
    items,
    changedSinceCount: items.filter((i) => i.movementsSince > 0).length,
    negativeCount,
    canRollback: blockedBecause === null,
    blockedBecause,
  };
}

/**
 * Undoes exactly this batch's deltas with ROLLBACK rows (quantity = -delta), on top of whatever
 * moved since, so sales made after the reset stay sold. Locks the batch, then the variants in id
 * order. A batch rolls back at most once; a second call returns the first result.
 */
export async function rollbackInventoryBatch(db: Db, actor: Actor, raw: unknown): Promise<TRollbackResult> {
  const input = ZRollbackInput.parse(raw);
  return db.transaction().execute(async (trx) => {
    const batch = found(await lockBatch(trx, input.batchId), input.batchId);
    if (batch.status === "ROLLED_BACK")
      return {
        batchId: batch.id,
        alreadyRolledBack: true,
        rolledBackCount: batch.changedCount,
        rolledBackAt: must(batch.rolledBackAt, "a rolled-back batch has its time").toISOString(),
      };
    const items = await selectBatchItems(trx, batch.id, true);
    const locked = await lockVariants(
      trx,
      items.map((i) => i.variantId),
    );
    const movements: StockMovementInput[] = items.map((i) => ({
      variantId: i.variantId,
      type: "ROLLBACK",
      quantity: -i.delta,
      reason: `Rollback of batch ${batch.batchKey}: ${input.reason}`,
      actor,
      batchId: batch.id,
      reference: batch.reference,
      metadata: { batchKey: batch.batchKey, undoes: i.delta },
    }));
    await writeLockedMovements(trx, locked, movements);
    const rolledBackAt = new Date();
    await updateBatch(trx, batch.id, {
      status: "ROLLED_BACK",
      rolledBackAt,
      rolledBackBy: actor.label,
      rollbackReason: input.reason,
    });
    await writeAudit(trx, actor, {
      action: "inventory.reset_rollback",
      target: { type: "inventory_batch", id: batch.id },
      before: { status: batch.status },
      after: { status: "ROLLED_BACK", rolledBackCount: movements.length },
      reason: input.reason,
    });
    return {
      batchId: batch.id,
      alreadyRolledBack: false,
      rolledBackCount: movements.length,
      rolledBackAt: rolledBackAt.toISOString(),
    };
  });
}
