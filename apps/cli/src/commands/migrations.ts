// ops migrations …: named data migrations (not schema: that is `ops db migrate`), batched and resumable.
import { InvalidArgumentError, type Command } from "commander";
import {
  getDataMigration,
  listDataMigrations,
  pauseDataMigration,
  runDataMigration,
  verifyDataMigration,
  type TDataMigrationState,
} from "@radha/core/dbops";
import { contextFor } from "../lib/context";
import { EXIT } from "../lib/errors";
import { examples } from "../lib/options";
import type { Output } from "../lib/output";

function positiveNumber(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (Number.isFinite(n) && n >= 0) return n;
    throw new InvalidArgumentError(`"${value}" is not a valid ${what}.`);
  };
}

function printStates(out: Output, states: TDataMigrationState[]): void {
  out.table(
    ["name", "status", "changed", "scanned", "batches", "remaining", "checkpoint", "updated"],
    states.map((m) => [
      m.name,
      m.status,
      m.rowsChanged,
      m.rowsScanned,
      m.batches,
      m.remaining,
      m.checkpoint,
      m.updatedAt,
    ]),
  );
}

export function registerMigrationsCommands(program: Command): void {
  const migrations = program
    .command("migrations")
    .description("Data migrations: batched, resumable, idempotent changes to existing rows")
    .addHelpText(
      "after",
      examples(
        "ops migrations list",
        "ops migrations run product-images-v1 --dry-run",
        "ops migrations run product-images-v1 --batch-size 500 --rate 20",
        "ops migrations pause product-images-v1",
        "ops migrations resume product-images-v1",
      ),
    );

  migrations
    .command("list")
    .description("Every data migration with its state and the rows still needing it")
    .action(async (_opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const states = await withDb((db) => listDataMigrations(db));
      out.result(states, (s) => {
        printStates(out, s);
      });
    });

  migrations
    .command("status <name>")
    .description("One migration's state and checkpoint")
    .action(async (name: string, _opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const state = await withDb((db) => getDataMigration(db, name));
      out.result(state, (s) => {
        out.line(s.description);
        printStates(out, [s]);
        if (s.error) out.line(`Last error: ${s.error}`);
      });
    });

  const runLike = (verb: "run" | "resume", description: string) =>
    migrations
      .command(`${verb} <name>`)
      .description(description)
      .option("--dry-run", "count what would change; write nothing")
      .option(
        "--batch-size <n>",
        "rows per batch (each its own short transaction)",
        positiveNumber("batch size"),
        1000,
      )
      .option(
        "--rate <batches-per-second>",
        "at most this many batches per second (0: no limit)",
        positiveNumber("rate"),
        0,
      )
      .action(
        async (
          name: string,
          opts: { dryRun?: boolean; batchSize: number; rate: number },
          command: Command,
        ) => {
          const { out, withDb, actor } = contextFor(command);
          let lastNote = 0;
          const result = await withDb((db) =>
            runDataMigration(
              db,
              actor,
              {
                name,
                dryRun: opts.dryRun === true,
                batchSize: opts.batchSize,
                maxBatchesPerSecond: opts.rate,
              },
              (p) => {
                if (Date.now() - lastNote < 1000) return;
                lastNote = Date.now();
                out.note(`… ${p.scanned} rows scanned, ${p.changed} changed, ${p.batches} batches`);
              },
            ),
          );
          out.result(result, (r) => {
            if (r.dryRun)
              out.line(`Dry run: ${r.wouldChange} of ${r.rowsScanned} rows would change. Nothing written.`);
            else {
              out.line(
                `${r.name}: ${r.status}. ${r.rowsChanged} rows changed of ${r.rowsScanned} scanned in ${r.batches} batches (${(r.durationMs / 1000).toFixed(1)} s).`,
              );
              if (r.verify)
                out.line(
                  r.verify.ok
                    ? "Verify: every row is converted."
                    : `Verify: ${r.verify.remaining} rows still need it.`,
                );
              if (r.status === "PAUSED")
                out.line(`Paused; continue with \`ops migrations resume ${r.name}\`.`);
            }
          });
          if (result.verify && !result.verify.ok) process.exitCode = EXIT.FAILURE;
        },
      );
  runLike("run", "Run a migration (resumes from its checkpoint if it stopped); --dry-run counts only");
  runLike("resume", "Continue a paused or interrupted migration from its checkpoint");

  migrations
    .command("pause <name>")
    .description("Ask a running migration to stop after its current batch")
    .action(async (name: string, _opts: unknown, command: Command) => {
      const { out, withDb, actor } = contextFor(command);
      const state = await withDb((db) => pauseDataMigration(db, actor, name));
      out.result(state, (s) => {
        out.line(`Pause requested for ${s.name}; it stops after the batch in progress.`);
      });
    });

  migrations
    .command("verify <name>")
    .description("Count rows still needing the migration; exit 1 when any remain")
    .action(async (name: string, _opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const v = await withDb((db) => verifyDataMigration(db, name));
      out.result(v, (r) => {
        out.line(r.ok ? `${r.name}: every row converted.` : `${r.name}: ${r.remaining} rows still need it.`);
      });
      if (!v.ok) process.exitCode = EXIT.FAILURE;
    });
}
