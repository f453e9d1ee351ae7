// ops emergency … and ops maintenance …: the payment switch, maintenance mode and the recovery
// checklist. Flag changes are announced to every server over REDIS_URL.
import type { Command } from "commander";
import {
  resumePayments,
  runEmergencyCheck,
  setMaintenance,
  stopPayments,
  type TCheckReport,
} from "@radha/core/emergency";
import { createHealthService } from "@radha/core/system";
import { loadEnv } from "../env";
import { contextFor } from "../lib/context";
import { EXIT } from "../lib/errors";
import { examples } from "../lib/options";
import { withStore } from "../lib/store";

const FLAGS_NOTE = "Servers pick this up within a second over REDIS_URL (without it: within 10 s).";

function printReport(line: (t: string) => void, r: TCheckReport): void {
  line(`Recovery checklist: ${r.status.toUpperCase()}  (report ${r.id})`);
  for (const s of r.steps) line(`  ${s.status.toUpperCase().padEnd(4)}  ${s.name.padEnd(16)} ${s.message}`);
  if (r.incidentIds.length) line(`Attached to open incident(s): ${r.incidentIds.join(", ")}`);
}

export function registerEmergencyCommands(program: Command): void {
  const emergency = program
    .command("emergency")
    .description("Emergency actions: stop/resume payments, the recovery checklist")
    .addHelpText(
      "after",
      examples(
        'ops emergency stop-payments --reason "card testing attack"',
        "ops emergency resume-payments",
        "ops emergency check --json",
      ),
    );

  emergency
    .command("stop-payments")
    .description("Turn payments off and maintenance mode on, in one audited transaction")
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .action(async (opts: { reason: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const state = await withDb((db) => withStore((store) => stopPayments(db, store, actor, opts)));
      out.result(state, () => {
        out.line("Payments are OFF and maintenance mode is ON.");
        out.note(FLAGS_NOTE);
      });
    });

  emergency
    .command("resume-payments")
    .description("Turn payments back on and maintenance mode off")
    .option("--reason <text>", "why (kept in the audit log)")
    .action(async (opts: { reason?: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const state = await withDb((db) =>
        withStore((store) => resumePayments(db, store, actor, opts.reason ? { reason: opts.reason } : {})),
      );
      out.result(state, () => {
        out.line("Payments are ON and maintenance mode is OFF.");
        out.note(FLAGS_NOTE);
      });
    });

  emergency
    .command("check")
    .description(
      "Run the recovery checklist (database, Redis, providers, webhook backlog, job lag, backups, audit chain, disk); reads only, never flushes Redis. Exit 1 when a step fails.",
    )
    .action(async (_opts: unknown, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const env = loadEnv();
      const report = await withDb((db) =>
        withStore(async (store) => {
          const health = createHealthService({
            db,
            store,
            keys: {
              stripeSecretKey: env.STRIPE_SECRET_KEY,
              razorpayKeyId: env.RAZORPAY_KEY_ID,
              razorpayKeySecret: env.RAZORPAY_KEY_SECRET,
            },
          });
          health.start();
          try {
            return await runEmergencyCheck(
              {
                db,
                store,
                providerChecks: async () => {
                  // The first provider check runs in the background: wait for it (at most 4 s).
                  for (let i = 0; i < 40; i++) {
                    const checks = (await health.report()).checks.filter(
                      (c) => c.name === "stripe" || c.name === "razorpay",
                    );
                    if (!checks.some((c) => c.message === "first check still running")) return checks;
                    await new Promise((r) => setTimeout(r, 100));
                  }
                  return (await health.report()).checks.filter(
                    (c) => c.name === "stripe" || c.name === "razorpay",
                  );
                },
                diskPaths: [{ label: "data", path: env.OPS_DATA_DIR ?? process.cwd() }],
              },
              actor,
            );
          } finally {
            health.stop();
          }
        }),
      );
      out.result(report, (r) => printReport((t) => out.line(t), r));
      if (report.status === "fail") process.exitCode = EXIT.FAILURE;
    });

  const maintenance = program
    .command("maintenance")
    .description("Maintenance mode: the storefront answers 503 while it is on")
    .addHelpText(
      "after",
      examples('ops maintenance on --reason "restoring a backup"', 'ops maintenance off --reason "done"'),
    );
  for (const on of [true, false])
    maintenance
      .command(on ? "on" : "off")
      .description(on ? "Turn maintenance mode on" : "Turn maintenance mode off")
      .requiredOption("--reason <text>", "why (kept in the audit log)")
      .action(async (opts: { reason: string }, command: Command) => {
        const { out, actor, withDb } = contextFor(command);
        const state = await withDb((db) =>
          withStore((store) => setMaintenance(db, store, actor, { on, reason: opts.reason })),
        );
        out.result(state, (s) => {
          out.line(`Maintenance mode is ${s.maintenanceMode ? "ON" : "OFF"}.`);
          out.note(FLAGS_NOTE);
        });
      });
}
