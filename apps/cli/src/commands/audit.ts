// ops audit …: checks on the tamper-evident audit log.
import type { Command } from "commander";
import { verifyAuditChain } from "@radha/core/audit";
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
    .description("Recompute the audit hash chain; exit 0 when intact, 1 at the first broken link")
    .addHelpText(
      "after",
      examples(
        "ops audit verify",
        "ops audit verify --json   # {ok, checked, firstBroken: {seq, reason} | null}",
      ),
    )
    .action(async (_opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const result = await withDb((db) => verifyAuditChain(db));
      out.result(result, (r) => {
        if (r.firstBroken) {
          out.line(`Audit chain BROKEN at seq ${r.firstBroken.seq}: ${r.firstBroken.reason}.`);
          out.line(`${r.checked} event${r.checked === 1 ? "" : "s"} before it verified.`);
        } else {
          out.line(`Audit chain intact: ${r.checked} event${r.checked === 1 ? "" : "s"} verified.`);
        }
      });
      if (!result.ok) process.exitCode = EXIT.FAILURE;
    });
}
