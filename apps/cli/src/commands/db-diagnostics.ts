// ops db status | cancel | terminate: live diagnostics and the emergency actions on one backend,
// registered under the existing `ops db` command.
import { InvalidArgumentError, type Command } from "commander";
import { cancelDbBackend, getDbStatus, terminateDbBackend } from "@radha/core/dbops";
import { contextFor } from "../lib/context";
import { formatBytes } from "../lib/dbops";
import { examples } from "../lib/options";

function parsePid(value: string): number {
  if (/^\d{1,10}$/.test(value.trim()) && Number(value) > 0 && Number(value) < 2 ** 31) return Number(value);
  throw new InvalidArgumentError(
    `"${value}" is not a backend pid (see the pid column of \`ops db status\`).`,
  );
}

export function registerDbDiagnosticsCommands(program: Command): void {
  const db = program.commands.find((c) => c.name() === "db");
  if (!db) throw new Error("the db command must be registered first");

  db.command("status")
    .description(
      "Connections by state and application, long-running queries, blocking chains, largest relations",
    )
    .option("--long <seconds>", "a query running this long is listed", (v) => Number(v), 30)
    .addHelpText("after", examples("ops db status", "ops db status --long 5 --json"))
    .action(async (opts: { long: number }, command: Command) => {
      const { out, withDb } = contextFor(command);
      const s = await withDb((conn) => getDbStatus(conn, { longRunningSeconds: opts.long }));
      out.result(s, (r) => {
        out.line(
          `Database ${r.database}: ${r.thisDatabaseConnections} connections here, ${r.totalConnections} of max_connections ${r.maxConnections} on the server`,
        );
        out.table(
          ["state", "application", "count"],
          r.byState.map((g) => [g.state, g.application, g.count]),
        );
        out.line(
          r.longRunning.length ? `Long-running (≥ ${opts.long} s):` : `No query running ≥ ${opts.long} s.`,
        );
        if (r.longRunning.length)
          out.table(
            ["pid", "application", "state", "wait", "seconds", "query"],
            r.longRunning.map((q) => [
              q.pid,
              q.application,
              q.state,
              q.waitEvent,
              Math.round(q.durationSeconds),
              q.query.slice(0, 80),
            ]),
          );
        if (r.blocking.length) {
          out.line("Blocking chains (pid ← blocked by):");
          out.table(
            ["pid", "blocked by", "application", "seconds", "query"],
            r.blocking.map((q) => [
              q.pid,
              q.blockedBy.join(", ") || "(blocks others)",
              q.application,
              Math.round(q.durationSeconds),
              q.query.slice(0, 60),
            ]),
          );
        }
        out.table(
          ["largest", "kind", "size"],
          r.largest.map((x) => [x.name, x.kind, formatBytes(x.bytes)]),
        );
      });
    });

  db.command("cancel <pid>")
    .description("Cancel the running statement of a client connection on this database (audited)")
    .option("--reason <text>", "why")
    .addHelpText("after", examples("ops db cancel 12345 --reason 'runaway report'"))
    .action(async (pid: string, opts: { reason?: string }, command: Command) => {
      const { out, withDb, actor } = contextFor(command);
      const r = await withDb((conn) =>
        cancelDbBackend(conn, actor, { pid: parsePid(pid), ...(opts.reason ? { reason: opts.reason } : {}) }),
      );
      out.result(r, (x) => {
        out.line(x.message);
      });
    });

  db.command("terminate <pid>")
    .description("Cancel, wait the grace period, then end the session of a client connection (audited)")
    .requiredOption("--reason <text>", "why (required; on the audit log)")
    .option("--grace <ms>", "how long to wait after the cancel", (v) => Number(v), 3000)
    .addHelpText("after", examples("ops db terminate 12345 --reason 'holding a lock on orders for 20 min'"))
    .action(async (pid: string, opts: { reason: string; grace: number }, command: Command) => {
      const { out, withDb, actor } = contextFor(command);
      const r = await withDb((conn) =>
        terminateDbBackend(conn, actor, { pid: parsePid(pid), reason: opts.reason, graceMs: opts.grace }),
      );
      out.result(r, (x) => {
        out.line(x.message);
      });
    });
}
