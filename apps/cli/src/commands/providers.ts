// ops providers …: check the payment providers' API keys in use, and the key-rotation checklist.
import type { Command } from "commander";
import {
  abandonKeyRotation,
  checkProviders,
  completeRotationStep,
  listKeyRotations,
  startKeyRotation,
} from "@radha/core/security";
import { ROTATION_STEPS, type TRotationInfo, type TRotationStep } from "@radha/core/secops/schema";
import { contextFor } from "../lib/context";
import { EXIT } from "../lib/errors";
import { examples, parseProvider, parseUuid, usageError } from "../lib/options";
import type { Output } from "../lib/output";
import { pagingOptions, printNextPage, type PagingOptions } from "../lib/paging";
import { providerCheckConfig } from "../lib/secops";

function printRotation(out: Output, r: TRotationInfo): void {
  out.line(
    `${r.provider} key rotation ${r.id}: ${r.status} (${r.reason}; opened by ${r.createdBy ?? "?"} ${r.createdAt})`,
  );
  for (const s of r.steps)
    out.line(
      `  [${s.doneAt ? "x" : " "}] ${s.step.padEnd(15)} ${s.text}${s.doneAt ? ` — ${s.doneBy ?? "?"} at ${s.doneAt}` : ""}`,
    );
}

export function registerProvidersCommands(program: Command): void {
  const providers = program
    .command("providers")
    .description("Payment provider API keys: check, rotation checklist")
    .addHelpText(
      "after",
      examples(
        "ops providers check",
        'ops providers rotation start --provider stripe --reason "yearly"',
        "ops providers rotation step <id> CREATE_KEY",
      ),
    );

  providers
    .command("check")
    .description("Call Stripe (balance) and Razorpay (one payment) with the keys in use; exit 1 if one fails")
    .action(async (_opts: unknown, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const checks = await withDb((db) => checkProviders(db, actor, providerCheckConfig()));
      out.result(checks, (rows) =>
        out.table(
          ["provider", "key", "mode", "result", "latency", "error"],
          rows.map((c) => [
            c.provider,
            c.key ?? "not configured",
            c.mode,
            c.configured ? (c.ok ? "ok" : "FAILED") : "skipped",
            c.latencyMs === null ? null : `${c.latencyMs} ms`,
            c.configured ? c.error : null,
          ]),
        ),
      );
      if (checks.some((c) => c.configured && !c.ok)) process.exitCode = EXIT.FAILURE;
    });

  const rotation = providers.command("rotation").description("The guided provider key-rotation checklist");
  pagingOptions(rotation.command("list").description("Rotations, newest first, with their steps"), {
    default: 20,
    max: 100,
  }).action(async (opts: PagingOptions, command: Command) => {
    const { out, withDb } = contextFor(command);
    const page = await withDb((db) => listKeyRotations(db, opts));
    out.result(page, (p) => {
      if (!p.items.length) out.line("No key rotations yet.");
      for (const r of p.items) printRotation(out, r);
      printNextPage(out, p);
    });
  });
  rotation
    .command("start")
    .description("Open a checklist: create key → set it → check → revoke the old one")
    .requiredOption("--provider <provider>", "stripe or razorpay")
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .action(async (opts: { provider: string; reason: string }, command: Command) => {
      const provider =
        parseProvider(command, "--provider", opts.provider) ?? usageError(command, "--provider is required");
      const { out, actor, withDb } = contextFor(command);
      const r = await withDb((db) => startKeyRotation(db, actor, { provider, reason: opts.reason }));
      out.result(r, (x) => printRotation(out, x));
    });
  rotation
    .command("step")
    .description(`Record a step as done by you, now (${ROTATION_STEPS.join(", ")})`)
    .argument("<id>", "the rotation's id", parseUuid("rotation"))
    .argument("<step>", ROTATION_STEPS.join(" | "))
    .option("--note <text>", "a note for the record")
    .action(async (id: string, step: string, opts: { note?: string }, command: Command) => {
      const upper = step.trim().toUpperCase();
      if (!(ROTATION_STEPS as readonly string[]).includes(upper))
        usageError(command, `"${step}" is not a step; use one of ${ROTATION_STEPS.join(", ")}`);
      const { out, actor, withDb } = contextFor(command);
      const r = await withDb((db) =>
        completeRotationStep(db, actor, {
          rotationId: id,
          step: upper as TRotationStep,
          ...(opts.note ? { note: opts.note } : {}),
        }),
      );
      out.result(r, (x) => printRotation(out, x));
    });
  rotation
    .command("abandon")
    .description("Close an open checklist without finishing it")
    .argument("<id>", "the rotation's id", parseUuid("rotation"))
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .action(async (id: string, opts: { reason: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const r = await withDb((db) => abandonKeyRotation(db, actor, { rotationId: id, reason: opts.reason }));
      out.result(r, (x) => printRotation(out, x));
    });
}
