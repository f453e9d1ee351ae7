// ops webhooks …: bulk replay by filter (dry run, rate limit, progress bar, Ctrl-C cancels),
// health per provider, and a search over the inbox.
import { InvalidArgumentError, type Command } from "commander";
import { SingleBar } from "cli-progress";
import { loadEnv } from "@radha/core/env";
import { cancelReplay, executeReplayRun, getWebhookHealth, listWebhookEvents, previewReplay, startReplay } from "@radha/core/webhooks";
import { PROVIDERS, WEBHOOK_STATUSES, type TProvider, type TReplayRun, type TWebhookFilter, type TWebhookStatus } from "@radha/core/webhooks/schema";
import { contextFor } from "../lib/context";
import { EXIT } from "../lib/errors";
import { examples } from "../lib/options";

function parseProvider(value: string): TProvider {
  const v = value.trim().toUpperCase();
  if ((PROVIDERS as readonly string[]).includes(v)) return v as TProvider;
  throw new InvalidArgumentError(`"${value}" is not a provider; use stripe or razorpay.`);
}

function parseStatus(value: string): TWebhookStatus {
  const v = value.trim().toUpperCase();
  if ((WEBHOOK_STATUSES as readonly string[]).includes(v)) return v as TWebhookStatus;
  throw new InvalidArgumentError(`"${value}" is not a status; use one of ${WEBHOOK_STATUSES.join(", ")}.`);
}

function parsePositive(what: string) {
  return (value: string): number => {
    if (/^\d+$/.test(value.trim()) && Number(value) > 0) return Number(value);
    throw new InvalidArgumentError(`"${value}" is not a positive whole number of ${what}`);
  };
}

interface FilterFlags {
  provider?: TProvider;
  status?: TWebhookStatus;
  type?: string;
  from?: string;
  to?: string;
  error?: string;
  reference?: string;
}

function filterFrom(opts: FilterFlags): TWebhookFilter {
  return { provider: opts.provider, status: opts.status, eventType: opts.type, from: opts.from, to: opts.to, error: opts.error, reference: opts.reference };
}

function withFilterFlags(command: Command, defaultStatus?: TWebhookStatus): Command {
  return command
    .option("--provider <provider>", "stripe or razorpay", parseProvider)
    .option("--status <status>", `${WEBHOOK_STATUSES.join(" | ")}${defaultStatus ? ` (default ${defaultStatus})` : ""}`, parseStatus)
    .option("--type <eventType>", "event type, e.g. payment_intent.succeeded")
    .option("--from <iso>", "received at or after this ISO time")
    .option("--to <iso>", "received at or before this ISO time")
    .option("--error <text>", "text in the last error")
    .option("--reference <ref>", "payment id (pi_…, pay_…), order number or order id");
}

const percent = (rate: number | null) => (rate === null ? "—" : `${(rate * 100).toFixed(1)}%`);

export function registerWebhooksCommands(program: Command): void {
  const webhooks = program
    .command("webhooks")
    .description("Payment webhooks: bulk replay, health per provider, search")
    .addHelpText("after", examples("ops webhooks replay --provider stripe --from 2026-11-28T00:00:00Z --to 2026-11-28T06:00:00Z --dry-run", "ops webhooks health --json"));

  withFilterFlags(webhooks.command("replay"), "FAILED")
    .description("Replay the events a filter matches (FAILED ones unless --status says otherwise). History and attempt counts are kept; effects happen once.")
    .option("--dry-run", "only count the matching events and show a sample")
    .option("--rate <n>", "at most n events per second (default: no limit)", parsePositive("events per second"))
    .option("--concurrency <n>", "events processed at once (1–32)", parsePositive("events"), 4)
    .addHelpText(
      "after",
      examples(
        "ops webhooks replay --provider stripe --from 2026-11-28T00:00:00Z --to 2026-11-28T06:00:00Z --dry-run",
        "ops webhooks replay --provider razorpay --from 2026-11-28T00:00:00Z --to 2026-11-28T06:00:00Z --rate 20",
        "ops webhooks replay --provider stripe --status FAILED --error timeout --json",
      ) + "\nCtrl-C cancels the run after the events in flight; the events not reached stay as they were.\n",
    )
    .action(async (opts: FilterFlags & { dryRun?: boolean; rate?: number; concurrency: number }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const filter = filterFrom(opts);
      if (opts.dryRun) {
        const preview = await withDb((db) => previewReplay(db, filter));
        out.result(preview, (p) => {
          if (p.sample.length) out.table(["received", "provider", "type", "status", "attempts", "last error"], p.sample.map((e) => [e.receivedAt, e.provider, e.eventType, e.status, e.attemptCount, e.lastError]));
          out.line(`${p.count} events would be replayed. Dry run: nothing was changed.`);
        });
        return;
      }
      const env = loadEnv();
      const final = await withDb(async (db) => {
        const run = await startReplay(db, actor, { filter, ratePerSecond: opts.rate, concurrency: opts.concurrency }, { enqueue: false });
        out.note(`Replay run ${run.id}: ${run.total} events${opts.rate ? ` at most ${opts.rate}/s` : ""}.`);
        const bar = !out.json && process.stderr.isTTY ? new SingleBar({ format: "replay [{bar}] {value}/{total} | ok {ok} | failed {failed} | skipped {skipped} | {eta_formatted} left", stream: process.stderr, hideCursor: true }) : undefined;
        bar?.start(run.total, 0, { ok: 0, failed: 0, skipped: 0 });
        let cancelling = false;
        const onSigint = () => {
          if (cancelling) return;
          cancelling = true;
          out.note("\nCancelling after the events in flight…");
          void cancelReplay(db, actor, run.id).catch((e: unknown) => out.error(`could not cancel: ${(e as Error).message}`));
        };
        process.on("SIGINT", onSigint);
        try {
          return await executeReplayRun(db, run.id, {
            maxAttempts: env.OPS_WEBHOOK_MAX_ATTEMPTS,
            backoffBaseSeconds: env.OPS_WEBHOOK_BACKOFF_SECONDS,
            onProgress: (p: TReplayRun) => bar?.update(Math.min(p.done, p.total), { ok: p.succeeded, failed: p.failed, skipped: p.skipped }),
          });
        } finally {
          process.off("SIGINT", onSigint);
          bar?.stop();
        }
      });
      out.result(final, (r) => {
        out.line(`Replay ${r.id} ${r.status.toLowerCase()}: ${r.done} of ${r.total} done — ${r.succeeded} succeeded, ${r.failed} still failing, ${r.skipped} skipped (already settled or held by another replay).`);
        if (r.failed > 0) out.note(`See the failures with: ops webhooks list --status FAILED${opts.provider ? ` --provider ${opts.provider.toLowerCase()}` : ""}`);
      });
      if (final.status !== "COMPLETED" || final.failed > 0) process.exitCode = EXIT.FAILURE;
    });

  webhooks
    .command("health")
    .description("Per provider over a window: totals, success rate (processed / (processed + failed)), latency, oldest pending. Exit 1 when a provider alerts.")
    .option("--window <hours>", "window in hours", parsePositive("hours"), 24)
    .option("--min-volume <n>", "decided events needed before the success rate can alert", parsePositive("events"), 20)
    .addHelpText("after", examples("ops webhooks health", "ops webhooks health --window 1 --json"))
    .action(async (opts: { window: number; minVolume: number }, command: Command) => {
      const { out, withDb } = contextFor(command);
      const health = await withDb((db) => getWebhookHealth(db, { windowHours: opts.window, minVolume: opts.minVolume }));
      out.result(health, (rows) => {
        out.table(
          ["provider", "total", "processed", "failed", "pending", "ignored", "success", "p50 ms", "p95 ms", "oldest pending", "alert"],
          rows.map((h) => [h.provider, h.total, h.processed, h.failed, h.pending, h.ignored, percent(h.successRate), h.p50LatencyMs, h.p95LatencyMs, h.oldestPendingSeconds === null ? null : `${h.oldestPendingSeconds} s`, h.alert ? "ALERT" : "ok"]),
        );
        for (const h of rows.filter((x) => x.alert)) out.line(`${h.provider}: ${h.alertReason}`);
      });
      if (health.some((h) => h.alert)) process.exitCode = EXIT.FAILURE;
    });

  withFilterFlags(webhooks.command("list"))
    .description("Events, newest first")
    .option("--limit <n>", "how many (at most 200)", parsePositive("events"), 50)
    .addHelpText("after", examples("ops webhooks list --status FAILED --provider stripe", "ops webhooks list --reference pi_3Nx… --json"))
    .action(async (opts: FilterFlags & { limit: number }, command: Command) => {
      const { out, withDb } = contextFor(command);
      const page = await withDb((db) => listWebhookEvents(db, { filter: filterFrom(opts), limit: Math.min(opts.limit, 200) }));
      out.result(page.items, (items) => {
        if (items.length === 0) return out.line("No events match.");
        out.table(["id", "received", "provider", "type", "status", "attempts", "payment", "last error"], items.map((e) => [e.id, e.receivedAt, e.provider, e.eventType, e.status, e.attemptCount, e.paymentReference, e.lastError?.slice(0, 60)]));
      });
    });
}
