// ops audit …: checks on the tamper-evident audit log.
import type { Command } from "commander";
import {
  checkpointConfigFromEnv,
  verifyAuditChain,
  verifyAuditCheckpoint,
  writeAuditCheckpoint,
  type CheckpointConfig,
} from "@radha/core/audit";
import { localCheckpointConfig } from "@radha/dev-db";
import { loadEnv } from "../env";
import { contextFor } from "../lib/context";
import { EXIT } from "../lib/errors";
import { examples } from "../lib/options";

export function registerAuditCommands(program: Command): void {
  const audit = program
    .command("audit")
    .description("Audit log checks")
    .addHelpText("after", examples("ops audit verify"));

  audit
    .command("verify")
    .description(
      "Recompute the audit hash chain and check it against the latest signed checkpoint; exit 0 when intact, 1 otherwise",
    )
    .addHelpText(
      "after",
      examples(
        "ops audit verify",
        "ops audit verify --json   # {ok, checked, firstBroken: {seq, reason} | null, checkpoint: {ok, checkpoint, problem} | null}",
      ),
    )
    .action(async (_opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const config = checkpointConfig();
      const result = await withDb(async (db) => {
        const chain = await verifyAuditChain(db);
        const checkpoint = config ? await verifyAuditCheckpoint(db, config) : null;
        return { ...chain, ok: chain.ok && checkpoint?.ok !== false, checkpoint };
      });
      out.result(result, (r) => {
        if (r.firstBroken) {
          out.line(`Audit chain BROKEN at seq ${r.firstBroken.seq}: ${r.firstBroken.reason}.`);
          out.line(`${r.checked} event${r.checked === 1 ? "" : "s"} before it verified.`);
        } else {
          out.line(`Audit chain intact: ${r.checked} event${r.checked === 1 ? "" : "s"} verified.`);
        }
        if (!r.checkpoint)
          out.line(
            "No checkpoint folder configured (OPS_AUDIT_CHECKPOINT_DIR): a rewritten or truncated log would not be seen.",
          );
        else if (r.checkpoint.problem) out.line(`Checkpoint MISMATCH: ${r.checkpoint.problem}.`);
        else if (r.checkpoint.checkpoint)
          out.line(
            `Matches checkpoint ${r.checkpoint.checkpoint.file} (seq ${r.checkpoint.checkpoint.seq}, ${r.checkpoint.checkpoint.createdAt}).`,
          );
        else out.line("No checkpoint written yet.");
      });
      if (!result.ok) process.exitCode = EXIT.FAILURE;
    });

  audit
    .command("checkpoint")
    .description("Write a signed checkpoint of the chain's head now (the worker writes one every 5 minutes)")
    .addHelpText("after", examples("ops audit checkpoint", "ops audit checkpoint --json"))
    .action(async (_opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const config = checkpointConfig();
      if (!config) {
        out.line("Set OPS_AUDIT_CHECKPOINT_DIR and OPS_AUDIT_CHECKPOINT_KEY (or _KEY_FILE) first.");
        process.exitCode = EXIT.USAGE;
        return;
      }
      const written = await withDb((db) => writeAuditCheckpoint(db, config));
      out.result({ checkpoint: written }, ({ checkpoint }) =>
        out.line(
          checkpoint ? `Checkpoint at seq ${checkpoint.seq} in ${config.dir}.` : "The audit log is empty.",
        ),
      );
    });
}

/** The environment's checkpoint settings; in local mode (no DATABASE_URL) the embedded demo's. */
function checkpointConfig(): CheckpointConfig | undefined {
  const env = loadEnv();
  return checkpointConfigFromEnv(env) ?? (env.DATABASE_URL ? undefined : localCheckpointConfig());
}
