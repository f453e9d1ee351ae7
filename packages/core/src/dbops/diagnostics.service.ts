// Live database diagnostics and the two emergency actions on a backend: cancel its statement, or
// end its session after a cancel and a grace period. Only client backends on our own database,
// never the connection asking, never autovacuum, walwriter or any other system process.
import { type Actor, recordAuditEvent } from "../audit/audit.service";
import type { Kysely } from "kysely";
import type { Database, Db, DbOrTrx } from "../db/database";
import { DomainError } from "../errors";
import {
  cancelBackend,
  selectActivity,
  selectBackend,
  selectConnectionSettings,
  selectConnectionsByState,
  selectLargestRelations,
  selectOwnPid,
  terminateBackend,
} from "./dbops.queries";
import { ZCancelBackend, ZTerminateBackend, type TBackendAction, type TDbStatus } from "./dbops.schema";

/** What getDbStatus reads of a pg.Pool. */
export interface PoolStats {
  options: { max?: number | undefined };
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export async function getDbStatus(
  db: Db,
  opts: { pool?: PoolStats | undefined; longRunningSeconds?: number } = {},
): Promise<TDbStatus> {
  const [settings, byState, activity, largest] = await Promise.all([
    selectConnectionSettings(db),
    selectConnectionsByState(db),
    selectActivity(db, opts.longRunningSeconds ?? 30),
    selectLargestRelations(db, 10),
  ]);
  const minSeconds = opts.longRunningSeconds ?? 30;
  const blockers = new Set(activity.flatMap((a) => a.blockedBy));
  return {
    database: settings.database,
    ownPid: settings.ownPid,
    maxConnections: settings.maxConnections,
    totalConnections: settings.total,
    thisDatabaseConnections: settings.ours,
    byState,
    pool: opts.pool
      ? {
          max: opts.pool.options.max ?? 10,
          total: opts.pool.totalCount,
          idle: opts.pool.idleCount,
          waiting: opts.pool.waitingCount,
        }
      : null,
    longRunning: activity.filter((a) => a.state !== "idle" && a.durationSeconds >= minSeconds),
    blocking: activity.filter((a) => a.blockedBy.length > 0 || blockers.has(a.pid)),
    largest,
    checkedAt: new Date().toISOString(),
  };
}

/** Refuses anything but another client backend connected to our database. */
async function targetBackend(db: DbOrTrx | Kysely<Database>, pid: number) {
  const [own, backend, settings] = await Promise.all([
    selectOwnPid(db),
    selectBackend(db, pid),
    selectConnectionSettings(db),
  ]);
  if (pid === own) throw new DomainError("FORBIDDEN", `pid ${pid} is this operation's own connection`);
  if (!backend) throw new DomainError("NOT_FOUND", `No backend with pid ${pid}`);
  if (backend.backendType !== "client backend")
    throw new DomainError(
      "FORBIDDEN",
      `pid ${pid} is a PostgreSQL ${backend.backendType}, not a client connection`,
    );
  if (backend.database !== settings.database)
    throw new DomainError(
      "FORBIDDEN",
      `pid ${pid} is connected to database ${backend.database ?? "(none)"}, not ${settings.database}`,
    );
  return backend;
}

export async function cancelDbBackend(db: Db, actor: Actor, raw: unknown): Promise<TBackendAction> {
  const input = ZCancelBackend.parse(raw);
  // The check and the signal on one connection: "our own pid" is the one sending it.
  const { backend, cancelled } = await db.connection().execute(async (conn) => {
    const b = await targetBackend(conn, input.pid);
    return { backend: b, cancelled: await cancelBackend(conn, input.pid) };
  });
  await recordAuditEvent(db, actor, {
    action: "db.cancel",
    target: { type: "backend", id: String(input.pid) },
    before: { application: backend.application, state: backend.state },
    after: { cancelled },
    reason: input.reason ?? null,
  });
  return {
    pid: input.pid,
    action: "cancel",
    cancelled,
    terminated: false,
    message: cancelled
      ? `Cancelled the running statement of pid ${input.pid}`
      : `pid ${input.pid} had nothing to cancel`,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cancel first; if the session is still busy after the grace period, end it. */
export async function terminateDbBackend(db: Db, actor: Actor, raw: unknown): Promise<TBackendAction> {
  const input = ZTerminateBackend.parse(raw);
  const { backend, cancelled, terminated } = await db.connection().execute(async (conn) => {
    const b = await targetBackend(conn, input.pid);
    const c = await cancelBackend(conn, input.pid);
    const deadline = Date.now() + input.graceMs;
    let after = await selectBackend(conn, input.pid);
    while (after && after.state !== "idle" && Date.now() < deadline) {
      await sleep(Math.min(200, input.graceMs));
      after = await selectBackend(conn, input.pid);
    }
    return { backend: b, cancelled: c, terminated: after ? await terminateBackend(conn, input.pid) : false };
  });
  await recordAuditEvent(db, actor, {
    action: "db.terminate",
    target: { type: "backend", id: String(input.pid) },
    before: { application: backend.application, state: backend.state },
    after: { cancelled, terminated, graceMs: input.graceMs },
    reason: input.reason,
  });
  return {
    pid: input.pid,
    action: "terminate",
    cancelled,
    terminated,
    message: terminated
      ? `Ended the session of pid ${input.pid} (cancelled first, waited ${input.graceMs} ms)`
      : `pid ${input.pid} ended before it had to be terminated`,
  };
}
