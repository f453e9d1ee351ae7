// ops secrets …: webhook signing secrets on the receiving side (list, add with overlap, expire,
// revoke). Values are read from stdin or generated (Razorpay) and printed once; never listed.
import type { Command } from "commander";
import {
  addWebhookSecret,
  expireWebhookSecret,
  listWebhookSecrets,
  revokeWebhookSecret,
} from "@radha/core/webhooks";
import { contextFor } from "../lib/context";
import { examples, parseProvider, parseUuid, usageError } from "../lib/options";
import { pagingOptions, printNextPage, type PagingOptions } from "../lib/paging";
import { cliMasterKey, readSecretFromStdin, webhookSecretsFromEnv, withStore } from "../lib/secops";

export function registerSecretsCommands(program: Command): void {
  const secrets = program
    .command("secrets")
    .description("Webhook signing secrets: list, add (with overlap), expire, revoke")
    .addHelpText(
      "after",
      examples(
        "ops secrets list",
        'pbpaste | ops secrets add --provider stripe --overlap 24h --reason "Stripe roll"',
        'ops secrets add --provider razorpay --generate --reason "new webhook"',
        'ops secrets revoke <id> --reason "leaked"',
      ),
    );

  pagingOptions(
    secrets
      .command("list")
      .description("Secrets by fingerprint: provider, state, created, expires, last verified a delivery"),
    { default: 50, max: 200 },
  ).action(async (opts: PagingOptions, command: Command) => {
    const { out, withDb } = contextFor(command);
    const page = await withDb((db) => listWebhookSecrets({ db, fromEnv: webhookSecretsFromEnv() }, opts));
    out.result(page, (p) => {
      if (!p.items.length) {
        out.line("No webhook secrets (none in the environment, none stored).");
        return;
      }
      out.table(
        ["id", "provider", "fingerprint", "state", "created", "expires", "last verified"],
        p.items.map((s) => [
          s.id ?? "from environment",
          s.provider,
          s.fingerprint,
          s.state,
          s.createdAt,
          s.expiresAt,
          s.lastVerifiedAt,
        ]),
      );
      printNextPage(out, p);
    });
  });

  secrets
    .command("add")
    .description("Add a secret valid at once; the provider's previous secrets expire after the overlap")
    .requiredOption("--provider <provider>", "stripe or razorpay")
    .option("--generate", "make a random secret here (Razorpay only); printed once")
    .option("--overlap <duration>", "how long previous secrets stay valid (e.g. 24h, 90m, 0s)", "24h")
    .option("--label <text>", "a name to recognise it by")
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .addHelpText(
      "after",
      examples(
        'pbpaste | ops secrets add --provider stripe --reason "Stripe roll"',
        'ops secrets add --provider razorpay --generate --overlap 1h --reason "rotation"',
      ),
    )
    .action(
      async (
        opts: { provider: string; generate?: boolean; overlap: string; label?: string; reason: string },
        command: Command,
      ) => {
        const provider =
          parseProvider(command, "--provider", opts.provider) ??
          usageError(command, "--provider is required");
        const { out, actor, withDb } = contextFor(command);
        const secret = opts.generate ? undefined : await readSecretFromStdin("webhook secret");
        const result = await withStore((store) =>
          withDb((db) =>
            addWebhookSecret(
              {
                db,
                masterKey: cliMasterKey(),
                fromEnv: webhookSecretsFromEnv(),
                ...(store ? { store } : {}),
              },
              actor,
              {
                provider,
                ...(secret ? { secret } : { generate: true }),
                overlap: opts.overlap,
                ...(opts.label ? { label: opts.label } : {}),
                reason: opts.reason,
              },
            ),
          ),
        );
        out.result(result, (r) => {
          out.line(`Added ${r.info.provider} secret ${r.info.id ?? ""} (${r.info.fingerprint}).`);
          for (const e of r.expiring) out.line(`Previous secret ${e.fingerprint} expires at ${e.expiresAt}.`);
          if (r.secret) {
            out.line();
            out.line(`  ${r.secret}`);
            out.line();
            out.note("Paste this into the provider's webhook settings now: it is shown only once.");
          }
        });
      },
    );

  for (const [verb, what, fn] of [
    ["expire", "End the secret's validity now (the normal end of a roll, early)", expireWebhookSecret],
    ["revoke", "Refuse the secret at once (it leaked)", revokeWebhookSecret],
  ] as const) {
    secrets
      .command(verb)
      .description(what)
      .argument("<id>", "the secret's id, from `ops secrets list`", parseUuid("webhook secret"))
      .requiredOption("--reason <text>", "why (kept in the audit log)")
      .action(async (id: string, opts: { reason: string }, command: Command) => {
        const { out, actor, withDb } = contextFor(command);
        const info = await withStore((store) =>
          withDb((db) => fn({ db, ...(store ? { store } : {}) }, actor, { id, reason: opts.reason })),
        );
        out.result(info, (s) => out.line(`${s.provider} secret ${s.fingerprint} is now ${s.state}.`));
      });
  }
}
