// ops users …: staff accounts, with the console's rules (last-admin guard, reasons recorded).
import type { Command } from "commander";
import {
  changeUserRole,
  createStaffUser,
  listStaffUsers,
  restoreUser,
  staffUserIdByEmail,
  suspendUser,
} from "@radha/core/security";
import type { TStaffRole } from "@radha/core/security/schema";
import { contextFor } from "../lib/context";
import { examples, parseStaffRole, usageError } from "../lib/options";
import { pagingOptions, printNextPage, type PagingOptions } from "../lib/paging";
import { readSecretFromStdin } from "../lib/secops";
import type { TStaffUser } from "@radha/core/security/schema";
import type { Output } from "../lib/output";

const printUser = (out: Output, u: TStaffUser) =>
  out.line(
    `${u.email} (${u.name}): ${u.role}, ${u.status}${u.suspensionReason ? ` — ${u.suspensionReason}` : ""}`,
  );

export function registerUsersCommands(program: Command): void {
  const users = program
    .command("users")
    .description("Staff accounts: list, create, suspend, restore, change role")
    .addHelpText(
      "after",
      examples(
        "ops users list",
        'printf "%s" "$PW" | ops users create --email a@x.com --name "A" --role OPERATOR --password-stdin',
        'ops users suspend a@x.com --reason "left the company"',
        'ops users role a@x.com ADMIN --reason "on-call lead"',
      ),
    );

  pagingOptions(users.command("list").description("Staff users by email"), { default: 50, max: 200 }).action(
    async (opts: PagingOptions, command: Command) => {
      const { out, withDb } = contextFor(command);
      const page = await withDb((db) => listStaffUsers(db, opts));
      out.result(page, (p) => {
        out.table(
          ["email", "name", "role", "status", "last sign-in", "suspension reason"],
          p.items.map((u) => [u.email, u.name, u.role, u.status, u.lastLoginAt, u.suspensionReason]),
        );
        printNextPage(out, p);
      });
    },
  );

  users
    .command("create")
    .description("Create a staff user; the password is read from stdin (never an argument)")
    .requiredOption("--email <email>", "sign-in address")
    .requiredOption("--name <name>", "display name")
    .requiredOption("--role <role>", "VIEWER, OPERATOR or ADMIN", parseStaffRole)
    .option("--password-stdin", "read the password from stdin (required)")
    .action(
      async (
        opts: { email: string; name: string; role: TStaffRole; passwordStdin?: boolean },
        command: Command,
      ) => {
        if (!opts.passwordStdin) usageError(command, "pass --password-stdin and pipe the password in");
        const password = await readSecretFromStdin("password");
        const { out, actor, withDb } = contextFor(command);
        const user = await withDb((db) =>
          createStaffUser(db, actor, { email: opts.email, name: opts.name, role: opts.role, password }),
        );
        out.result(user, (u) => printUser(out, u));
      },
    );

  const byEmail = (
    verb: string,
    description: string,
    run: (
      db: Parameters<typeof suspendUser>[0],
      actor: Parameters<typeof suspendUser>[1],
      userId: string,
      reason: string,
    ) => Promise<TStaffUser>,
  ) =>
    users
      .command(verb)
      .description(description)
      .argument("<email>", "the user's sign-in address")
      .requiredOption("--reason <text>", "why (kept in the audit log)")
      .action(async (email: string, opts: { reason: string }, command: Command) => {
        const { out, actor, withDb } = contextFor(command);
        const user = await withDb(async (db) =>
          run(db, actor, await staffUserIdByEmail(db, email), opts.reason),
        );
        out.result(user, (u) => printUser(out, u));
      });

  byEmail(
    "suspend",
    "Suspend a user: their sessions end at once (never the last active admin)",
    (db, actor, userId, reason) => suspendUser(db, actor, { userId, reason }),
  );
  byEmail("restore", "Restore a suspended user", (db, actor, userId, reason) =>
    restoreUser(db, actor, { userId, reason }),
  );

  users
    .command("role")
    .description("Change a user's role (the last active admin cannot be demoted)")
    .argument("<email>", "the user's sign-in address")
    .argument("<role>", "VIEWER, OPERATOR or ADMIN", parseStaffRole)
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .action(async (email: string, role: TStaffRole, opts: { reason: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const user = await withDb(async (db) =>
        changeUserRole(db, actor, { userId: await staffUserIdByEmail(db, email), role, reason: opts.reason }),
      );
      out.result(user, (u) => printUser(out, u));
    });
}
