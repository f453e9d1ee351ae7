// ops inventory …: export, physical-count reset (preview unless --apply), batch rollback,
// what changed, low stock and bulk thresholds.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { InvalidArgumentError, type Command } from "commander";
import { loadEnv } from "../env";
import { DomainError } from "@radha/core/errors";
import {
  applyUploadedReset,
  countFileTooLarge,
  listInventoryBatches,
  listLowStock,
  listStockChanges,
  previewBatchRollback,
  previewUploadedReset,
  rollbackInventoryBatch,
  setStockThresholds,
  storeCountUpload,
  streamInventoryCsv,
  type CountFile,
} from "@radha/core/inventory";
import { MAX_COUNT_FILE_BYTES, type TResetPreview } from "@radha/core/inventory/schema";
import { contextFor } from "../lib/context";
import { EXIT } from "../lib/errors";
import { examples, parseUuid } from "../lib/options";
import { pagingOptions, printNextPage, type PagingOptions } from "../lib/paging";
import type { Output } from "../lib/output";

/** Paths are relative to where the user ran `pnpm ops`, not to the CLI package. */
function userPath(file: string): string {
  return path.resolve(loadEnv().INIT_CWD ?? process.cwd(), file);
}

async function readCountFile(file: string): Promise<CountFile> {
  const full = userPath(file);
  const info = await stat(full).catch(() => null);
  if (!info?.isFile()) throw new DomainError("NOT_FOUND", `No file at ${full}`);
  // Refuse before reading a huge file into memory; core checks again on the bytes.
  if (info.size > MAX_COUNT_FILE_BYTES) throw countFileTooLarge(info.size);
  return { fileName: path.basename(full), content: await readFile(full) };
}

function parseCount(value: string): number {
  if (/^\d+$/.test(value.trim())) return Number(value);
  throw new InvalidArgumentError(`"${value}" is not a whole number of units`);
}

function printPreview(out: Output, p: TResetPreview): void {
  out.line(
    `Read ${p.rowCount} rows (${p.source === "SHOPIFY" ? "Shopify export" : p.source === "EXPORT" ? "ops export" : "sku,count lines"})${p.ignoredCount ? `, ignored ${p.ignoredCount} without a new value` : ""}.`,
  );
  const shown = p.rows.filter((r) => r.problems.length > 0 || r.delta !== 0);
  if (shown.length > 0) {
    out.table(
      ["line", "sku", "product", "on hand", "counted", "delta", "problems"],
      shown
        .slice(0, 200)
        .map((r) => [
          r.line,
          r.sku,
          r.product,
          r.previous,
          r.counted,
          r.delta === null ? null : r.delta > 0 ? `+${r.delta}` : r.delta,
          r.problems.map((x) => x.message).join("; "),
        ]),
    );
    if (shown.length > 200) out.note(`… ${shown.length - 200} more rows (use --json for all of them)`);
  }
  out.line(`${p.changedCount} change, ${p.unchangedCount} already match, ${p.problemCount} with problems.`);
}

export function registerInventoryCommands(program: Command): void {
  const inventory = program
    .command("inventory")
    .description("Stock: export, physical-count reset and rollback, changes, low stock")
    .addHelpText(
      "after",
      examples(
        "ops inventory export --out counts.csv",
        'ops inventory reset --file counts.csv --reason "Q4 count"',
        "ops inventory changes --since 1h",
        "ops inventory low-stock",
      ),
    );

  inventory
    .command("export")
    .description(
      "One CSV row per variant: sku, product, options, on hand, reserved, available, threshold, reorder point; fill `counted` to make a reset file",
    )
    .option("--out <file>", "write to this file instead of stdout")
    .addHelpText(
      "after",
      examples("ops inventory export --out counts.csv", "ops inventory export > stock.csv"),
    )
    .action(async (opts: { out?: string }, command: Command) => {
      const { out, withDb } = contextFor(command);
      const target: Writable = opts.out ? createWriteStream(userPath(opts.out)) : process.stdout;
      // The same stream GET /api/files/inventory/stock.csv sends, written to a file or stdout.
      const written = await withDb(async (db) => {
        const { csv, variantsWritten } = streamInventoryCsv(db);
        await pipeline(csv, target);
        return variantsWritten();
      });
      if (opts.out) out.note(`Wrote ${written} variants to ${userPath(opts.out)}`);
    });

  inventory
    .command("reset")
    .description(
      "Physical-count reset from a CSV (our export with `counted` filled, a Shopify inventory export, or sku,count lines). Preview unless --apply.",
    )
    .requiredOption("--file <file>", `count file (at most ${MAX_COUNT_FILE_BYTES / 1024 / 1024} MB)`)
    .requiredOption("--reason <reason>", "why, recorded on every ledger row")
    .option("--apply", "apply the batch (default: preview only, nothing written)")
    .option(
      "--batch-key <key>",
      "idempotency key: applying the same key twice applies once (default: derived from file and reason)",
    )
    .option("--reference <ref>", "reference number, e.g. INV-2026-001")
    .option("--notes <notes>", "notes for the whole batch")
    .option(
      "--skip-problems",
      "apply the good rows and skip rows with problems (default: reject the whole batch)",
    )
    .addHelpText(
      "after",
      examples(
        'ops inventory reset --file counts.csv --reason "Q4 count"',
        'ops inventory reset --file counts.csv --reason "Q4 count" --reference INV-2026-001 --apply',
        'ops inventory reset --file shopify.csv --reason "store count" --skip-problems --apply --json',
      ),
    )
    .action(
      async (
        opts: {
          file: string;
          reason: string;
          apply?: boolean;
          batchKey?: string;
          reference?: string;
          notes?: string;
          skipProblems?: boolean;
        },
        command: Command,
      ) => {
        const { out, actor, withDb } = contextFor(command);
        const file = await readCountFile(opts.file);
        // Stored as an upload through the service POST /api/files/inventory/counts uses, then
        // previewed or applied by id as the console and API clients do.
        const { uploadId } = await withDb((db) => storeCountUpload(db, actor, file));
        const input = {
          uploadId,
          reason: opts.reason,
          reference: opts.reference,
          notes: opts.notes,
          onProblem: opts.skipProblems ? ("SKIP" as const) : ("REJECT" as const),
        };
        if (!opts.apply) {
          const preview = await withDb((db) => previewUploadedReset(db, input));
          out.result(preview, (p) => {
            printPreview(out, p);
            out.line(
              p.canApply
                ? `Preview only: stock is unchanged (the count file is kept as upload ${uploadId}). Add --apply to apply.`
                : "This batch cannot be applied as it is: fix the rows above, or add --skip-problems.",
            );
          });
          if (!preview.canApply) process.exitCode = EXIT.FAILURE;
          return;
        }
        const batchKey =
          opts.batchKey ??
          `file-${createHash("sha256").update(file.content).update("\0").update(opts.reason).digest("hex").slice(0, 24)}`;
        const result = await withDb((db) => applyUploadedReset(db, actor, { ...input, batchKey }));
        out.result(result, (r) => {
          if (r.alreadyApplied)
            out.line(
              `Batch ${r.batchKey} was already applied at ${r.createdAt} (batch ${r.batchId}); nothing changed. Use another --batch-key to apply this count again.`,
            );
          else
            out.line(
              `Applied batch ${r.batchId} (key ${r.batchKey}): ${r.changedCount} variants changed, ${r.rowCount} rows counted${r.skippedCount ? `, ${r.skippedCount} rows skipped` : ""}.`,
            );
          out.note(`Undo with: ops inventory rollback ${r.batchId}`);
        });
      },
    );

  inventory
    .command("rollback")
    .description("Undo one reset batch's deltas exactly (sales since are kept). Preview unless --apply.")
    .argument("<batch>", "batch id, from `ops inventory batches`", parseUuid("batch"))
    .option("--apply", "roll back (default: preview only)")
    .option("--reason <reason>", "why (required with --apply)")
    .addHelpText(
      "after",
      examples(
        "ops inventory rollback 3f0c…",
        'ops inventory rollback 3f0c… --apply --reason "counted the wrong shelf"',
      ),
    )
    .action(async (batchId: string, opts: { apply?: boolean; reason?: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      if (!opts.apply) {
        const preview = await withDb((db) => previewBatchRollback(db, batchId));
        out.result(preview, (p) => {
          out.table(
            ["sku", "product", "batch delta", "on hand now", "after rollback", "moved since"],
            p.items.map((i) => [
              i.sku,
              i.product,
              i.batchDelta,
              i.currentStock,
              i.wouldGoNegative ? `${i.stockAfterRollback} (negative!)` : i.stockAfterRollback,
              i.movementsSince || "",
            ]),
          );
          out.line(
            `${p.items.length} variants to undo; ${p.changedSinceCount} changed since the batch (their later movements are kept).`,
          );
          out.line(
            p.canRollback
              ? 'Preview only. Add --apply --reason "…" to roll back.'
              : `Cannot roll back: ${p.blockedBecause}`,
          );
        });
        if (!preview.canRollback) process.exitCode = EXIT.FAILURE;
        return;
      }
      if (!opts.reason)
        throw new DomainError(
          "BAD_REQUEST",
          "--reason is required with --apply: say why the batch is rolled back",
        );
      const reason = opts.reason;
      const result = await withDb((db) => rollbackInventoryBatch(db, actor, { batchId, reason }));
      out.result(result, (r) =>
        out.line(
          r.alreadyRolledBack
            ? `Batch ${r.batchId} was already rolled back at ${r.rolledBackAt}; nothing changed.`
            : `Rolled back batch ${r.batchId}: ${r.rolledBackCount} variants restored.`,
        ),
      );
    });

  pagingOptions(inventory.command("batches").description("Reset batches, newest first"), {
    default: 20,
    max: 200,
  }).action(async (opts: PagingOptions, command: Command) => {
    const { out, withDb } = contextFor(command);
    const batches = await withDb((db) => listInventoryBatches(db, opts));
    out.result(batches, (page) => {
      out.table(
        ["id", "created", "by", "status", "rows", "changed", "reason"],
        page.items.map((b) => [
          b.id,
          b.createdAt,
          b.actorLabel,
          b.status,
          b.rowCount,
          b.changedCount,
          b.reason,
        ]),
      );
      printNextPage(out, page);
    });
  });

  pagingOptions(
    inventory
      .command("changes")
      .description("Every stock movement since a moment, and the net change per variant")
      .option("--since <when>", 'a duration ("30m", "1h", "2d") or an ISO time', "1h"),
    { default: 1000, max: 5000 },
  )
    .addHelpText(
      "after",
      examples(
        "ops inventory changes --since 1h",
        "ops inventory changes --since 2026-11-28T09:00:00Z --json",
      ),
    )
    .action(async (opts: PagingOptions & { since: string }, command: Command) => {
      const { out, withDb } = contextFor(command);
      const report = await withDb((db) => listStockChanges(db, opts));
      out.result(report, (r) => {
        if (r.items.length === 0) {
          out.line(`No stock movements since ${r.since}.`);
          return;
        }
        out.table(
          ["time", "type", "sku", "qty", "before", "after", "reason", "by"],
          r.items.map((e) => [
            e.createdAt,
            e.type,
            e.sku,
            e.quantity,
            e.previousStock,
            e.newStock,
            e.reason,
            e.actorLabel,
          ]),
        );
        out.line(`${r.totals.movements} movements on ${r.totals.variants} variants since ${r.since}.`);
        printNextPage(out, r);
      });
    });

  pagingOptions(
    inventory
      .command("low-stock")
      .description(
        "Variants at or below their threshold or reorder point, with suggested reorder quantities",
      ),
    { default: 200, max: 1000 },
  ).action(async (opts: PagingOptions, command: Command) => {
    const { out, withDb } = contextFor(command);
    const page = await withDb((db) => listLowStock(db, opts));
    out.result(page, ({ items: list }) => {
      if (list.length === 0) {
        out.line("Nothing needs attention: every active variant is above its threshold.");
        return;
      }
      out.table(
        ["sku", "product", "available", "threshold", "reorder point", "why", "suggested reorder"],
        list.map((r) => [
          r.sku,
          r.product,
          r.available,
          `${r.threshold} (${r.thresholdSource})`,
          r.reorderPoint,
          r.reason,
          r.suggestedReorderQuantity,
        ]),
      );
      printNextPage(out, page);
    });
  });

  inventory
    .command("set-thresholds")
    .description(
      "Set low-stock threshold / reorder point / reorder quantity on every variant (or --sku ones)",
    )
    .option("--threshold <n>", "low-stock threshold", parseCount)
    .option("--reorder-point <n>", "reorder point", parseCount)
    .option("--reorder-quantity <n>", "reorder quantity", parseCount)
    .option("--where-unset", "only where the variant (and, for the threshold, its product) has none")
    .requiredOption("--reason <reason>", "why")
    .addHelpText(
      "after",
      examples('ops inventory set-thresholds --threshold 10 --where-unset --reason "runbook default"'),
    )
    .action(
      async (
        opts: {
          threshold?: number;
          reorderPoint?: number;
          reorderQuantity?: number;
          whereUnset?: boolean;
          reason: string;
        },
        command: Command,
      ) => {
        const { out, actor, withDb } = contextFor(command);
        const result = await withDb((db) =>
          setStockThresholds(db, actor, {
            lowStockThreshold: opts.threshold,
            reorderPoint: opts.reorderPoint,
            reorderQuantity: opts.reorderQuantity,
            onlyWhereUnset: opts.whereUnset === true,
            reason: opts.reason,
          }),
        );
        out.result(result, (r) => out.line(`Updated ${r.updated} variants.`));
      },
    );
}
