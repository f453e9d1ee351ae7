// Inventory SQL: stock and ledger reads, variant locks and stock writes, reset batches, low-stock alerts.
import { type Insertable, type RawBuilder, type Selectable, sql, type Updateable } from "kysely";
import { z } from "zod";
import type {
  Db,
  DbOrTrx,
  InventoryBatchesTable,
  InventoryBatchItemsTable,
  InventoryTransactionsTable,
  Trx,
} from "../db/database";
import { DomainError, must } from "../errors";
import { isStorableTime, TIME_RANGE_MESSAGE } from "../input/input.schema";
import { decodeCursor, toPage, ZKeyBigint, ZKeyTime } from "../pagination/cursor";
import { newestFirst, type NewestFirstPage } from "../pagination/keyset";
import type { TPage } from "../pagination/pagination.schema";
import { SYSTEM_FLAGS } from "../system/system.schema";
import { getFlag } from "../system/system.service";
import {
  ZChangesInput,
  ZStockListInput,
  ZVariantLedgerInput,
  type TBatchItem,
  type TChangesPage,
  type TLedgerEntry,
  type TRollbackPreviewItem,
  type TScanResult,
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

// "all" pages by (product name, SKU), the other filters by urgency (available − threshold, SKU).
const ZStockByNameKey = z.tuple([z.string(), z.string()]);
const ZStockByUrgencyKey = z.tuple([z.number().int(), z.string()]);

export async function listStock(db: DbOrTrx, raw: TStockListInput = {}): Promise<TPage<TStockRow>> {
  const input = ZStockListInput.parse(raw);
  const byName = input.filter === "all";
  const after = byName
    ? decodeCursor(input.cursor, ZStockByNameKey)
    : decodeCursor(input.cursor, ZStockByUrgencyKey);
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
  const sortKey = byName ? sql`p.name` : sql`${available} - ${threshold}`;
  const limit = input.limit + 1;
  /**
   * One page of the variants that pass `match`, in list order. `order` is an expression that
   * sorts like the sort key, written as an index has it; `shift` is `order` minus the sort key.
   */
  const pageOf = (
    match: RawBuilder<unknown>,
    order: RawBuilder<unknown> = sortKey,
    shift?: RawBuilder<unknown>,
  ) => sql<StockSqlRow>`
    SELECT v.id AS variant_id, p.id AS product_id, v.sku, p.name AS product, ${OPTIONS_SQL} AS options,
      p.status AS product_status, v.stock_quantity AS on_hand, v.reserved_quantity AS reserved,
      v.low_stock_threshold AS variant_threshold, p.low_stock_threshold AS product_threshold,
      v.reorder_point, v.reorder_quantity, a.opened_at AS alert_open_since, ${sortKey} AS sort_key
    FROM product_variants v
    JOIN products p ON p.id = v.product_id
    LEFT JOIN inventory_low_stock_alerts a ON a.variant_id = v.id AND a.resolved_at IS NULL
    WHERE ${filters[input.filter]} AND ${match}
      ${after ? sql`AND (${order}, v.sku) > (${shift ? sql`${after[0]} + ${shift}` : after[0]}, ${after[1]})` : sql``}
      ${after && byName ? sql`AND p.name >= ${after[0]}` : sql``}
    ORDER BY ${order}, v.sku
    LIMIT ${limit}`;
  const merged = (...parts: RawBuilder<StockSqlRow>[]) => sql<StockSqlRow>`
    SELECT * FROM (${sql.join(
      parts.map((part) => sql`(${part})`),
      sql` UNION `,
    )}) m ORDER BY sort_key, sku LIMIT ${limit}`;
  // A search is a page of SKU matches merged with a page of product-name matches: each half can
  // use its own index (trigram for a rare text, the list order for a common one), where
  // `v.sku ILIKE … OR p.name ILIKE …` across the join reads every variant.
  // "low" unfiltered merges a page for each source of the threshold: the variant's own and the
  // default each walk a partial expression index in urgency order and stop after a page (the
  // computed threshold across the join matched no index, so every variant was read and sorted);
  // the product's own threshold is rare and read by product.
  const { rows } = await (
    search !== null
      ? merged(pageOf(sql`v.sku ILIKE ${search}`), pageOf(sql`p.name ILIKE ${search}`))
      : input.filter === "low"
        ? merged(
            pageOf(
              sql`v.low_stock_threshold IS NOT NULL AND (v.stock_quantity - v.reserved_quantity - v.low_stock_threshold) <= 0`,
              sql`(v.stock_quantity - v.reserved_quantity - v.low_stock_threshold)`,
            ),
            pageOf(sql`v.low_stock_threshold IS NULL AND p.low_stock_threshold IS NOT NULL`),
            pageOf(
              sql`v.low_stock_threshold IS NULL AND p.low_stock_threshold IS NULL AND ${available} <= ${fallback}::int`,
              available,
              sql`${fallback}::int`,
            ),
          )
        : pageOf(sql`true`)
  ).execute(db);
  return toPage(
    rows,
    input.limit,
    (r) => toStockRow(r, fallback),
    (r) => {
      const row = toStockRow(r, fallback);
      return byName ? [row.product, row.sku] : [row.available - row.threshold, row.sku];
    },
  );
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
    after = must(rows.at(-1), "a non-empty page has a last row").sku;
  }
}

const LEDGER_COLUMNS = sql`
  t.id::text AS id, t.created_at, t.type, t.variant_id, v.sku, p.name AS product, t.quantity,
    t.previous_stock, t.new_stock, t.reserved_delta, t.reason, t.batch_id, t.order_id, t.webhook_event_id,
    t.actor_label, t.reference, t.notes`;
const LEDGER_FROM = sql`
  FROM inventory_transactions t
  JOIN product_variants v ON v.id = t.variant_id
  JOIN products p ON p.id = t.product_id`;
const LEDGER_SELECT = sql`SELECT ${LEDGER_COLUMNS} ${LEDGER_FROM}`;

type LedgerSqlRow = Omit<TLedgerEntry, "createdAt"> & { createdAt: Date };
const toLedgerEntry = (r: LedgerSqlRow): TLedgerEntry => ({ ...r, createdAt: r.createdAt.toISOString() });

// Ledger ids come from one sequence and are unique: the id alone orders pages.
const ZLedgerKey = z.tuple([ZKeyBigint]);

export async function listVariantLedger(db: DbOrTrx, raw: unknown): Promise<TPage<TLedgerEntry>> {
  const input = ZVariantLedgerInput.parse(raw);
  const after = decodeCursor(input.cursor, ZLedgerKey);
  const { rows } = await sql<LedgerSqlRow>`
    ${LEDGER_SELECT}
    WHERE t.variant_id = ${input.variantId} ${after ? sql`AND t.id < ${after[0]}::bigint` : sql``}
    ORDER BY t.id DESC LIMIT ${input.limit + 1}
  `.execute(db);
  return toPage(rows, input.limit, toLedgerEntry, (r) => [r.id]);
}

export async function listBatchLedger(db: DbOrTrx, batchId: string): Promise<TLedgerEntry[]> {
  const { rows } =
    await sql<LedgerSqlRow>`${LEDGER_SELECT} WHERE t.batch_id = ${batchId} ORDER BY t.id`.execute(db);
  return rows.map(toLedgerEntry);
}

/** Turns "90m" / "1h" / "2d" / an ISO time into a Date. */
export function parseSince(since: string, now = new Date()): Date {
  const m = /^(\d+)\s*([mhd])$/.exec(since.trim());
  const d = m
    ? new Date(
        now.getTime() - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"],
      )
    : new Date(since);
  if (Number.isNaN(d.getTime()) && !m)
    throw new DomainError(
      "BAD_REQUEST",
      `since: cannot read "${since}" as a time: use 30m, 1h, 2d or an ISO time`,
    );
  if (!isStorableTime(d))
    throw new DomainError("BAD_REQUEST", `since: "${since}" is out of range. ${TIME_RANGE_MESSAGE}`);
  return d;
}

// The window rides in the cursor: its start, so "1h" means the same hour on every page, and its
// end, the database's time when the first page was read. A cursor from before the end was pinned
// (id and start only) still reads, with the window open-ended as it was then.
const ZChangesKey = z.union([
  z.tuple([ZKeyBigint, z.iso.datetime(), ZKeyTime]),
  z.tuple([ZKeyBigint, z.iso.datetime()]),
]);

type TChangesSummary = Pick<TChangesPage, "byVariant" | "totals">;

/** How many variants a window's summary lists: the largest net changes, most recently moved first among equals. */
export const CHANGES_SUMMARY_TOP = 50;

/**
 * Window summaries by listing (start and end), per database handle. A listing's later pages
 * return the summary its first page computed instead of recomputing it: the same summary on
 * every page, stock on hand included, even if stock moved meanwhile. A summary is at most
 * CHANGES_SUMMARY_TOP rows and two totals, so a handle's cache holds at most 16 of them (~100 KB;
 * before the summary was capped, up to ~20 MB); entries expire after 15 minutes. A miss (another server, the CLI's next process, an
 * evicted entry) recomputes it over the same pinned window.
 */
const summaryCache = new WeakMap<Db, Map<string, { storedAt: number; summary: TChangesSummary }>>();
const SUMMARY_CACHE_LIMITS = { entries: 16, ageMs: 15 * 60_000 };

function cachedSummary(db: Db, key: string): TChangesSummary | undefined {
  const entry = summaryCache.get(db)?.get(key);
  return entry && Date.now() - entry.storedAt < SUMMARY_CACHE_LIMITS.ageMs ? entry.summary : undefined;
}

function cacheSummary(db: Db, key: string, summary: TChangesSummary): void {
  let entries = summaryCache.get(db);
  if (!entries)
    summaryCache.set(db, (entries = new Map<string, { storedAt: number; summary: TChangesSummary }>()));
  entries.delete(key);
  entries.set(key, { storedAt: Date.now(), summary });
  // Oldest first (insertion order).
  for (const k of entries.keys()) {
    if (entries.size <= SUMMARY_CACHE_LIMITS.entries) break;
    entries.delete(k);
  }
}

// Every ledger column is null in the one row of an empty page (n with them).
type ChangesSqlRow = LedgerSqlRow & { n: string | null; asOf: string; summary: TChangesSummary | null };

/**
 * What changed since a moment, across all variants: ledger rows by page, and the window's totals
 * with the CHANGES_SUMMARY_TOP variants whose stock moved most. One statement, so the page and the
 * summary read the same snapshot and the same window: a first page's end is its statement's time,
 * pinned in its cursor, and every row its summary counts is on one of the listing's pages.
 */
export async function listStockChanges(db: Db, raw: unknown): Promise<TChangesPage> {
  const input = ZChangesInput.parse(raw);
  const after = decodeCursor(input.cursor, ZChangesKey);
  const since = after ? new Date(after[1]) : parseSince(input.since);
  // A first page reads up to now (its statement's time, microseconds kept: a Date would drop
  // them) and pins that end in its cursor; later pages read up to it. A cursor from before the
  // end was pinned (id and start only) reads an open-ended window, as it did then.
  const until = after ? (after[2] ?? null) : undefined;
  const end =
    until === undefined
      ? sql`AND created_at <= now()`
      : until
        ? sql`AND created_at <= ${until}::timestamptz`
        : sql``;
  const cached = until ? cachedSummary(db, `${since.toISOString()} ${until}`) : undefined;
  // The window from the covering time index alone (ids need not follow time: backdated or
  // imported rows). The summary sums it per variant, then looks up only the variants it lists,
  // each by its key (OFFSET 0 keeps the lookup a per-row probe of the ids' hash indexes); the
  // page takes its ids from it, then reads only those rows whole.
  const summary = cached
    ? sql`NULL::json`
    : sql`(
        WITH moved AS (
          SELECT variant_id, product_id, sum(quantity)::int AS net, count(*)::int AS movements, max(id) AS last_id
          FROM w GROUP BY variant_id, product_id
        ), top AS (
          SELECT * FROM moved ORDER BY abs(net) DESC, last_id DESC LIMIT ${CHANGES_SUMMARY_TOP}
        )
        SELECT json_build_object(
          'totals', (SELECT json_build_object('variants', count(*), 'movements', coalesce(sum(movements), 0)) FROM moved),
          'byVariant', (
            SELECT coalesce(json_agg(json_build_object('variantId', m.variant_id, 'sku', x.sku,
                'product', x.product, 'net', m.net, 'movements', m.movements, 'stockNow', x.stock_now)
              ORDER BY abs(m.net) DESC, m.last_id DESC), '[]')
            FROM top m CROSS JOIN LATERAL (
              SELECT v.sku, p.name AS product, v.stock_quantity AS stock_now
              FROM product_variants v JOIN products p ON p.id = m.product_id
              WHERE v.id = m.variant_id OFFSET 0
            ) x
          )
        )
      )`;
  // One row even when the page is empty: the summary rides on the first row only. The window is
  // read once: Postgres materializes w when both the summary and the page read it, and inlines it
  // into the page's id lookup when the summary came from the cache.
  const { rows } = await sql<ChangesSqlRow>`
    WITH w AS (
      SELECT id, variant_id, product_id, quantity FROM inventory_transactions
      WHERE created_at >= ${since} ${end}
    ), ids AS (
      SELECT id FROM w ${after ? sql`WHERE id < ${after[0]}::bigint` : sql``}
      ORDER BY id DESC LIMIT ${input.limit + 1}
    ), s AS (
      SELECT ${summary} AS summary,
        to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS as_of
    )
    SELECT CASE WHEN r.n IS NULL OR r.n = 1 THEN s.summary END AS summary, s.as_of, r.*
    FROM s LEFT JOIN LATERAL (
      SELECT row_number() OVER (ORDER BY t.id DESC) AS n, ${LEDGER_COLUMNS}
      ${LEDGER_FROM}
      WHERE t.id IN (SELECT id FROM ids)
      ORDER BY t.id DESC
    ) r ON true
  `.execute(db);
  const head = must(rows[0], "the summary row");
  const found = cached ?? must(head.summary, "the window's summary");
  const pinned = until === undefined ? head.asOf : until;
  if (pinned && !cached) cacheSummary(db, `${since.toISOString()} ${pinned}`, found);
  const entries = rows.filter((r) => r.n !== null);
  return {
    ...toPage(
      entries,
      input.limit,
      ({ asOf: _a, summary: _s, n: _n, ...r }) => toLedgerEntry(r),
      (r) => (pinned ? [r.id, since.toISOString(), pinned] : [r.id, since.toISOString()]),
    ),
    since: since.toISOString(),
    totals: found.totals,
    byVariant: found.byVariant,
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

/** The global default threshold flag, read inside the statement that needs it (a scan runs on every stock change). */
export const defaultThresholdSql = sql<number>`coalesce(
  (SELECT CASE WHEN jsonb_typeof(value) = 'number' THEN (value #>> '{}')::int END FROM system_config WHERE key = 'low_stock_default_threshold'),
  ${sql.lit(SYSTEM_FLAGS.low_stock_default_threshold.default)}::int)`;

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

/** Which of these idempotency keys some ledger row already carries. */
export async function selectAppliedIdempotencyKeys(db: DbOrTrx, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<{ idempotencyKey: string }>`
    SELECT idempotency_key FROM inventory_transactions WHERE idempotency_key = ANY(${keys}::text[])
  `.execute(db);
  return rows.map((r) => r.idempotencyKey);
}

/** Sets on-hand and reserved counts of locked variants in one statement. */
export async function writeVariantStock(
  trx: Trx,
  variants: readonly { id: string; stockQuantity: number; reservedQuantity: number }[],
): Promise<void> {
  await sql`
    UPDATE product_variants v SET stock_quantity = u.stock, reserved_quantity = u.reserved, updated_at = now()
    FROM unnest(${variants.map((v) => v.id)}::uuid[], ${variants.map((v) => v.stockQuantity)}::int[], ${variants.map((v) => v.reservedQuantity)}::int[]) AS u(id, stock, reserved)
    WHERE v.id = u.id
  `.execute(trx);
}

/** A ledger row as the stock service writes it: every column given, metadata as an object. */
export type NewLedgerRow = Required<
  Omit<Insertable<InventoryTransactionsTable>, "createdAt" | "metadata">
> & { metadata: Record<string, unknown> };

/** Inserts ledger rows in one statement; returns their ids in input order. */
export async function insertLedgerRows(trx: Trx, entries: readonly NewLedgerRow[]): Promise<string[]> {
  const col = <T>(f: (e: NewLedgerRow) => T) => entries.map(f);
  const { rows } = await sql<{ id: string }>`
    INSERT INTO inventory_transactions (type, product_id, variant_id, quantity, previous_stock, new_stock,
      reserved_delta, previous_reserved, new_reserved, reason, batch_id, order_id, webhook_event_id,
      idempotency_key, actor_type, actor_id, actor_label, reference, notes, metadata)
    SELECT t, p, v, q, ps, ns, rd, pr, nr, r, b, o, w, k, at, ai, al, ref, n, md::jsonb
    FROM unnest(
      ${col((e) => e.type)}::text[], ${col((e) => e.productId)}::uuid[], ${col((e) => e.variantId)}::uuid[],
      ${col((e) => e.quantity)}::int[], ${col((e) => e.previousStock)}::int[], ${col((e) => e.newStock)}::int[],
      ${col((e) => e.reservedDelta)}::int[], ${col((e) => e.previousReserved)}::int[], ${col((e) => e.newReserved)}::int[],
      ${col((e) => e.reason)}::text[], ${col((e) => e.batchId)}::uuid[], ${col((e) => e.orderId)}::uuid[],
      ${col((e) => e.webhookEventId)}::text[], ${col((e) => e.idempotencyKey)}::text[],
      ${col((e) => e.actorType)}::text[], ${col((e) => e.actorId)}::text[], ${col((e) => e.actorLabel)}::text[],
      ${col((e) => e.reference)}::text[], ${col((e) => e.notes)}::text[],
      ${col((e) => JSON.stringify(e.metadata))}::text[]
    ) WITH ORDINALITY AS x(t, p, v, q, ps, ns, rd, pr, nr, r, b, o, w, k, at, ai, al, ref, n, md, ord)
    ORDER BY ord
    RETURNING id
  `.execute(trx);
  // ids come from one sequence in insertion (ordinality) order, so sorted ids line up with entries.
  return rows
    .map((r) => BigInt(r.id))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((id) => id.toString());
}

/**
 * Opens an alert for every active variant whose available stock is at or below its threshold
 * and that has no open alert; resolves open alerts whose variant recovered (or left the
 * catalogue). With `variantIds`, looks only at those (the stock service passes what it moved);
 * without, at every variant (the scheduled scan). Safe to run concurrently.
 */
export async function scanLowStock(db: DbOrTrx, variantIds?: readonly string[]): Promise<TScanResult> {
  const all = variantIds === undefined;
  const { rows } = await sql<{ opened: string; resolved: string }>`
    WITH fallback AS (SELECT ${defaultThresholdSql} AS threshold),
    state AS (
      SELECT v.id, v.stock_quantity - v.reserved_quantity AS available,
        coalesce(v.low_stock_threshold, p.low_stock_threshold, (SELECT f.threshold FROM fallback f)) AS threshold,
        p.status = 'ACTIVE' AS active
      FROM product_variants v JOIN products p ON p.id = v.product_id
      WHERE ${all} OR v.id = ANY(${variantIds ?? []}::uuid[])
    ),
    opened AS (
      INSERT INTO inventory_low_stock_alerts (variant_id, threshold, available_at_open)
      SELECT id, threshold, available FROM state WHERE active AND available <= threshold
      ON CONFLICT (variant_id) WHERE resolved_at IS NULL DO NOTHING
      RETURNING 1
    ),
    resolved AS (
      UPDATE inventory_low_stock_alerts a SET resolved_at = now(), available_at_resolve = s.available
      FROM state s
      WHERE a.variant_id = s.id AND a.resolved_at IS NULL AND (NOT s.active OR s.available > s.threshold)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM opened) AS opened, (SELECT count(*) FROM resolved) AS resolved
  `.execute(db);
  return { opened: Number(rows[0]?.opened ?? 0), resolved: Number(rows[0]?.resolved ?? 0) };
}

export type ThresholdColumn = "lowStockThreshold" | "reorderPoint" | "reorderQuantity";

/**
 * Sets one threshold column on the given variants (all when `variantIds` is omitted); returns
 * the ids changed. `onlyWhereUnset` leaves variants whose value is set, and for the low-stock
 * threshold also those whose product sets one.
 */
export async function updateVariantThreshold(
  trx: Trx,
  column: ThresholdColumn,
  value: number | null,
  opts: { variantIds?: readonly string[] | undefined; onlyWhereUnset: boolean },
): Promise<string[]> {
  const values: Partial<Record<ThresholdColumn, number | null>> = { [column]: value };
  let q = trx.updateTable("productVariants").set({ ...values, updatedAt: new Date() });
  // One array parameter however many ids: an IN list binds one each and Postgres stops at 65,535.
  if (opts.variantIds) q = q.where(sql<boolean>`id = ANY(${[...opts.variantIds]}::uuid[])`);
  if (opts.onlyWhereUnset) {
    q = q.where(column, "is", null);
    if (column === "lowStockThreshold")
      q = q.where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom("products")
              .select("products.id")
              .whereRef("products.id", "=", "productVariants.productId")
              .where("products.lowStockThreshold", "is not", null),
          ),
        ),
      );
  }
  const rows = await q.returning("id").execute();
  return rows.map((r) => r.id);
}

export type InventoryBatchRow = Selectable<InventoryBatchesTable>;

/**
 * Inserts the batch unless its key exists; undefined when it does. A second claim of a key
 * waits for the first claimant's transaction to end.
 */
export async function claimBatchKey(
  trx: Trx,
  row: Insertable<InventoryBatchesTable>,
): Promise<{ id: string; createdAt: Date } | undefined> {
  return trx
    .insertInto("inventoryBatches")
    .values(row)
    .onConflict((oc) => oc.column("batchKey").doNothing())
    .returning(["id", "createdAt"])
    .executeTakeFirst();
}

export async function selectBatchByKey(db: DbOrTrx, batchKey: string): Promise<InventoryBatchRow> {
  return db
    .selectFrom("inventoryBatches")
    .selectAll()
    .where("batchKey", "=", batchKey)
    .executeTakeFirstOrThrow();
}

export async function selectBatch(db: DbOrTrx, batchId: string): Promise<InventoryBatchRow | undefined> {
  return db.selectFrom("inventoryBatches").selectAll().where("id", "=", batchId).executeTakeFirst();
}

export async function lockBatch(trx: Trx, batchId: string): Promise<InventoryBatchRow | undefined> {
  return trx
    .selectFrom("inventoryBatches")
    .selectAll()
    .where("id", "=", batchId)
    .forUpdate()
    .executeTakeFirst();
}

/** Newest first, by (createdAt, id). */
export async function selectBatches(db: DbOrTrx, page: NewestFirstPage) {
  return newestFirst(
    db.selectFrom("inventoryBatches").selectAll(),
    { time: "createdAt", id: "id" },
    page,
  ).execute();
}

export async function updateBatch(
  db: DbOrTrx,
  batchId: string,
  changes: Updateable<InventoryBatchesTable>,
): Promise<void> {
  await db.updateTable("inventoryBatches").set(changes).where("id", "=", batchId).execute();
}

export async function insertBatchItems(
  trx: Trx,
  batchId: string,
  items: readonly Omit<InventoryBatchItemsTable, "batchId">[],
): Promise<void> {
  const col = <T>(f: (i: Omit<InventoryBatchItemsTable, "batchId">) => T) => items.map(f);
  await sql`
    INSERT INTO inventory_batch_items (batch_id, variant_id, previous_stock, new_stock, delta, reason, notes)
    SELECT ${batchId}::uuid, v, ps, ns, d, r, n FROM unnest(
      ${col((i) => i.variantId)}::uuid[], ${col((i) => i.previousStock)}::int[], ${col((i) => i.newStock)}::int[],
      ${col((i) => i.delta)}::int[], ${col((i) => i.reason)}::text[], ${col((i) => i.notes)}::text[]
    ) AS x(v, ps, ns, d, r, n)
  `.execute(trx);
}

/** A batch's items by SKU; `changedOnly` leaves out rows whose count matched. */
export async function selectBatchItems(
  db: DbOrTrx,
  batchId: string,
  changedOnly: boolean,
): Promise<TBatchItem[]> {
  let q = db
    .selectFrom("inventoryBatchItems as i")
    .innerJoin("productVariants as v", "v.id", "i.variantId")
    .innerJoin("products as p", "p.id", "v.productId")
    .select([
      "i.variantId",
      "v.sku",
      "p.name as product",
      "i.previousStock",
      "i.newStock",
      "i.delta",
      "i.reason",
      "i.notes",
    ])
    .where("i.batchId", "=", batchId);
  if (changedOnly) q = q.where("i.delta", "<>", 0);
  return q.orderBy("v.sku").execute();
}

export type RollbackItemRow = Omit<TRollbackPreviewItem, "stockAfterRollback" | "wouldGoNegative">;

/** Per changed item of a batch: its delta, stock now, and how many movements came after the batch. */
export async function selectRollbackItems(db: DbOrTrx, batchId: string): Promise<RollbackItemRow[]> {
  const { rows } = await sql<RollbackItemRow>`
    WITH last AS (SELECT max(id) AS id FROM inventory_transactions WHERE batch_id = ${batchId} AND type = 'ADJUSTMENT')
    SELECT i.variant_id, v.sku, p.name AS product, i.delta AS batch_delta, v.stock_quantity AS current_stock,
      (SELECT count(*)::int FROM inventory_transactions t WHERE t.variant_id = i.variant_id AND t.id > (SELECT id FROM last)) AS movements_since
    FROM inventory_batch_items i JOIN product_variants v ON v.id = i.variant_id JOIN products p ON p.id = v.product_id
    WHERE i.batch_id = ${batchId} AND i.delta <> 0
    ORDER BY v.sku
  `.execute(db);
  return rows;
}

/**
 * Product names of variants, keyed by variant id. `= ANY(array)` binds one parameter however
 * many ids a count has; `IN (…)` would hit Postgres's 65,535-parameter limit.
 */
export async function selectProductNamesByVariant(
  db: DbOrTrx,
  variantIds: readonly string[],
): Promise<Map<string, string>> {
  const { rows } = await sql<{ id: string; name: string }>`
    SELECT v.id, p.name FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.id = ANY(${variantIds}::uuid[])
  `.execute(db);
  return new Map(rows.map((r) => [r.id, r.name]));
}
