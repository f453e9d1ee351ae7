// ops webhooks …: list stored events, bulk replay (dry run, or executed in this process through
// the same core function the server's background job uses), and per-provider health.
import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import { loadEnv } from "../env";
import {
  cancelReplay,
  executeReplayRun,
  getWebhookHealth,
  listWebhookEvents,
  previewReplay,
  startReplay,
} from "@radha/core/webhooks";
import {
  WEBHOOK_STATUSES,
  type TReplayRun,
  type TWebhookEventSummary,
  type TWebhookFilter,
  type TWebhookStatus,
} from "@radha/core/webhooks/schema";
import { contextFor } from "../lib/context";
import { EXIT } from "../lib/errors";
import { examples, parseProvider, usageError } from "../lib/options";
import { pagingOptions, printNextPage, type PagingOptions } from "../lib/paging";
import type { Cell, Output } from "../lib/output";

/** `ops webhooks health` exits with this when a provider's success rate is below the alert line. */
export const EXIT_ALERT = 3;

function parseStatus(command: Command, value: string | undefined): TWebhookStatus | undefined {
  if (value === undefined) return undefined;
  const status = value.trim().toUpperCase();
  if ((WEBHOOK_STATUSES as readonly string[]).includes(status)) return status as TWebhookStatus;
  usageError(
    command,
    `--status "${value}" is not an event status; use one of ${WEBHOOK_STATUSES.join(", ")}.`,
  );
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** An ISO 8601 time with a zone, normalised to UTC for core's filter. */
function parseTime(command: Command, flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value.trim());
  if (!ISO_TIME.test(value.trim()) || Number.isNaN(date.getTime())) {
    usageError(
      command,
      `${flag} "${value}" is not an ISO 8601 time with a zone, e.g. 2026-11-28T10:00:00Z or 2026-11-28T15:30:00+05:30.`,
    );
  }
  return date.toISOString();
}

function parseWhole(
  command: Command,
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    usageError(command, `${flag} "${value}" must be a whole number from ${min} to ${max}.`);
  return n;
}

function percent(rate: number | null): string {
  return rate === null ? "—" : `${(rate * 100).toFixed(1)}%`;
}

function ms(value: number | null): string {
  if (value === null) return "—";
  return value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;
}

function age(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function eventTable(out: Output, events: TWebhookEventSummary[]): void {
  out.table(
    ["id", "received", "provider", "type", "status", "attempts", "reference", "last error"],
    events.map((e): Cell[] => [
      e.id,
      e.receivedAt,
      e.provider.toLowerCase(),
      e.eventType,
      e.status,
      e.attemptCount,
      e.paymentReference ?? e.orderReference,
      e.lastError?.slice(0, 80),
    ]),
  );
}

function describeRun(r: TReplayRun): string {
  return `${r.done}/${r.total} done: ${r.succeeded} succeeded, ${r.failed} failed, ${r.skipped} skipped`;
}

/** How the run reports progress: a bar on a terminal, a line every few seconds in a log, nothing with --json. */
function progressReporter(out: Output): { update: (run: TReplayRun) => void; stop: () => void } {
  if (out.json) return { update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format: "replay [{bar}] {value}/{total} · {succeeded} ok · {failed} failed · {skipped} skipped",
        stream: process.stderr,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(run) {
        const payload = { succeeded: run.succeeded, failed: run.failed, skipped: run.skipped };
        if (!started) {
          bar.start(run.total, run.done, payload);
          started = true;
        } else bar.update(run.done, payload);
      },
      stop: () => bar.stop(),
    };
  }
  let lastAt = 0;
  return {
    update(run) {
      const finished = run.done >= run.total;
      if (!finished && Date.now() - lastAt < 2000) return;
      lastAt = Date.now();
      out.note(`replay: ${describeRun(run)}`);
    },
    stop: () => undefined,
  };
}

interface ReplayOptions {
  provider: string;
  from: string;
  to: string;
  status: string;
  type?: string;
  dryRun?: boolean;
  rate?: string;
  concurrency: string;
}

export function registerWebhooksCommands(program: Command): void {
  const webhooks = program
    .command("webhooks")
    .description("Payment webhooks: list stored events, bulk replay, provider health")
    .addHelpText(
      "after",
      examples(
        "ops webhooks list --status FAILED",
        "ops webhooks replay --provider stripe --from 2026-11-28T00:00:00Z --to 2026-11-28T12:00:00Z --dry-run",
        "ops webhooks health --window 24",
      ),
    );

  pagingOptions(
    webhooks
      .command("list")
      .description("Stored webhook events, newest first")
      .option("--status <status>", `one of ${WEBHOOK_STATUSES.join(", ")}`)
      .option("--provider <provider>", "stripe or razorpay"),
    { default: 50, max: 200 },
  )
    .addHelpText(
      "after",
      examples("ops webhooks list --status FAILED --provider stripe", "ops webhooks list --limit 200 --json"),
    )
    .action(async (opts: PagingOptions & { status?: string; provider?: string }, command: Command) => {
      const { out, withDb } = contextFor(command);
      const filter: TWebhookFilter = {
        status: parseStatus(command, opts.status),
        provider: parseProvider(command, "--provider", opts.provider),
      };
      const page = await withDb((db) =>
        listWebhookEvents(db, { filter, limit: opts.limit, cursor: opts.cursor }),
      );
      out.result(page, (p) => {
        if (p.items.length === 0) {
          out.line("No webhook events match.");
          return;
        }
        eventTable(out, p.items);
        out.line(`${p.items.length} event${p.items.length === 1 ? "" : "s"}.`);
        printNextPage(out, p);
      });
    });

  webhooks
    .command("replay")
    .description(
      "Replay stored events through processing again (FAILED ones unless --status says otherwise). Effects happen at most once: processed events are skipped.",
    )
    .requiredOption("--provider <provider>", "stripe or razorpay")
    .requiredOption("--from <time>", "received at or after this ISO 8601 time, e.g. 2026-11-28T10:00:00Z")
    .requiredOption("--to <time>", "received at or before this ISO 8601 time")
    .option("--status <status>", `which events (${WEBHOOK_STATUSES.join(", ")})`, "FAILED")
    .option("--type <eventType>", "only this event type, e.g. payment_intent.succeeded")
    .option("--dry-run", "print how many events match and a sample; change nothing")
    .option("--rate <n>", "at most this many events per second (default: no limit)")
    .option("--concurrency <n>", "events processed at once (1-32)", "4")
    .addHelpText(
      "after",
      examples(
        "ops webhooks replay --provider stripe --from 2026-11-28T00:00:00Z --to 2026-11-28T12:00:00Z --dry-run",
        "ops webhooks replay --provider razorpay --from 2026-11-28T00:00:00+05:30 --to 2026-11-29T00:00:00+05:30 --rate 20",
        "ops webhooks replay --provider stripe --from … --to … --type payment_intent.succeeded --json",
      ) +
        "\nThe run is recorded (see the console's Webhooks page) and retried events keep their attempt history.\n" +
        "Ctrl-C cancels the run after the batch in progress. Exit codes: 0 the run completed (failures are\n" +
        "counted in the output), 1 error or cancelled, 2 wrong command line.\n",
    )
    .action(async (opts: ReplayOptions, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const filter: TWebhookFilter = {
        provider: parseProvider(command, "--provider", opts.provider),
        status: parseStatus(command, opts.status),
        from: parseTime(command, "--from", opts.from),
        to: parseTime(command, "--to", opts.to),
        ...(opts.type ? { eventType: opts.type } : {}),
      };
      if (filter.from && filter.to && filter.from > filter.to)
        usageError(command, `--from (${opts.from}) is after --to (${opts.to}).`);
      const ratePerSecond = parseWhole(command, "--rate", opts.rate, 1, 10_000);
      const concurrency = parseWhole(command, "--concurrency", opts.concurrency, 1, 32) ?? 4;

      if (opts.dryRun) {
        const preview = await withDb((db) => previewReplay(db, filter));
        out.result(preview, (p) => {
          if (p.count === 0) {
            out.line("No events match: nothing would be replayed.");
            return;
          }
          eventTable(out, p.sample);
          out.line(
            `${p.count} event${p.count === 1 ? "" : "s"} would be replayed${p.count > p.sample.length ? ` (first ${p.sample.length} shown)` : ""}. Dry run: nothing changed. Run again without --dry-run to replay.`,
          );
        });
        return;
      }

      const env = loadEnv();
      const final = await withDb(async (db) => {
        const run = await startReplay(db, actor, { filter, ratePerSecond, concurrency }, { enqueue: false });
        if (!out.json)
          out.note(`Replay run ${run.id}: ${run.total} event${run.total === 1 ? "" : "s"} to replay.`);
        const progress = progressReporter(out);
        // Ctrl-C asks the run to stop after its current batch, so it ends CANCELLED, not stuck RUNNING.
        const onInterrupt = () => {
          if (!out.json) out.note("Cancelling after the batch in progress…");
          void cancelReplay(db, actor, run.id).catch(() => undefined);
        };
        process.once("SIGINT", onInterrupt);
        try {
          return await executeReplayRun(db, run.id, {
            maxAttempts: env.OPS_WEBHOOK_MAX_ATTEMPTS,
            backoffBaseSeconds: env.OPS_WEBHOOK_BACKOFF_SECONDS,
            onProgress: progress.update,
          });
        } finally {
          progress.stop();
          process.removeListener("SIGINT", onInterrupt);
        }
      });
      out.result(final, (r) => {
        out.line(`Replay run ${r.id} ${r.status.toLowerCase()}: ${describeRun(r)}.`);
        if (r.failed > 0)
          out.line(
            `${r.failed} event${r.failed === 1 ? " is" : "s are"} still failing: ops webhooks list --status FAILED --provider ${filter.provider?.toLowerCase() ?? ""}`,
          );
        if (r.skipped > 0) out.note("Skipped events were already settled or held by another replay run.");
      });
      if (final.status !== "COMPLETED") process.exitCode = EXIT.FAILURE;
    });

  webhooks
    .command("health")
    .description("Per-provider success rate, counts, latency and oldest pending event over a window")
    .option("--window <hours>", "hours to look back (1-720)", "24")
    .option("--min-volume <n>", "alert only with at least this many processed + failed events", "20")
    .addHelpText(
      "after",
      examples("ops webhooks health", "ops webhooks health --window 1 --json") +
        `\nExit codes: 0 healthy, ${EXIT_ALERT} some provider is in alert (success rate below 95%), 1 error, 2 wrong command line.\n`,
    )
    .action(async (opts: { window: string; minVolume: string }, command: Command) => {
      const { out, withDb } = contextFor(command);
      const windowHours = parseWhole(command, "--window", opts.window, 1, 720) ?? 24;
      const minVolume = parseWhole(command, "--min-volume", opts.minVolume, 1, 100_000) ?? 20;
      const health = await withDb((db) => getWebhookHealth(db, { windowHours, minVolume }));
      out.result(health, (rows) => {
        out.table(
          [
            "provider",
            "success",
            "total",
            "processed",
            "failed",
            "pending",
            "ignored",
            "p50",
            "p95",
            "oldest pending",
            "alert",
          ],
          rows.map((h): Cell[] => [
            h.provider.toLowerCase(),
            percent(h.successRate),
            h.total,
            h.processed,
            h.failed,
            h.pending,
            h.ignored,
            ms(h.p50LatencyMs),
            ms(h.p95LatencyMs),
            age(h.oldestPendingSeconds),
            h.alert ? `ALERT: ${h.alertReason ?? ""}` : "ok",
          ]),
        );
        out.line(`Last ${windowHours} h.`);
      });
      if (health.some((h) => h.alert)) process.exitCode = EXIT_ALERT;
    });
}
