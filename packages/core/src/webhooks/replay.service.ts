// Bulk replay: preview by filter, start as a background run, execute with a rate limit and
// concurrency, report progress, cancel. Two overlapping runs never process one event twice:
// each run claims events (replay_run_id) before touching them, and processing itself locks the
// event row, so even an unclaimed overlap is a no-op the second time. History is never reset.
import { z } from "zod";
import type { Db, DbOrTrx } from "../db/database";
import { type Actor, writeAudit } from "../audit/audit.service";
import { DomainError } from "../errors";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { enqueueJob, JOB } from "../jobs/queue";
import type { SharedStore } from "../shared-store/index";
import { isRetryableFault } from "./faults";
import { processWebhookEvent, processWebhookEvents, type ProcessOptions } from "./process.service";
import {
  beatReplayRun,
  claimEventsForRun,
  claimReplayRun,
  countWebhookEvents,
  insertReplayRun,
  lockReplayRun,
  orderEventsByVariant,
  releaseEventsFromRun,
  replayExecutionIsLive,
  selectEventsSettledByRun,
  selectOldestEvents,
  selectReplayPage,
  selectReplayRun,
  selectReplayRuns,
  selectRunAttemptOutcomes,
  selectStalledReplayRuns,
  toSummary,
  tryLockReplayExecution,
  unlockReplayExecution,
  updateReplayRun,
  type ReplayRunRow,
} from "./webhooks.queries";
import {
  ZReplayRunListInput,
  ZReplayStart,
  ZWebhookFilter,
  type TReplayPreview,
  type TReplayRun,
  type TReplayRunListInput,
  type TReplayStart,
  type TWebhookFilter,
} from "./webhooks.schema";

/** Replays default to FAILED events: replaying processed ones would only be skipped. */
function replayFilter(f: TWebhookFilter): TWebhookFilter {
  return { ...f, status: f.status ?? "FAILED" };
}

export async function previewReplay(db: Db, rawFilter: unknown, sampleSize = 10): Promise<TReplayPreview> {
  const filter = replayFilter(ZWebhookFilter.parse(rawFilter));
  const count = await countWebhookEvents(db, filter);
  const sample = await selectOldestEvents(db, filter, sampleSize);
  return { count, sample: sample.map(toSummary) };
}

export function toReplayRun(r: ReplayRunRow): TReplayRun {
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
    const total = await countWebhookEvents(trx, filter);
    const run = await insertReplayRun(trx, {
      filter: JSON.stringify(filter),
      ratePerSecond: input.ratePerSecond ?? null,
      concurrency: input.concurrency,
      total,
      createdBy: actor.label,
    });
    if (opts.enqueue !== false)
      await enqueueJob(trx, JOB.webhookReplayRun, { runId: run.id }, { jobKey: `replay:${run.id}` });
    await writeAudit(trx, actor, {
      action: "webhooks.replay_start",
      target: { type: "webhook_replay_run", id: run.id },
      after: { filter, total, ratePerSecond: input.ratePerSecond ?? null, concurrency: input.concurrency },
    });
    return toReplayRun(run);
  });
}

export async function getReplayRun(db: Db, runId: string): Promise<TReplayRun> {
  const run = await selectReplayRun(db, runId);
  if (!run) throw new DomainError("NOT_FOUND", `No replay run ${runId}`);
  return toReplayRun(run);
}

const ZReplayRunKey = z.tuple([ZKeyTime, z.uuid()]);

export async function listReplayRuns(db: Db, raw: TReplayRunListInput = {}): Promise<TPage<TReplayRun>> {
  const { cursor, limit } = ZReplayRunListInput.parse(raw);
  const rows = await selectReplayRuns(db, { limit: limit + 1, before: decodeCursor(cursor, ZReplayRunKey) });
  return toPage(rows, limit, toReplayRun, (r) => [r.keyTime, r.id]);
}

export async function cancelReplay(db: Db, actor: Actor, runId: string): Promise<TReplayRun> {
  return db.transaction().execute(async (trx) => {
    const run = await lockReplayRun(trx, runId);
    if (!run) throw new DomainError("NOT_FOUND", `No replay run ${runId}`);
    if (!["QUEUED", "RUNNING"].includes(run.status)) return toReplayRun(run);
    const next = run.status === "QUEUED" ? "CANCELLED" : "CANCELLING";
    const updated = await updateReplayRun(trx, runId, {
      status: next,
      ...(next === "CANCELLED" ? { finishedAt: new Date() } : {}),
    });
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
/** Events one replay worker processes together (see processWebhookEvents). */
const CHUNK = 500;

/** How long a run keeps retrying a fault in one of its statements before it is marked FAILED. */
const FAULT_DEADLINE_MS = 60_000;

/**
 * Runs one of a replay run's statements, retrying faults (a lost or reset connection, a deadlock,
 * a lock or statement timeout) with backoff: a database restart or a deadlock victim must not
 * turn a run of thousands of events into FAILED. Domain errors (an event deleted meanwhile) and
 * bugs are not retried, nor a fault that lasts past the deadline.
 */
async function retryingFaults<T>(fn: () => Promise<T>, deadlineMs = FAULT_DEADLINE_MS): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof DomainError || !isRetryableFault(e) || Date.now() - started > deadlineMs) throw e;
      await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** attempt)));
    }
  }
}

export interface ExecuteReplayOptions extends Omit<ProcessOptions, "trigger" | "replayRunId" | "auditActor"> {
  store?: SharedStore;
  batchSize?: number;
  onProgress?: (run: TReplayRun) => void;
  /** How often the execution beats, whatever its chunks are doing (default 30 s). */
  heartbeatMs?: number;
}

/** How often a live execution writes heartbeat_at, on its own connection: well inside REPLAY_STALL_MS. */
const HEARTBEAT_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ReplayExecution {
  /** Another execution took the run over (after this one lost its connection): stop, leave it the run. */
  readonly lost: boolean;
  release(): Promise<void>;
}

/**
 * One execution per run: the run's execution lock (a session advisory lock) held on a connection of
 * its own for as long as the run executes, which beats every `beatMs` on that connection, however
 * long a chunk takes. A second execution (a job the sweep queued for a run it took for stalled)
 * finds the lock taken and exits at once; the sweep never resumes a run whose lock is held, and a
 * dead worker's lock ends with its connection. A lost connection (a database restart) is replaced
 * and the lock taken again; if another execution took it meanwhile, this one is `lost`.
 * Undefined when another execution holds the run.
 */
async function holdReplayExecution(
  db: Db,
  runId: string,
  beatMs: number,
): Promise<ReplayExecution | undefined> {
  let released = false;
  const isReleased = () => released; // set by release(), while the holder waits
  let lost = false;
  let wake: () => void = () => undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pause = () =>
    new Promise<void>((r) => {
      wake = r;
      timer = setTimeout(r, beatMs);
    });
  let acquired!: (held: boolean) => void;
  let refused!: (e: unknown) => void;
  const first = new Promise<boolean>((resolve, reject) => ((acquired = resolve), (refused = reject)));
  const holder = (async () => {
    let faultSince: number | undefined;
    for (let attempt = 1; !isReleased(); attempt++) {
      try {
        const held = await db.connection().execute(async (conn) => {
          if (!(await tryLockReplayExecution(conn, runId))) return false;
          acquired(true);
          faultSince = undefined;
          attempt = 0;
          try {
            for (;;) {
              await pause();
              if (isReleased()) break;
              await beatReplayRun(conn, runId);
            }
          } finally {
            await unlockReplayExecution(conn, runId).catch(() => undefined);
          }
          return true;
        });
        if (!held) {
          lost = true;
          acquired(false);
        }
        return;
      } catch (e) {
        // A beat or the lock's connection failed: take the lock again on a new connection.
        faultSince ??= Date.now();
        if (!isRetryableFault(e) || Date.now() - faultSince > FAULT_DEADLINE_MS) {
          lost = true;
          refused(e);
          return;
        }
        await sleep(Math.min(2_000, 50 * 2 ** attempt));
      }
    }
  })();
  if (!(await first)) return undefined;
  return {
    get lost() {
      return lost;
    },
    async release() {
      released = true;
      clearTimeout(timer);
      wake();
      await holder;
    },
  };
}

/**
 * Runs a replay to the end (or until cancelled). Safe to call again for a run left RUNNING; a call
 * while another execution of the run is live returns the run as it is, processing nothing.
 */
export async function executeReplayRun(
  db: Db,
  runId: string,
  opts: ExecuteReplayOptions,
): Promise<TReplayRun> {
  const execution = await holdReplayExecution(db, runId, opts.heartbeatMs ?? HEARTBEAT_MS);
  if (!execution) return getReplayRun(db, runId);
  try {
    return await executeHeldReplayRun(db, runId, opts, execution);
  } finally {
    await execution.release();
  }
}

async function executeHeldReplayRun(
  db: Db,
  runId: string,
  opts: ExecuteReplayOptions,
  execution: ReplayExecution,
): Promise<TReplayRun> {
  // Started before: an execution that died (its lock is ours now) may have processed events
  // after its last save. Its attempt rows say what it did; those events are not taken again.
  const resuming = (await retryingFaults(() => selectReplayRun(db, runId)))?.startedAt != null;
  const claimed = await claimReplayRun(db, runId);
  if (!claimed) return getReplayRun(db, runId);
  const filter = claimed.filter as TWebhookFilter;
  const batchSize = opts.batchSize ?? 1000;
  const minIntervalMs = claimed.ratePerSecond ? 1000 / claimed.ratePerSecond : 0;
  let nextSlot = Date.now();
  let cursor: { at: string; id: string } | undefined;
  const { counts, attempted } = resuming
    ? await retryingFaults(() => countsFromAttempts(db, runId, claimed.skipped))
    : {
        counts: {
          done: claimed.done,
          succeeded: claimed.succeeded,
          failed: claimed.failed,
          skipped: claimed.skipped,
        },
        attempted: new Set<string>(),
      };

  /** Saves the run's counts (and a final status, if given) and tells whoever is watching. */
  const save = async (finish?: "CANCELLED" | "COMPLETED"): Promise<TReplayRun> => {
    const run = toReplayRun(
      await retryingFaults(() =>
        updateReplayRun(db, runId, finish ? { ...counts, status: finish, finishedAt: new Date() } : counts, {
          heartbeat: true,
        }),
      ),
    );
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
    if (ticking || execution.lost || Date.now() - lastTick < PROGRESS_INTERVAL_MS) return;
    lastTick = Date.now();
    ticking = (async () => {
      const run = await save();
      if (run.status === "CANCELLING") cancelSeen = true;
    })().finally(() => (ticking = undefined));
    await ticking;
  };

  try {
    for (;;) {
      const batch = await retryingFaults(() => selectReplayPage(db, filter, cursor, batchSize));
      const last = batch.at(-1);
      if (!last) break;
      cursor = { at: last.keyTime, id: last.id };

      // Claim what no other live run holds; the rest is another operator's and is skipped.
      const ids = batch.map((b) => b.id);
      const claimedIds = await retryingFaults(() => claimEventsForRun(db, runId, ids));
      counts.skipped += ids.length - claimedIds.length;
      counts.done += ids.length - claimedIds.length;
      let queue = attempted.size > 0 ? claimedIds.filter((id) => !attempted.has(id)) : claimedIds;

      // A rate-limited run takes one event at a time. Otherwise a worker takes up to CHUNK events
      // and processes them in a few statements; more workers would only queue on the variants'
      // row locks (measured: 2 workers of 500 beat 4 of 250 and 16 of 63 on 2 cores).
      // Chunks taken at once then lock mostly different variants.
      const chunk = minIntervalMs > 0 ? 1 : CHUNK;
      if (chunk > 1 && queue.length > chunk) {
        const unordered = queue;
        queue = await retryingFaults(() => orderEventsByVariant(db, unordered));
      }
      // A chunk that fails for good stops the other workers taking new chunks; the run then
      // fails once every chunk in flight has finished (none is left writing after FAILED).
      let broken = false;
      const workers = Array.from(
        { length: Math.min(claimed.concurrency, Math.ceil(queue.length / chunk)) },
        async () => {
          for (
            let ids = queue.splice(0, chunk);
            ids.length > 0 && !cancelSeen && !broken && !execution.lost;
            ids = queue.splice(0, chunk)
          ) {
            if (minIntervalMs > 0) {
              const wait = nextSlot - Date.now();
              nextSlot = Math.max(nextSlot, Date.now()) + minIntervalMs;
              if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            }
            // Processing records each event's own failures; what reaches here is a failure it
            // could not record. Events the first attempt settled come back SKIPPED on the retry:
            // settled by this run, they count as succeeded.
            const results = await retryingFaults(() =>
              processWebhookEvents(db, ids, {
                ...opts,
                trigger: "REPLAY",
                replayRunId: runId,
                operator: claimed.createdBy,
              }),
            ).catch((e: unknown) => {
              broken = true;
              throw e;
            });
            const ours = results.some((r) => r.outcome === "SKIPPED")
              ? new Set(await retryingFaults(() => selectEventsSettledByRun(db, runId, ids)))
              : new Set<string>();
            for (const [i, result] of results.entries()) {
              counts.done += 1;
              if (result.outcome === "PROCESSED" || result.outcome === "IGNORED") counts.succeeded += 1;
              else if (result.outcome === "SKIPPED" && ours.has(ids[i] ?? "")) counts.succeeded += 1;
              else if (result.outcome === "FAILED") counts.failed += 1;
              else counts.skipped += 1;
            }
            await tick();
          }
        },
      );
      const failed = (await Promise.allSettled(workers)).find((w) => w.status === "rejected");
      await ticking;
      if (failed) throw failed.reason;
      // Another execution has the run now: it counts and finishes it; this one writes nothing more.
      if (execution.lost) return await getReplayRun(db, runId);
      await retryingFaults(() => releaseEventsFromRun(db, runId, ids));
      const progress = await save();
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the cancel watcher callback
      if (cancelSeen || progress.status === "CANCELLING") return await save("CANCELLED");
    }
    return await save("COMPLETED");
  } catch (cause) {
    await updateReplayRun(db, runId, {
      ...counts,
      status: "FAILED",
      error: (cause as Error).message.slice(0, 500),
      finishedAt: new Date(),
    });
    await releaseEventsFromRun(db, runId);
    throw cause;
  }
}

/**
 * A run's counts as its attempt rows tell them (each event's last attempt by the run), and the
 * events it attempted. An event skipped without an attempt (another run's, deferred) leaves no
 * row: skipped is the larger of the count last saved and the events it held for review.
 */
async function countsFromAttempts(db: DbOrTrx, runId: string, savedSkipped: number) {
  const outcomes = await selectRunAttemptOutcomes(db, runId);
  const count = (...of: string[]) => outcomes.filter((o) => of.includes(o.outcome)).length;
  const succeeded = count("PROCESSED", "IGNORED");
  const failed = count("FAILED");
  const skipped = Math.max(savedSkipped, count("NEEDS_REVIEW"));
  return {
    counts: { done: succeeded + failed + skipped, succeeded, failed, skipped },
    attempted: new Set(outcomes.map((o) => o.eventId)),
  };
}

/** How long a run may go without a heartbeat before the sweep looks whether anyone executes it. */
export const REPLAY_STALL_MS = 5 * 60_000;

/**
 * For the minute sweep: a RUNNING run whose heartbeat stopped and whose execution lock nobody
 * holds lost its worker (its job runs once, so nothing would run it again) and is queued again to
 * resume where it stopped; a CANCELLING one is finished as CANCELLED. Either way its events stop
 * being held by a run nobody executes. A run whose lock is held is live, however stale its
 * heartbeat (a worker paused, a beat that failed): it is left alone. Its heartbeat is reset when
 * it is queued, so the next sweeps leave it to the new job.
 */
export async function resumeStalledReplayRuns(
  db: Db,
  stalledBefore = new Date(Date.now() - REPLAY_STALL_MS),
): Promise<{ resumed: number; cancelled: number }> {
  const counts = { resumed: 0, cancelled: 0 };
  for (const { id } of await selectStalledReplayRuns(db, stalledBefore)) {
    await db.transaction().execute(async (trx) => {
      // Locked and checked again: its executor may have come back since the select.
      const run = await lockReplayRun(trx, id);
      const beat = run && (run.heartbeatAt ?? run.startedAt ?? run.createdAt);
      if (!run || !beat || beat >= stalledBefore) return;
      if (await replayExecutionIsLive(trx, id)) return;
      if (run.status === "RUNNING") {
        await updateReplayRun(trx, id, {}, { heartbeat: true });
        await enqueueJob(trx, JOB.webhookReplayRun, { runId: id }, { jobKey: `replay:${id}` });
        counts.resumed += 1;
      } else if (run.status === "CANCELLING") {
        const { counts: done } = await countsFromAttempts(trx, id, run.skipped);
        await updateReplayRun(trx, id, { ...done, status: "CANCELLED", finishedAt: new Date() });
        await releaseEventsFromRun(trx, id);
        counts.cancelled += 1;
      }
    });
  }
  return counts;
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
