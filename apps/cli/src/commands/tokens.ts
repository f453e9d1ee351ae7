// ops tokens …: service tokens for internal callers (@radha/client, scripts, jobs).
import type { Command } from "commander";
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
        "ops tokens create --name nightly-report --role VIEWER",
        "ops tokens list",
        "ops tokens revoke 6f1c…",
      ),
    );

  tokens
    .command("create")
    .description("Create a service token; the secret is printed once and never stored")
    .requiredOption("--name <name>", "unique name among active tokens (letters, digits, . _ -)")
    .requiredOption("--role <role>", "VIEWER, OPERATOR or ADMIN", parseStaffRole)
    .addHelpText(
      "after",
      examples(
        "ops tokens create --name stock-sync --role OPERATOR",
        "ops tokens create --name ci --role VIEWER --json",
      ),
    )
    .action(async (opts: { name: string; role: TStaffRole }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const { token, info } = await withDb((db) =>
        createServiceToken(db, actor, { name: opts.name, role: opts.role }),
      );
      out.result({ token, id: info.id, name: info.name, role: info.role }, (t) => {
        out.line(`Created service token "${t.name}" (${t.role}), id ${t.id}`);
        out.line();
        out.line(`  ${t.token}`);
        out.line();
        out.note(
          "Store this token now (e.g. in your secret manager): it is shown only once and cannot be recovered.",
        );
      });
    });

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
          out.line("No service tokens yet. Create one with: ops tokens create --name <name> --role <role>");
          return;
        }
        out.table(
          ["id", "name", "role", "prefix", "created", "last used", "status"],
          page.items.map((t) => [
            t.id,
            t.name,
            t.role,
            `${t.tokenPrefix}…`,
            t.createdAt,
            t.lastUsedAt,
            t.revokedAt ? `revoked ${t.revokedAt}` : "active",
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
