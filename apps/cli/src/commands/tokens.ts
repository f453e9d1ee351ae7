// ops tokens …: service tokens for internal callers (@radha/client, scripts, jobs).
import { type Command, InvalidArgumentError } from "commander";
import { createServiceToken, listServiceTokens, revokeServiceToken } from "@radha/core/security";
import type { TStaffRole } from "@radha/core/security/schema";
import { contextFor } from "../lib/context";
import { examples, parseStaffRole, parseUuid } from "../lib/options";
import { pagingOptions, printNextPage, type PagingOptions } from "../lib/paging";

export function registerTokensCommands(program: Command): void {
  const tokens = program
    .command("tokens")
    .description("Service tokens: create, list, revoke")
    .addHelpText(
      "after",
      examples(
        "ops tokens create --name nightly-report --role VIEWER --owner ops@example.com",
        "ops tokens list",
        "ops tokens revoke 6f1c…",
      ),
    );

  tokens
    .command("create")
    .description("Create a service token; the secret is printed once and never stored")
    .requiredOption("--name <name>", "unique name among active tokens (letters, digits, . _ -)")
    .requiredOption("--role <role>", "VIEWER, OPERATOR or ADMIN", parseStaffRole)
    .requiredOption(
      "--owner <email>",
      "the staff user it acts for: it dies when they are suspended or lose the role",
    )
    .option("--expires-in-days <days>", "1–365 (default 90)", parseExpiryDays)
    .addHelpText(
      "after",
      examples(
        "ops tokens create --name stock-sync --role OPERATOR --owner ops@example.com",
        "ops tokens create --name ci --role VIEWER --owner ci-owner@example.com --expires-in-days 30 --json",
      ),
    )
    .action(
      async (
        opts: { name: string; role: TStaffRole; owner: string; expiresInDays?: number },
        command: Command,
      ) => {
        const { out, actor, withDb } = contextFor(command);
        const { token, info } = await withDb((db) =>
          createServiceToken(db, actor, {
            name: opts.name,
            role: opts.role,
            ownerEmail: opts.owner,
            ...(opts.expiresInDays ? { expiresInDays: opts.expiresInDays } : {}),
          }),
        );
        const created = {
          token,
          id: info.id,
          name: info.name,
          role: info.role,
          owner: info.ownerEmail,
          expiresAt: info.expiresAt,
        };
        out.result(created, (t) => {
          out.line(
            `Created service token "${t.name}" (${t.role}) for ${t.owner ?? "?"}, id ${t.id}, expires ${t.expiresAt}`,
          );
          out.line();
          out.line(`  ${t.token}`);
          out.line();
          out.note(
            "Store this token now (e.g. in your secret manager): it is shown only once and cannot be recovered.",
          );
        });
      },
    );

  pagingOptions(
    tokens.command("list").description("List service tokens, newest first (secrets are never shown)"),
    { default: 50, max: 200 },
  )
    .addHelpText("after", examples("ops tokens list", "ops tokens list --json"))
    .action(async (opts: PagingOptions, command: Command) => {
      const { out, withDb } = contextFor(command);
      const list = await withDb((db) => listServiceTokens(db, opts));
      out.result(list, (page) => {
        if (page.items.length === 0) {
          out.line(
            "No service tokens yet. Create one with: ops tokens create --name <name> --role <role> --owner <email>",
          );
          return;
        }
        out.table(
          ["id", "name", "role", "owner", "prefix", "created", "expires", "last used", "status"],
          page.items.map((t) => [
            t.id,
            t.name,
            t.role,
            t.ownerEmail,
            `${t.tokenPrefix}…`,
            t.createdAt,
            t.expiresAt,
            t.lastUsedAt ? `${t.lastUsedAt} from ${t.lastUsedIp ?? "?"}` : null,
            t.revokedAt
              ? `revoked ${t.revokedAt}`
              : new Date(t.expiresAt) < new Date()
                ? "expired"
                : "active",
          ]),
        );
        printNextPage(out, page);
      });
    });

  tokens
    .command("revoke")
    .description("Revoke a service token at once (revoking twice is harmless)")
    .argument("<id>", "the token's id, from `ops tokens list`", parseUuid("token"))
    .addHelpText("after", examples("ops tokens revoke 0b6e5b1e-6a4d-4c1e-9d7e-3f2a1c9b8e7d"))
    .action(async (id: string, _opts: unknown, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const info = await withDb((db) => revokeServiceToken(db, actor, id));
      out.result(info, (t) =>
        out.line(`Revoked service token "${t.name}" (${t.role}) at ${t.revokedAt ?? "?"}`),
      );
    });
}

function parseExpiryDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 365)
    throw new InvalidArgumentError("--expires-in-days must be a whole number from 1 to 365");
  return n;
}
