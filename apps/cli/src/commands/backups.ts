// ops backups … and ops drills …: backups of the server's database, verification, retention,
// restore (preview, then --apply --reason), restore drills.
import type { Command } from "commander";
import {
  applyRestore,
  createBackup,
  listBackups,
  listDrills,
  listRemoteBackups,
  previewRestore,
  pruneBackups,
  runDrill,
  verifyBackup,
} from "@radha/core/dbops";
import { contextFor } from "../lib/context";
import { dbopsConfigFor, formatAge, formatBytes } from "../lib/dbops";
import { EXIT } from "../lib/errors";
import { examples } from "../lib/options";
import { pagingOptions, printNextPage, type PagingOptions } from "../lib/paging";

export function registerBackupsCommands(program: Command): void {
  const backups = program
    .command("backups")
    .description("Backups of the database: create, list, verify, prune, restore")
    .addHelpText(
      "after",
      examples(
        "ops backups create --label before-sale",
        "ops backups list",
        "ops backups verify bk_20261201T020000123Z_1a2b3c",
        "ops backups prune            # dry run: what would go and why",
        "ops backups restore bk_…     # preview",
      ) + "\nFiles: OPS_BACKUP_DIR (default .data/backups); copies to S3 when OPS_BACKUP_S3_BUCKET is set.\n",
    );

  backups
    .command("create")
    .description("pg_dump (custom format) with checksum and manifest; copied to S3 when configured")
    .option("--label <text>", "a note stored in the manifest")
    .addHelpText("after", examples("ops backups create", "ops backups create --label pre-migration --json"))
    .action(async (opts: { label?: string }, command: Command) => {
      const { out, withDb, actor } = contextFor(command);
      const backup = await withDb((db, url) =>
        createBackup({ db, config: dbopsConfigFor(url) }, actor, opts.label ? { label: opts.label } : {}),
      );
      out.result(backup, (b) => {
        out.line(`Backup ${b.id}: ${formatBytes(b.sizeBytes)} in ${(b.durationMs / 1000).toFixed(1)} s`);
        out.line(`  sha256 ${b.sha256}`);
        out.line(
          `  ${b.tables.reduce((n, t) => n + t.rows, 0)} rows in ${b.tables.length} tables; schema ${b.migrationVersion ?? "?"}`,
        );
        if (b.s3) out.line(`  copied to s3://${b.s3.bucket}/${b.s3.key}`);
      });
    });

  pagingOptions(
    backups
      .command("list")
      .description("Backups of this database, newest first, with their last verification")
      .option("--remote", "list the objects in the S3 bucket instead")
      .addHelpText(
        "after",
        examples("ops backups list", "ops backups list --json", "ops backups list --remote"),
      ),
    { default: 20, max: 200 },
  ).action(async (opts: PagingOptions & { remote?: boolean }, command: Command) => {
    const { out, withDb } = contextFor(command);
    if (opts.remote) {
      const objects = await withDb((_db, url) => listRemoteBackups(dbopsConfigFor(url)));
      out.result(objects, (list) => {
        out.table(
          ["key", "size", "modified"],
          list.map((o) => [o.key, formatBytes(o.size), o.lastModified]),
        );
      });
      return;
    }
    const page = await withDb((_db, url) =>
      listBackups(dbopsConfigFor(url), { limit: opts.limit, cursor: opts.cursor }),
    );
    out.result(page, (p) => {
      if (p.items.length === 0) out.line("No backups yet: run `ops backups create`.");
      else
        out.table(
          ["id", "label", "started", "size", "verified", "s3"],
          p.items.map((b) => [
            b.id,
            b.label,
            b.startedAt,
            b.missing ? "MISSING" : formatBytes(b.sizeBytes),
            b.lastVerification ? `${b.lastVerification.outcome} ${b.lastVerification.finishedAt}` : "never",
            b.s3 ? "yes" : "no",
          ]),
        );
      printNextPage(out, p);
    });
  });

  backups
    .command("verify <id>")
    .description(
      "Checksum, pg_restore --list, full restore into a scratch database and row counts; exit 1 on failure",
    )
    .addHelpText("after", examples("ops backups verify bk_20261201T020000123Z_1a2b3c --json"))
    .action(async (id: string, _opts: unknown, command: Command) => {
      const { out, withDb, actor } = contextFor(command);
      const v = await withDb((db, url) => verifyBackup({ db, config: dbopsConfigFor(url) }, actor, { id }));
      out.result(v, (r) => {
        out.table(
          ["step", "ok", "ms", "message"],
          r.steps.map((s) => [s.step, s.ok ? "yes" : "NO", s.durationMs, s.message]),
        );
        out.line(
          r.outcome === "PASSED"
            ? `Backup ${id} verified.`
            : `Backup ${id} FAILED verification: ${r.reason ?? ""}`,
        );
      });
      if (v.outcome !== "PASSED") process.exitCode = EXIT.FAILURE;
    });

  backups
    .command("prune")
    .description("Apply the retention policy: a dry run unless --apply (never the newest verified backup)")
    .option("--apply", "delete what the policy lets go")
    .option("--reason <text>", "why (recorded in the audit log)")
    .addHelpText(
      "after",
      examples("ops backups prune", "ops backups prune --apply --reason 'weekly tidy'") +
        "\nPolicy: OPS_BACKUP_KEEP_LAST / _DAILY / _WEEKLY / _MONTHLY (7 / 7 / 4 / 6).\n",
    )
    .action(async (opts: { apply?: boolean; reason?: string }, command: Command) => {
      const { out, withDb, actor } = contextFor(command);
      const plan = await withDb((db, url) =>
        pruneBackups({ db, config: dbopsConfigFor(url) }, actor, {
          apply: opts.apply === true,
          ...(opts.reason ? { reason: opts.reason } : {}),
        }),
      );
      out.result(plan, (p) => {
        out.table(
          ["id", "started", "decision", "why"],
          p.decisions.map((d) => [
            d.id,
            d.startedAt,
            d.keep ? "keep" : p.applied ? "DELETED" : "would delete",
            d.why.join("; "),
          ]),
        );
        if (!p.applied) out.line("Dry run: nothing deleted. Add --apply --reason … to delete.");
        else out.line(`Deleted ${p.deleted.length} backup(s).`);
      });
    });

  backups
    .command("restore <id>")
    .description("Preview a restore; with --apply --reason, restore it in place of the database")
    .option(
      "--apply",
      "restore: pre-restore backup, maintenance on, restore into a new database, migrate, check, swap",
    )
    .option("--reason <text>", "why (required with --apply; on every audit event of the restore)")
    .addHelpText(
      "after",
      examples(
        "ops backups restore bk_…",
        "ops backups restore bk_… --apply --reason 'orders table dropped at 02:10'",
      ) +
        "\nMaintenance stays on afterwards: check the data, then `ops maintenance off --reason …`\n" +
        "(or the system flag maintenance_mode). The replaced database is kept under a dated name.\n",
    )
    .action(async (id: string, opts: { apply?: boolean; reason?: string }, command: Command) => {
      const { out, withDb, actor } = contextFor(command);
      if (!opts.apply) {
        const preview = await withDb((db, url) =>
          previewRestore({ db, config: dbopsConfigFor(url) }, { id }),
        );
        out.result(preview, (p) => {
          out.line(`Restore ${p.backup.id} (${p.backup.label ?? "no label"}) over database ${p.database}`);
          out.line(
            `  taken ${p.backup.startedAt} (${formatAge(p.ageSeconds)} ago), ${formatBytes(p.backup.sizeBytes)}, schema ${p.backup.migrationVersion ?? "?"}`,
          );
          out.line(`  newest row in it: ${p.backup.newestRowAt ?? "—"}`);
          if (p.lost.length) {
            out.line("What the restore loses (rows now vs in the backup, rows newer than it):");
            out.table(
              ["table", "now", "backup", "newer"],
              p.lost.map((l) => [l.table, l.rowsNow, l.rowsInBackup, l.newerRows]),
            );
          } else out.line("  nothing changed since the backup.");
          for (const w of p.warnings) out.line(`  warning: ${w}`);
          out.line("Nothing done. Add --apply --reason … to restore.");
        });
        return;
      }
      const report = await withDb((db, url) =>
        applyRestore(
          { db, config: dbopsConfigFor(url) },
          actor,
          { id, apply: true, reason: opts.reason },
          {
            onStep: (s) => {
              out.note(`${s.ok ? "✓" : "✗"} ${s.step} (${s.durationMs} ms): ${s.message}`);
            },
          },
        ),
      );
      out.result(report, (r) => {
        out.line(`Restore ${r.id} ${r.outcome}. Pre-restore backup: ${r.preRestoreBackupId ?? "—"}.`);
        if (r.oldDatabase)
          out.line(`The replaced database is kept as ${r.oldDatabase}; drop it when satisfied.`);
        out.line("Maintenance mode is ON: check the data, then `ops maintenance off --reason …`.");
      });
    });

  const drills = program
    .command("drills")
    .description("Restore drills: restore the latest backup into a scratch database, measure RTO and RPO")
    .addHelpText("after", examples("ops drills run", "ops drills list --json"));

  drills
    .command("run")
    .description("Run a restore drill now; exit 1 when it fails")
    .addHelpText("after", examples("ops drills run", "ops drills run --json"))
    .action(async (_opts: unknown, command: Command) => {
      const { out, withDb, actor } = contextFor(command);
      const drill = await withDb((db, url) => runDrill({ db, config: dbopsConfigFor(url) }, actor));
      out.result(drill, (d) => {
        out.line(`Drill ${d.id} ${d.outcome}${d.reason ? `: ${d.reason}` : ""}`);
        out.line(
          `  backup ${d.backupId ?? "—"}; RTO ${d.rtoSeconds ?? "—"} s; RPO ${d.rpoSeconds ?? "—"} s (backup age ${d.backupAgeSeconds ?? "—"} s)`,
        );
      });
      if (drill.outcome !== "PASSED") process.exitCode = EXIT.FAILURE;
    });

  pagingOptions(drills.command("list").description("Past drills, newest first"), {
    default: 20,
    max: 200,
  }).action(async (opts: PagingOptions, command: Command) => {
    const { out, withDb } = contextFor(command);
    const page = await withDb((_db, url) =>
      listDrills(dbopsConfigFor(url), { limit: opts.limit, cursor: opts.cursor }),
    );
    out.result(page, (p) => {
      out.table(
        ["id", "started", "outcome", "RTO s", "RPO s", "backup"],
        p.items.map((d) => [d.id, d.startedAt, d.outcome, d.rtoSeconds, d.rpoSeconds, d.backupId]),
      );
      printNextPage(out, p);
    });
  });
}
