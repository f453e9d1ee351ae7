// Benchmark: a 10,000-variant physical count through applyInventoryReset, next to one hand-written
// SQL statement doing the same locks, updates and ledger inserts, each on a fresh database cloned
// from the same migrated template and filled with the same data. Prints figures; asserts nothing.
// Runs against DATABASE_URL (creates and drops its own databases, like the tests).
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import type { Actor } from "../src/audit/audit.service";
import type { Db } from "../src/db/database";
import {
  applyInventoryReset,
  exportInventoryCsvText,
  findLedgerMismatches,
  previewInventoryReset,
} from "../src/inventory/index";
import { createTestDatabase, dropTestDatabases, prepareTemplateDatabase } from "../src/testing/index";

const VARIANTS = 10_000;
const ROUNDS = 3;
const actor: Actor = { type: "USER", id: null, label: "bench" };

/** 100 products × 100 variants with opening stock, written the way the stock service would. */
async function fill(db: Db): Promise<void> {
  await sql`
    INSERT INTO products (name, slug, price_minor)
    SELECT 'Bench Saree ' || g, 'bench-saree-' || g, 100000 FROM generate_series(1, ${VARIANTS / 100}::int) g
  `.execute(db);
  await sql`
    INSERT INTO product_variants (product_id, sku, colour, stock_quantity)
    SELECT p.id, 'B-' || lpad(row_number() OVER (ORDER BY p.slug, g)::text, 6, '0'), 'Red', 20 + (g % 30)
    FROM products p, generate_series(1, 100) g;
    INSERT INTO inventory_transactions (type, product_id, variant_id, quantity, previous_stock, new_stock, reason, actor_type)
    SELECT 'RESTOCK', product_id, id, stock_quantity, 0, stock_quantity, 'bench opening stock', 'SYSTEM' FROM product_variants ORDER BY id;
    ANALYZE;
  `.execute(db);
}

/** Our export with every row's `counted` filled in (nearly every row changes). */
async function countFile(db: Db): Promise<{ csv: string; skus: string[]; counts: number[] }> {
  const [header, ...lines] = (await exportInventoryCsvText(db)).trimEnd().split("\n");
  const skus: string[] = [];
  const counts: number[] = [];
  const edited = lines.map((line, i) => {
    const count = 20 + ((i * 7) % 30);
    skus.push(line.split(",")[0]!);
    counts.push(count);
    return line.replace(/,,,$/, `,${count},,`);
  });
  return { csv: [header, ...edited].join("\n") + "\n", skus, counts };
}

/** The baseline: one statement that locks in id order, updates and writes the ledger. */
async function baseline(db: Db, skus: string[], counts: number[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`
      WITH input AS (SELECT * FROM unnest(${skus}::text[], ${counts}::int[]) AS i(sku, counted)),
      locked AS (
        SELECT v.id, v.product_id, v.stock_quantity, i.counted
        FROM product_variants v JOIN input i ON i.sku = v.sku ORDER BY v.id FOR UPDATE OF v
      ),
      updated AS (
        UPDATE product_variants v SET stock_quantity = l.counted, updated_at = now()
        FROM locked l WHERE v.id = l.id AND l.counted <> l.stock_quantity RETURNING v.id
      )
      INSERT INTO inventory_transactions (type, product_id, variant_id, quantity, previous_stock, new_stock, reason, actor_type, actor_label)
      SELECT 'ADJUSTMENT', product_id, id, counted - stock_quantity, stock_quantity, counted, 'baseline', 'USER', 'bench'
      FROM locked WHERE counted <> stock_quantity
    `.execute(trx);
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await fn();
  return [performance.now() - start, result];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  await prepareTemplateDatabase();
  const runs = { baseline: [] as number[], apply: [] as number[], preview: [] as number[] };
  let changed = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const [ours, theirs] = [await createTestDatabase(), await createTestDatabase()];
      try {
        await fill(ours.db);
        await fill(theirs.db);
        const file = await countFile(ours.db);
        const [previewMs, preview] = await timed(() =>
          previewInventoryReset(ours.db, { csv: file.csv, reason: "bench" }),
        );
        if (!preview.canApply)
          throw new Error(
            `bench file has problems: ${JSON.stringify(preview.rows.find((r) => r.problems.length))}`,
          );
        const [baselineMs] = await timed(() => baseline(theirs.db, file.skus, file.counts));
        const [applyMs, result] = await timed(() =>
          applyInventoryReset(ours.db, actor, {
            csv: file.csv,
            reason: "bench",
            batchKey: `bench-round-${round}`,
          }),
        );
        changed = result.changedCount;
        if ((await findLedgerMismatches(ours.db)).length > 0)
          throw new Error("ledger does not sum to stock after the apply");
        runs.preview.push(previewMs);
        runs.baseline.push(baselineMs);
        runs.apply.push(applyMs);
      } finally {
        await ours.drop();
        await theirs.drop();
      }
    }
  } finally {
    await dropTestDatabases();
  }

  const b = median(runs.baseline);
  const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;
  const line = (name: string, ms: number[], target: string) =>
    `| ${name.padEnd(38)} | ${fmt(median(ms))} | ${ms
      .map((m) => m.toFixed(0))
      .join(" / ")
      .padEnd(16)} | ${(median(ms) / b).toFixed(2).padStart(5)}× | ${target.padEnd(18)} |`;
  console.log(
    `\nInventory reset benchmark: ${VARIANTS} variants, ${changed} changed, median of ${ROUNDS} rounds (fresh databases each round)\n`,
  );
  console.log(
    `| ${"what".padEnd(38)} | ${"median".padEnd(9)} | ${"runs (ms)".padEnd(16)} | ratio  | ${"target".padEnd(18)} |`,
  );
  console.log(`|${"-".repeat(40)}|${"-".repeat(11)}|${"-".repeat(18)}|--------|${"-".repeat(20)}|`);
  console.log(line("baseline: one SQL statement", runs.baseline, "-"));
  console.log(line("applyInventoryReset (CSV → committed)", runs.apply, "≤ 3× and < 2000 ms"));
  console.log(line("previewInventoryReset (same file)", runs.preview, "< 1000 ms"));
  const ok = median(runs.apply) <= 3 * b && median(runs.apply) < 2000 && median(runs.preview) < 1000;
  console.log(
    `\n${ok ? "within" : "OUTSIDE"} targets. Apply includes CSV parsing, batch items, audit and the low-stock scan; the baseline gets parsed arrays.\n`,
  );
}

await main();
