// ops channels …: notification channels for alerts (Slack-compatible webhook, HMAC-signed
// generic webhook, SMTP e-mail). Secrets — webhook URLs, signing secrets, SMTP passwords — are
// read from stdin, never from arguments (argv shows in `ps` and shell history), and never printed
// back; a generated signing secret is printed once.
import { InvalidArgumentError, type Command } from "commander";
import {
  createChannel,
  getDelivery,
  listChannels,
  removeChannel,
  setChannelEnabled,
  testChannel,
} from "@radha/core/monitoring";
import type { TChannel } from "@radha/core/monitoring/schema";
import { SEVERITIES, type TSeverity } from "@radha/core/incidents/schema";
import { contextFor } from "../lib/context";
import { examples, parseUuid, usageError } from "../lib/options";
import { cliMasterKey, readSecretFromStdin } from "../lib/secops";

const KINDS = { slack: "SLACK", webhook: "WEBHOOK", email: "EMAIL" } as const;

function parseSeverities(value: string): TSeverity[] {
  const list = value
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const bad = list.find((s) => !(SEVERITIES as readonly string[]).includes(s));
  if (bad || !list.length)
    throw new InvalidArgumentError(
      `"${bad ?? value}" is not a severity; use a list of ${SEVERITIES.join(",")}.`,
    );
  return list as TSeverity[];
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`"${value}" is not a port (1–65535).`);
  return n;
}

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
];

interface AddOptions {
  kind: string;
  name: string;
  severity?: TSeverity[];
  to?: string[];
  from?: string;
  smtpHost?: string;
  smtpPort?: number;
  smtpSecure?: boolean;
  smtpUser?: string;
  passwordStdin?: boolean;
}

function printChannels(out: ReturnType<typeof contextFor>["out"], channels: TChannel[]): void {
  if (!channels.length) {
    out.line("No channels: alerts fire but nobody is told. Add one with `ops channels add`.");
    return;
  }
  out.table(
    ["id", "name", "kind", "severities", "enabled", "target", "secret"],
    channels.map((c) => [
      c.id,
      c.name,
      c.kind.toLowerCase(),
      c.severities.join(","),
      c.enabled ? "yes" : "no",
      c.targetHint,
      c.secretFingerprint,
    ]),
  );
}

export function registerChannelsCommands(program: Command): void {
  const channels = program
    .command("channels")
    .description("Alert notification channels: list, add, test, enable/disable, remove")
    .addHelpText(
      "after",
      examples(
        "ops channels list",
        "pbpaste | ops channels add --kind slack --name ops-room --severity P0,P1",
        "echo https://alerts.example.com/hook | ops channels add --kind webhook --name pager",
        'printf %s "$SMTP_PASSWORD" | ops channels add --kind email --name oncall --to oncall@example.com \\\n      --from ops@example.com --smtp-host smtp.example.com --smtp-user ops --password-stdin',
        "ops channels test <id> --wait",
      ),
    );

  channels
    .command("list")
    .description("Channels with where they send (host and URL tail, never the URL) and a secret fingerprint")
    .action(async (_opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const list = await withDb((db) => listChannels(db));
      out.result(list, (l) => printChannels(out, l));
    });

  channels
    .command("add")
    .description(
      "Add a channel. slack/webhook: the URL on stdin (a second line, for webhook: your signing secret; " +
        "else one is generated and printed once). email: SMTP settings as options, the password on stdin with --password-stdin",
    )
    .requiredOption("--kind <kind>", "slack, webhook or email")
    .requiredOption("--name <name>", "a unique name")
    .option(
      "--severity <list>",
      `severities routed here, e.g. P0,P1 (default all: ${SEVERITIES.join(",")})`,
      parseSeverities,
    )
    .option("--to <address>", "email: a recipient (repeatable or comma-separated)", collect)
    .option("--from <address>", "email: the sender address")
    .option("--smtp-host <host>", "email: SMTP server")
    .option("--smtp-port <port>", "email: SMTP port (default 587)", parsePort)
    .option("--smtp-secure", "email: TLS from the start (port 465); otherwise STARTTLS when offered")
    .option("--smtp-user <user>", "email: SMTP login")
    .option("--password-stdin", "email: read the SMTP password from stdin")
    .action(async (opts: AddOptions, command: Command) => {
      const kind = KINDS[opts.kind.trim().toLowerCase() as keyof typeof KINDS] as
        (typeof KINDS)[keyof typeof KINDS] | undefined;
      if (!kind) usageError(command, `--kind "${opts.kind}": use slack, webhook or email`);
      const { out, actor, withDb } = contextFor(command);
      const base = { name: opts.name, ...(opts.severity ? { severities: opts.severity } : {}) };
      let input: Record<string, unknown>;
      if (kind === "EMAIL") {
        if (!opts.to?.length) usageError(command, "--to is required for an email channel");
        if (!opts.from) usageError(command, "--from is required for an email channel");
        if (!opts.smtpHost) usageError(command, "--smtp-host is required for an email channel");
        const smtpPassword = opts.passwordStdin ? await readSecretFromStdin("SMTP password") : undefined;
        input = {
          ...base,
          kind,
          to: opts.to,
          from: opts.from,
          smtpHost: opts.smtpHost,
          ...(opts.smtpPort ? { smtpPort: opts.smtpPort } : {}),
          smtpSecure: opts.smtpSecure ?? false,
          ...(opts.smtpUser ? { smtpUser: opts.smtpUser } : {}),
          ...(smtpPassword ? { smtpPassword } : {}),
        };
      } else {
        if (opts.to || opts.from || opts.smtpHost || opts.smtpUser || opts.passwordStdin)
          usageError(command, "SMTP options are for --kind email only");
        const [url, signingSecret] = (await readSecretFromStdin(`${opts.kind} URL`))
          .split(/\r?\n/)
          .map((l) => l.trim());
        input = { ...base, kind, url, ...(kind === "WEBHOOK" && signingSecret ? { signingSecret } : {}) };
      }
      const result = await withDb((db) => createChannel({ db, masterKey: cliMasterKey() }, actor, input));
      out.result(result, (r) => {
        out.line(
          `Added ${r.channel.kind.toLowerCase()} channel "${r.channel.name}" (${r.channel.id}) → ${r.channel.targetHint}.`,
        );
        if (r.signingSecret) {
          out.line();
          out.line(`  ${r.signingSecret}`);
          out.line();
          out.note("The signing secret receivers verify x-radha-signature with: shown only once.");
        }
      });
    });

  channels
    .command("test")
    .description("Queue a test notification through the channel (the worker sends it)")
    .argument("<id>", "the channel's id, from `ops channels list`", parseUuid("channel"))
    .option("--wait", "wait up to 60 s for the delivery to be sent or to fail")
    .action(async (id: string, opts: { wait?: boolean }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const result = await withDb(async (db) => {
        const { deliveryId } = await testChannel(db, actor, id);
        let delivery = await getDelivery(db, deliveryId);
        const until = Date.now() + 60_000;
        while (
          opts.wait &&
          Date.now() < until &&
          (delivery.status === "PENDING" || delivery.status === "RETRYING")
        ) {
          if (delivery.status === "RETRYING") break;
          await new Promise((r) => setTimeout(r, 500));
          delivery = await getDelivery(db, deliveryId);
        }
        return delivery;
      });
      out.result(result, (d) => {
        out.line(
          `Test delivery ${d.id}: ${d.status.toLowerCase()}${d.lastError ? ` — ${d.lastError}` : ""}.`,
        );
        if (d.status === "PENDING")
          out.note("A worker sends it: see `ops channels test --wait` or the console's Deliveries.");
      });
      if (result.status === "FAILED" || result.status === "RETRYING") process.exitCode = 1;
    });

  for (const [verb, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const)
    channels
      .command(verb)
      .description(
        enabled ? "Send to the channel again" : "Stop sending to the channel (kept, with its secrets)",
      )
      .argument("<id>", "the channel's id", parseUuid("channel"))
      .action(async (id: string, _opts: unknown, command: Command) => {
        const { out, actor, withDb } = contextFor(command);
        const c = await withDb((db) => setChannelEnabled(db, actor, { id, enabled }));
        out.result(c, (r) => out.line(`Channel "${r.name}" is ${r.enabled ? "enabled" : "disabled"}.`));
      });

  channels
    .command("remove")
    .description("Delete the channel and its secrets (its delivery history goes with it)")
    .argument("<id>", "the channel's id", parseUuid("channel"))
    .action(async (id: string, _opts: unknown, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const r = await withDb((db) => removeChannel(db, actor, id));
      out.result(r, () => out.line(`Channel ${id} removed.`));
    });
}
