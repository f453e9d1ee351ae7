// Bulk replay: preview by filter, start as a background run, execute with a rate limit and
// concurrency, report progress, cancel. Two overlapping runs never process one event twice:
// each run claims events (replay_run_id) before touching them, and processing itself locks the
// event row, so even an unclaimed overlap is a no-op the second time. History is never reset.
import { sql } from "kysely";
import type { Db, WebhookReplayRunsTable } from "../db/database";
import type { Selectable } from "kysely";
import { type Actor, writeAudit } from "../audit/audit.service";
import { DomainError } from "../errors";
import { enqueueJob, JOB } from "../jobs/queue";
import type { SharedStore } from "../shared-store/index";
import { processWebhookEvent, type ProcessOptions } from "./process.service";
import { applyWebhookFilter, toSummary, SUMMARY_COLUMNS } from "./webhooks.queries";
import {
  ZReplayStart,
  ZWebhookFilter,
  type TReplayPreview,
  type TReplayRun,
  type TReplayStart,
  type TWebhookFilter,
} from "./webhooks.schema";

/** Replays default to FAILED events: replaying processed ones would only be skipped. */
function replayFilter(f: TWebhookFilter): TWebhookFilter {
  return { ...f, status: f.status ?? "FAILED" };
}

export async function previewReplay(db: Db, rawFilter: unknown, sampleSize = 10): Promise<TReplayPreview> {
  const filter = replayFilter(ZWebhookFilter.parse(rawFilter));
  const count = await applyWebhookFilter(
    db.selectFrom("webhookEvents").select((eb) => eb.fn.countAll<string>().as("n")),
    filter,
  ).executeTakeFirstOrThrow();
  const sample = await applyWebhookFilter(db.selectFrom("webhookEvents").select([...SUMMARY_COLUMNS]), filter)
    .orderBy("receivedAt")
    .orderBy("id")
    .limit(sampleSize)
    .execute();
  return { count: Number(count.n), sample: sample.map(toSummary) };
}

export function toReplayRun(r: Selectable<WebhookReplayRunsTable>): TReplayRun {
  return {
    id: r.id,
    status: r.status,
    filter: r.filter as TWebhookFilter,
    ratePerSecond: r.ratePerSecond,
    concurrency: r.concurrency,
    total: r.total,
    done: r.done,
    succeeded: r.succeeded,
    failed: r.failed,
    skipped: r.skipped,
    error: r.error,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

/** Records the run and queues it; `enqueue: false` lets the CLI execute it in-process instead. */
export async function startReplay(
  db: Db,
  actor: Actor,
  raw: TReplayStart,
  opts: { enqueue?: boolean } = {},
): Promise<TReplayRun> {
  const input = ZReplayStart.parse(raw);
  const filter = replayFilter(input.filter);
  return db.transaction().execute(async (trx) => {
    const { n } = await applyWebhookFilter(
      trx.selectFrom("webhookEvents").select((eb) => eb.fn.countAll<string>().as("n")),
      filter,
    ).executeTakeFirstOrThrow();
    const run = await trx
      .insertInto("webhookReplayRuns")
      .values({
        filter: JSON.stringify(filter),
        ratePerSecond: input.ratePerSecond ?? null,
        concurrency: input.concurrency,
        total: Number(n),
        createdBy: actor.label,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (opts.enqueue !== false)
      await enqueueJob(trx, JOB.webhookReplayRun, { runId: run.id }, { jobKey: `replay:${run.id}` });
    await writeAudit(trx, actor, {
      action: "webhooks.replay_start",
      target: { type: "webhook_replay_run", id: run.id },
      after: {
        filter,
        total: Number(n),
        ratePerSecond: input.ratePerSecond ?? null,
        concurrency: input.concurrency,
      },
    });
    return toReplayRun(run);
  });
}

export async function getReplayRun(db: Db, runId: string): Promise<TReplayRun> {
  const run = await db.selectFrom("webhookReplayRuns").selectAll().where("id", "=", runId).executeTakeFirst();
  if (!run) throw new DomainError("NOT_FOUND", `No replay run ${runId}`);
  return toReplayRun(run);
}

export async function listReplayRuns(db: Db, limit = 20): Promise<TReplayRun[]> {
  const rows = await db
    .selectFrom("webhookReplayRuns")
    .selectAll()
    .orderBy("createdAt", "desc")
    .limit(limit)
    .execute();
  return rows.map(toReplayRun);
}

export async function cancelReplay(db: Db, actor: Actor, runId: string): Promise<TReplayRun> {
  return db.transaction().execute(async (trx) => {
    const run = await trx
      .selectFrom("webhookReplayRuns")
      .selectAll()
      .where("id", "=", runId)
      .forUpdate()
      .executeTakeFirst();
    if (!run) throw new DomainError("NOT_FOUND", `No replay run ${runId}`);
    if (!["QUEUED", "RUNNING"].includes(run.status)) return toReplayRun(run);
    const next = run.status === "QUEUED" ? "CANCELLED" : "CANCELLING";
    const updated = await trx
      .updateTable("webhookReplayRuns")
      .set({ status: next, ...(next === "CANCELLED" ? { finishedAt: new Date() } : {}) })
      .where("id", "=", runId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeAudit(trx, actor, {
      action: "webhooks.replay_cancel",
      target: { type: "webhook_replay_run", id: runId },
      before: { status: run.status },
      after: { status: next, done: run.done },
    });
    return toReplayRun(updated);
  });
}

export const replayChannel = (runId: string) => `webhooks:replay:${runId}`;
const PROGRESS_INTERVAL_MS = 500;

export interface ExecuteReplayOptions extends Omit<ProcessOptions, "trigger" | "replayRunId"> {
  store?: SharedStore;
  batchSize?: number;
  onProgress?: (run: TReplayRun) => void;
}

/** Runs a replay to the end (or until cancelled). Safe to call again for a run left RUNNING. */
export async function executeReplayRun(
  db: Db,
  runId: string,
  opts: ExecuteReplayOptions,
): Promise<TReplayRun> {
  const claimed = await db
    .updateTable("webhookReplayRuns")
    .set({ status: "RUNNING", startedAt: sql`coalesce(started_at, now())` })
    .where("id", "=", runId)
    .where("status", "in", ["QUEUED", "RUNNING"])
    .returningAll()
    .executeTakeFirst();
  if (!claimed) return getReplayRun(db, runId);
  const filter = claimed.filter as TWebhookFilter;
  const batchSize = opts.batchSize ?? 200;
  const minIntervalMs = claimed.ratePerSecond ? 1000 / claimed.ratePerSecond : 0;
  let nextSlot = Date.now();
  let cursor: { at: Date; id: string } | undefined;
  const counts = {
    done: claimed.done,
    succeeded: claimed.succeeded,
    failed: claimed.failed,
    skipped: claimed.skipped,
  };

  const report = async (): Promise<TReplayRun> => {
    const row = await db
      .updateTable("webhookReplayRuns")
      .set(counts)
      .where("id", "=", runId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const run = toReplayRun(row);
    opts.onProgress?.(run);
    await opts.store?.publish(replayChannel(runId), JSON.stringify(run)).catch(() => undefined);
    return run;
  };

  // Between batches is too coarse for a rate-limited run: every PROGRESS_INTERVAL_MS the run
  // publishes its counts and looks for a cancel, so workers stop pulling new events promptly.
  let cancelSeen = false;
  let lastTick = Date.now();
  let ticking: Promise<void> | undefined;
  const tick = async (): Promise<void> => {
    if (ticking || Date.now() - lastTick < PROGRESS_INTERVAL_MS) return;
    lastTick = Date.now();
    ticking = (async () => {
      const run = await report();
      if (run.status === "CANCELLING") cancelSeen = true;
    })().finally(() => (ticking = undefined));
    await ticking;
  };

  try {
    for (;;) {
      let q = applyWebhookFilter(db.selectFrom("webhookEvents").select(["id", "receivedAt"]), filter);
      if (cursor) {
        const c = cursor;
        q = q.where((eb) =>
          eb(eb.refTuple("webhookEvents.receivedAt", "webhookEvents.id"), ">", eb.tuple(c.at, c.id)),
        );
      }
      const batch = await q.orderBy("receivedAt").orderBy("id").limit(batchSize).execute();
      if (batch.length === 0) break;
      const last = batch[batch.length - 1]!;
      cursor = { at: last.receivedAt, id: last.id };

      // Claim what no other live run holds; the rest is another operator's and is skipped.
      const ids = batch.map((b) => b.id);
      const { rows: mine } = await sql<{ id: string }>`
        UPDATE webhook_events e SET replay_run_id = ${runId}
        WHERE e.id = ANY(${ids}::uuid[])
          AND (e.replay_run_id IS NULL OR e.replay_run_id = ${runId}
               OR NOT EXISTS (SELECT 1 FROM webhook_replay_runs r WHERE r.id = e.replay_run_id AND r.status IN ('RUNNING','CANCELLING')))
        RETURNING e.id
      `.execute(db);
      counts.skipped += ids.length - mine.length;
      counts.done += ids.length - mine.length;

      const queue = mine.map((m) => m.id);
      const workers = Array.from({ length: Math.min(claimed.concurrency, queue.length) }, async () => {
        for (let id = queue.shift(); id && !cancelSeen; id = queue.shift()) {
          if (minIntervalMs > 0) {
            const wait = nextSlot - Date.now();
            nextSlot = Math.max(nextSlot, Date.now()) + minIntervalMs;
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          }
          const result = await processWebhookEvent(db, id, {
            ...opts,
            trigger: "REPLAY",
            replayRunId: runId,
            operator: claimed.createdBy,
          });
          counts.done += 1;
          if (result.outcome === "PROCESSED" || result.outcome === "IGNORED") counts.succeeded += 1;
          else if (result.outcome === "FAILED") counts.failed += 1;
          else counts.skipped += 1;
          await tick();
        }
      });
      await Promise.all(workers);
      await ticking;
      await sql`UPDATE webhook_events SET replay_run_id = NULL WHERE replay_run_id = ${runId} AND id = ANY(${ids}::uuid[])`.execute(
        db,
      );
      const progress = await report();
      if (cancelSeen || progress.status === "CANCELLING") {
        const row = await db
          .updateTable("webhookReplayRuns")
          .set({ ...counts, status: "CANCELLED", finishedAt: new Date() })
          .where("id", "=", runId)
          .returningAll()
          .executeTakeFirstOrThrow();
        const run = toReplayRun(row);
        opts.onProgress?.(run);
        await opts.store?.publish(replayChannel(runId), JSON.stringify(run)).catch(() => undefined);
        return run;
      }
    }
    const row = await db
      .updateTable("webhookReplayRuns")
      .set({ ...counts, status: "COMPLETED", finishedAt: new Date() })
      .where("id", "=", runId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const run = toReplayRun(row);
    opts.onProgress?.(run);
    await opts.store?.publish(replayChannel(runId), JSON.stringify(run)).catch(() => undefined);
    return run;
  } catch (cause) {
    await db
      .updateTable("webhookReplayRuns")
      .set({
        ...counts,
        status: "FAILED",
        error: (cause as Error).message.slice(0, 500),
        finishedAt: new Date(),
      })
      .where("id", "=", runId)
      .execute();
    await sql`UPDATE webhook_events SET replay_run_id = NULL WHERE replay_run_id = ${runId}`.execute(db);
    throw cause;
  }
}

/** Replays one event now, in the caller's request, as an operator (audited in the same transaction). */
export async function replayOneEvent(
  db: Db,
  actor: Actor,
  eventId: string,
  opts: Omit<ProcessOptions, "trigger" | "replayRunId" | "operator" | "auditActor">,
) {
  return processWebhookEvent(db, eventId, {
    ...opts,
    trigger: "REPLAY",
    operator: actor.label,
    auditActor: actor,
  });
}
