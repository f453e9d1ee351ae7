// Inventory reads: the stock table, the ledger (per variant, per window), export rows.
import { type RawBuilder, sql } from "kysely";
import type { DbOrTrx } from "../db/database";
import { DomainError } from "../errors";
import { getFlag } from "../system/system.service";
import {
  ZChangesInput,
  ZStockListInput,
  ZVariantLedgerInput,
  type TChangesReport,
  type TLedgerEntry,
  type TStockListInput,
  type TStockRow,
} from "./inventory.schema";

/** "Kanjivaram Ruby Red Saree · Ruby Red / Silk / blouse piece". */
const OPTIONS_SQL = sql`concat_ws(' / ', v.colour, v.fabric, CASE WHEN v.blouse_piece THEN 'blouse piece' END)`;

type StockSqlRow = Pick<
  TStockRow,
  | "variantId"
  | "productId"
  | "sku"
  | "product"
  | "options"
  | "productStatus"
  | "onHand"
  | "reserved"
  | "reorderPoint"
  | "reorderQuantity"
> & { variantThreshold: number | null; productThreshold: number | null; alertOpenSince: Date | null };

function toStockRow(r: StockSqlRow, fallback: number): TStockRow {
  const threshold = r.variantThreshold ?? r.productThreshold ?? fallback;
  const available = r.onHand - r.reserved;
  return {
    variantId: r.variantId,
    productId: r.productId,
    sku: r.sku,
    product: r.product,
    options: r.options,
    productStatus: r.productStatus,
    onHand: r.onHand,
    reserved: r.reserved,
    available,
    threshold,
    thresholdSource:
      r.variantThreshold !== null ? "variant" : r.productThreshold !== null ? "product" : "default",
    reorderPoint: r.reorderPoint,
    reorderQuantity: r.reorderQuantity,
    low: r.productStatus === "ACTIVE" && available <= threshold,
    alertOpenSince: r.alertOpenSince?.toISOString() ?? null,
  };
}

export async function listStock(db: DbOrTrx, raw: TStockListInput = {}): Promise<TStockRow[]> {
  const input = ZStockListInput.parse(raw);
  const fallback = await getFlag(db, "low_stock_default_threshold");
  const available = sql`(v.stock_quantity - v.reserved_quantity)`;
  const threshold = sql`coalesce(v.low_stock_threshold, p.low_stock_threshold, ${fallback}::int)`;
  const filters: Record<typeof input.filter, RawBuilder<unknown>> = {
    all: sql`true`,
    out: sql`${available} <= 0`,
    low: sql`p.status = 'ACTIVE' AND ${available} <= ${threshold}`,
    reorder: sql`p.status = 'ACTIVE' AND (${available} <= ${threshold} OR ${available} <= v.reorder_point)`,
  };
  const search = input.search ? `%${input.search.replace(/[%_\\]/g, "\\$&")}%` : null;
  const { rows } = await sql<StockSqlRow>`
    SELECT v.id AS variant_id, p.id AS product_id, v.sku, p.name AS product, ${OPTIONS_SQL} AS options,
      p.status AS product_status, v.stock_quantity AS on_hand, v.reserved_quantity AS reserved,
      v.low_stock_threshold AS variant_threshold, p.low_stock_threshold AS product_threshold,
      v.reorder_point, v.reorder_quantity, a.opened_at AS alert_open_since
    FROM product_variants v
    JOIN products p ON p.id = v.product_id
    LEFT JOIN inventory_low_stock_alerts a ON a.variant_id = v.id AND a.resolved_at IS NULL
    WHERE ${filters[input.filter]}
      AND (${search}::text IS NULL OR v.sku ILIKE ${search} OR p.name ILIKE ${search})
    ORDER BY ${input.filter === "all" ? sql`p.name, v.sku` : sql`${available} - ${threshold}, v.sku`}
    LIMIT ${input.limit} OFFSET ${input.offset}
  `.execute(db);
  return rows.map((r) => toStockRow(r, fallback));
}

/** Every variant, for the export: streamed in pages so 100,000 variants stay cheap. */
export async function* iterateStock(db: DbOrTrx, pageSize = 5000): AsyncGenerator<TStockRow[]> {
  const fallback = await getFlag(db, "low_stock_default_threshold");
  let after = "";
  for (;;) {
    const { rows } = await sql<StockSqlRow>`
      SELECT v.id AS variant_id, p.id AS product_id, v.sku, p.name AS product, ${OPTIONS_SQL} AS options,
        p.status AS product_status, v.stock_quantity AS on_hand, v.reserved_quantity AS reserved,
        v.low_stock_threshold AS variant_threshold, p.low_stock_threshold AS product_threshold,
        v.reorder_point, v.reorder_quantity, NULL::timestamptz AS alert_open_since
      FROM product_variants v JOIN products p ON p.id = v.product_id
      WHERE v.sku > ${after} ORDER BY v.sku LIMIT ${pageSize}
    `.execute(db);
    if (rows.length === 0) return;
    yield rows.map((r) => toStockRow(r, fallback));
    after = rows[rows.length - 1]!.sku;
  }
}

const LEDGER_SELECT = sql`
  SELECT t.id::text AS id, t.created_at, t.type, t.variant_id, v.sku, p.name AS product, t.quantity,
    t.previous_stock, t.new_stock, t.reserved_delta, t.reason, t.batch_id, t.order_id, t.webhook_event_id,
    t.actor_label, t.reference, t.notes
  FROM inventory_transactions t
  JOIN product_variants v ON v.id = t.variant_id
  JOIN products p ON p.id = t.product_id`;

type LedgerSqlRow = Omit<TLedgerEntry, "createdAt"> & { createdAt: Date };
const toLedgerEntry = (r: LedgerSqlRow): TLedgerEntry => ({ ...r, createdAt: r.createdAt.toISOString() });

export async function listVariantLedger(db: DbOrTrx, raw: unknown): Promise<TLedgerEntry[]> {
  const input = ZVariantLedgerInput.parse(raw);
  const { rows } = await sql<LedgerSqlRow>`
    ${LEDGER_SELECT}
    WHERE t.variant_id = ${input.variantId} AND (${input.beforeId ?? null}::bigint IS NULL OR t.id < ${input.beforeId ?? null}::bigint)
    ORDER BY t.id DESC LIMIT ${input.limit}
  `.execute(db);
  return rows.map(toLedgerEntry);
}

export async function listBatchLedger(db: DbOrTrx, batchId: string): Promise<TLedgerEntry[]> {
  const { rows } =
    await sql<LedgerSqlRow>`${LEDGER_SELECT} WHERE t.batch_id = ${batchId} ORDER BY t.id`.execute(db);
  return rows.map(toLedgerEntry);
}

/** Turns "90m" / "1h" / "2d" / an ISO time into a Date. */
export function parseSince(since: string, now = new Date()): Date {
  const m = /^(\d+)\s*([mhd])$/.exec(since.trim());
  if (m)
    return new Date(
      now.getTime() - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"],
    );
  const d = new Date(since);
  if (Number.isNaN(d.getTime()))
    throw new DomainError("BAD_REQUEST", `Cannot read "${since}" as a time: use 30m, 1h, 2d or an ISO time`);
  return d;
}

/** What changed since a moment, across all variants: every ledger row and the net per variant. */
export async function listStockChanges(db: DbOrTrx, raw: unknown): Promise<TChangesReport> {
  const input = ZChangesInput.parse(raw);
  const since = parseSince(input.since);
  const { rows } = await sql<LedgerSqlRow>`
    ${LEDGER_SELECT} WHERE t.created_at >= ${since} ORDER BY t.id DESC LIMIT ${input.limit + 1}
  `.execute(db);
  const byVariant = await sql<TChangesReport["byVariant"][number]>`
    SELECT t.variant_id, v.sku, p.name AS product, sum(t.quantity)::int AS net, count(*)::int AS movements, v.stock_quantity AS stock_now
    FROM inventory_transactions t JOIN product_variants v ON v.id = t.variant_id JOIN products p ON p.id = t.product_id
    WHERE t.created_at >= ${since}
    GROUP BY t.variant_id, v.sku, p.name, v.stock_quantity
    ORDER BY abs(sum(t.quantity)) DESC, v.sku
  `.execute(db);
  return {
    since: since.toISOString(),
    entries: rows.slice(0, input.limit).map(toLedgerEntry),
    truncated: rows.length > input.limit,
    byVariant: byVariant.rows,
  };
}

export interface TLedgerMismatch {
  variantId: string;
  sku: string;
  stockQuantity: number;
  ledgerStock: number;
  reservedQuantity: number;
  ledgerReserved: number;
}

/** Variants whose stock or reserved count is not the sum of their ledger deltas (should be none). */
export async function findLedgerMismatches(db: DbOrTrx): Promise<TLedgerMismatch[]> {
  const { rows } = await sql<TLedgerMismatch>`
    SELECT v.id AS variant_id, v.sku, v.stock_quantity, coalesce(l.stock, 0)::int AS ledger_stock,
      v.reserved_quantity, coalesce(l.reserved, 0)::int AS ledger_reserved
    FROM product_variants v
    LEFT JOIN (SELECT variant_id, sum(quantity) AS stock, sum(reserved_delta) AS reserved
               FROM inventory_transactions GROUP BY variant_id) l ON l.variant_id = v.id
    WHERE v.stock_quantity <> coalesce(l.stock, 0) OR v.reserved_quantity <> coalesce(l.reserved, 0)
    ORDER BY v.sku
  `.execute(db);
  return rows;
}
