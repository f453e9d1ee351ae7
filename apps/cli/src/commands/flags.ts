// ops flags …: system flags (payments on/off, maintenance mode, thresholds), as in the console.
import type { Command } from "commander";
import { listFlags, setFlag } from "@radha/core/system";
import { contextFor } from "../lib/context";
import { examples } from "../lib/options";

/** "true"/"false"/"on"/"off" as booleans, digits as numbers; the flag's own schema checks the rest. */
function parseFlagValue(value: string): boolean | number | string {
  const v = value.trim().toLowerCase();
  if (v === "true" || v === "on") return true;
  if (v === "false" || v === "off") return false;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return value;
}

export function registerFlagsCommands(program: Command): void {
  const flags = program
    .command("flags")
    .description("System flags: list, set")
    .addHelpText(
      "after",
      examples("ops flags list", 'ops flags set maintenance_mode on --reason "restore drill"'),
    );

  flags
    .command("list")
    .description("Every flag with its value, who set it and when")
    .action(async (_opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const list = await withDb((db) => listFlags(db));
      out.result(list, (rows) =>
        out.table(
          ["key", "value", "updated", "by", "description"],
          rows.map((f) => [f.key, String(f.value), f.updatedAt, f.updatedBy, f.description]),
        ),
      );
    });

  flags
    .command("set")
    .description("Set a flag (audited with the reason)")
    .argument("<key>", "the flag, from `ops flags list`")
    .argument("<value>", "true/false (on/off) or a number")
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .action(async (key: string, value: string, opts: { reason: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const flag = await withDb((db) =>
        setFlag(db, actor, { key, value: parseFlagValue(value), reason: opts.reason }),
      );
      out.result(flag, (f) => out.line(`${f.key} = ${String(f.value)}`));
    });
}
