// ops sessions …: staff sign-in sessions (list, revoke one user's, or everyone's).
import type { Command } from "commander";
import { listSessions, revokeSessionsFor } from "@radha/core/security";
import { contextFor } from "../lib/context";
import { examples, usageError } from "../lib/options";
import { pagingOptions, printNextPage, type PagingOptions } from "../lib/paging";

export function registerSessionsCommands(program: Command): void {
  const sessions = program
    .command("sessions")
    .description("Staff sessions: list, revoke a user's or everyone's")
    .addHelpText(
      "after",
      examples(
        "ops sessions list --user ops@example.com",
        'ops sessions revoke --user ops@example.com --reason "lost laptop"',
        'ops sessions revoke --all --reason "incident 42"',
      ),
    );

  pagingOptions(
    sessions
      .command("list")
      .description("Live sessions, newest first (created, last used, IP, user agent)")
      .option("--user <email>", "only this user's sessions")
      .option("--include-ended", "also revoked and expired sessions"),
    { default: 50, max: 200 },
  ).action(async (opts: PagingOptions & { user?: string; includeEnded?: boolean }, command: Command) => {
    const { out, withDb } = contextFor(command);
    const page = await withDb((db) =>
      listSessions(db, {
        limit: opts.limit,
        ...(opts.cursor ? { cursor: opts.cursor } : {}),
        ...(opts.user ? { userEmail: opts.user } : {}),
        includeEnded: opts.includeEnded === true,
      }),
    );
    out.result(page, (p) => {
      if (!p.items.length) {
        out.line("No live sessions.");
        return;
      }
      out.table(
        ["id", "user", "created", "last used", "ip", "user agent", "ended"],
        p.items.map((s) => [
          s.id,
          s.userEmail,
          s.createdAt,
          s.lastUsedAt,
          s.ip,
          s.userAgent?.slice(0, 40),
          s.revokedAt ? `revoked: ${s.revokedReason ?? ""}` : null,
        ]),
      );
      printNextPage(out, p);
    });
  });

  sessions
    .command("revoke")
    .description("End sessions now: one user's (--user) or everyone's (--all, the emergency sign-out)")
    .option("--user <email>", "the user whose sessions end")
    .option("--all", "every session of every user")
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .action(async (opts: { user?: string; all?: boolean; reason: string }, command: Command) => {
      if (Boolean(opts.user) === Boolean(opts.all))
        usageError(command, "give exactly one of --user <email> or --all");
      const { out, actor, withDb } = contextFor(command);
      const result = await withDb((db) =>
        revokeSessionsFor(
          db,
          actor,
          opts.all ? { all: true, reason: opts.reason } : { userEmail: opts.user, reason: opts.reason },
        ),
      );
      out.result(result, (r) => out.line(`Revoked ${r.revoked} session(s); they must sign in again.`));
    });
}
