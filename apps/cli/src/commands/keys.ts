// ops keys …: the JWT signing keyring (list, rotate, revoke). Private keys are never printed.
import type { Command } from "commander";
import { listSigningKeys, revokeSigningKey, rotateSigningKeys } from "@radha/core/security";
import { contextFor } from "../lib/context";
import { examples } from "../lib/options";
import { accessTokenTtlSeconds, cliMasterKey, withStore } from "../lib/secops";

export function registerKeysCommands(program: Command): void {
  const keys = program
    .command("keys")
    .description("JWT signing keys: list, rotate (nobody is signed out), revoke (emergency)")
    .addHelpText(
      "after",
      examples(
        "ops keys list",
        'ops keys rotate --reason "quarterly"',
        'ops keys revoke k-2026-… --reason "leaked"',
      ),
    );

  keys
    .command("list")
    .description("List signing keys and their states (NEXT, ACTIVE, RETIRING, RETIRED, REVOKED)")
    .action(async (_opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const list = await withDb((db) => listSigningKeys(db));
      out.result(list, (rows) =>
        out.table(
          ["kid", "state", "created", "activated", "retires after", "revoked", "reason"],
          rows.map((k) => [
            k.kid,
            k.state,
            k.createdAt,
            k.activatedAt,
            k.retireAfter,
            k.revokedAt,
            k.revokedReason,
          ]),
        ),
      );
    });

  keys
    .command("rotate")
    .description(
      "NEXT becomes ACTIVE; the old ACTIVE key keeps verifying (RETIRING) until its tokens expire; a new NEXT is made",
    )
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .addHelpText("after", examples('ops keys rotate --reason "scheduled quarterly rotation"'))
    .action(async (opts: { reason: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const result = await withStore((store) =>
        withDb((db) =>
          rotateSigningKeys(
            {
              db,
              masterKey: cliMasterKey(),
              accessTokenTtlSeconds: accessTokenTtlSeconds(),
              ...(store ? { store } : {}),
            },
            actor,
            { reason: opts.reason },
          ),
        ),
      );
      out.result(result, (r) => {
        out.line(`Active key: ${r.activated}`);
        if (r.retiring) out.line(`Retiring:   ${r.retiring} (verifies until its last token expires)`);
        out.line(`Next key:   ${r.next} (published in /.well-known/jwks.json)`);
        out.note("Nobody was signed out.");
      });
    });

  keys
    .command("revoke")
    .description(
      "Revoke a key at once: its tokens fail on every instance; sessions holding them sign in again",
    )
    .argument("<kid>", "the key id, from `ops keys list`")
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .addHelpText("after", examples('ops keys revoke k-2026-11-28-1a2b3c4d --reason "private key exposed"'))
    .action(async (kid: string, opts: { reason: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const result = await withStore((store) =>
        withDb((db) =>
          revokeSigningKey(
            {
              db,
              masterKey: cliMasterKey(),
              accessTokenTtlSeconds: accessTokenTtlSeconds(),
              ...(store ? { store } : {}),
            },
            actor,
            { kid, reason: opts.reason },
          ),
        ),
      );
      out.result(result, (r) => {
        out.line(`Revoked ${r.key.kid}; ${r.sessionsRevoked} session(s) must sign in again.`);
        if (r.activated) out.line(`Now signing with ${r.activated}.`);
      });
    });
}
