// ops db rotate-password / setup-login-roles: the database password with alternating login
// roles (ARCHITECTURE.md "Database credentials"). Runs on the admin connection (OPS_DB_ADMIN_URL,
// else OPS_MIGRATION_DATABASE_URL); writes DATABASE_URL_FILE, which running servers follow.
// Passwords are never printed: the output names roles, files and sessions only.
import type { Command } from "commander";
import { DomainError } from "@radha/core/errors";
import {
  finishDbPasswordRotation,
  planDbPasswordRotation,
  rotateDbPassword,
  setupLoginRoles,
  withDbPasswordDeps,
  type DbPasswordSettings,
  type TDbPasswordPlan,
  type TDbPasswordRotation,
} from "@radha/core/security";
import { loadEnv } from "../env";
import { contextFor } from "../lib/context";
import { examples } from "../lib/options";
import type { Output } from "../lib/output";

function settings(waitSeconds?: number): DbPasswordSettings {
  const env = loadEnv();
  return {
    adminUrl: env.OPS_DB_ADMIN_URL ?? env.OPS_MIGRATION_DATABASE_URL,
    credentialsFile: env.DATABASE_URL_FILE,
    staticUrl: env.DATABASE_URL,
    ...(waitSeconds !== undefined ? { drainTimeoutMs: waitSeconds * 1000 } : {}),
  };
}

function printPlan(out: Output, plan: TDbPasswordPlan): void {
  if (plan.managed)
    out.line(
      `Login roles: ${plan.activeRole} (in use) and ${plan.idleRole} (idle); file ${plan.credentialsFile}`,
    );
  else out.line(`Cannot rotate here: ${plan.reason}`);
  out.line(plan.managed ? "A rotation will:" : "What a rotation does (once this is set up):");
  plan.steps.forEach((s, i) => out.line(`  ${i + 1}. ${s}`));
  if (plan.sessions.length > 0)
    out.table(
      ["role", "application", "sessions"],
      plan.sessions.map((s) => [s.role, s.applicationName, s.count]),
    );
}

function printRotation(out: Output, r: TDbPasswordRotation): void {
  out.line(`Servers now log in as ${r.activeRole} (${r.credentialsFile}).`);
  if (r.previousPasswordReplaced)
    out.line(`${r.previousRole}'s password was replaced: the old secret no longer signs in.`);
  else {
    out.line(
      `${r.previousRole} still has sessions, so its password is UNCHANGED (the old secret still works):`,
    );
    out.table(
      ["role", "application", "sessions"],
      r.lingeringSessions.map((s) => [s.role, s.applicationName, s.count]),
    );
    out.line("Those processes have not re-read DATABASE_URL_FILE (an old build, or a different file?).");
    out.line(`When they are gone, run: ops db rotate-password --finish --reason "…"`);
  }
}

/** Adds rotate-password and setup-login-roles to the existing `ops db` group. */
export function registerDbPasswordCommands(db: Command): void {
  db.command("rotate-password")
    .description(
      "Rotate the servers' database password: new password on the idle login role, servers switch without a restart, the old password is replaced",
    )
    .option("--reason <text>", "why (kept in the audit log); required unless --dry-run")
    .option("--dry-run", "show the login roles, their sessions and the steps; change nothing")
    .option("--finish", "only replace the idle role's password (after a rotation that left sessions behind)")
    .option("--wait <seconds>", "how long to wait for the old role's sessions to end", "60")
    .addHelpText(
      "after",
      examples(
        "ops db rotate-password --dry-run",
        'ops db rotate-password --reason "quarterly rotation"',
        'ops db rotate-password --finish --reason "old worker stopped"',
        "Needs: DATABASE_URL_FILE (what the servers read) and OPS_DB_ADMIN_URL or OPS_MIGRATION_DATABASE_URL (a superuser or CREATEROLE role).",
      ),
    )
    .action(
      async (
        opts: { reason?: string; dryRun?: boolean; finish?: boolean; wait: string },
        command: Command,
      ) => {
        const { out, actor } = contextFor(command);
        const wait = Number(opts.wait);
        if (!Number.isFinite(wait) || wait < 1 || wait > 3600)
          throw new DomainError("BAD_REQUEST", "--wait: give seconds between 1 and 3600");
        const env = settings(wait);
        const plan = await withDbPasswordDeps(env, (deps) => planDbPasswordRotation(deps)).catch(
          (e: unknown) => {
            // No admin connection: still say what the command would do.
            if (e instanceof DomainError && e.code === "PRECONDITION_FAILED")
              return {
                managed: false,
                reason: e.message,
                activeRole: null,
                idleRole: null,
                credentialsFile: env.credentialsFile ?? null,
                sessions: [],
                steps: [],
              } satisfies TDbPasswordPlan;
            throw e;
          },
        );
        if (opts.dryRun || !plan.managed) {
          out.result(plan, (p) => printPlan(out, p));
          if (!plan.managed) process.exitCode = 1;
          return;
        }
        if (!opts.reason) throw new DomainError("BAD_REQUEST", "Give --reason (kept in the audit log)");
        out.note(
          opts.finish
            ? `replacing ${plan.idleRole}'s password once its sessions are gone…`
            : `rotating: ${plan.activeRole} → ${plan.idleRole} (waiting up to ${wait}s for ${plan.activeRole}'s sessions to drain)…`,
        );
        const result = await withDbPasswordDeps(env, (deps) =>
          opts.finish
            ? finishDbPasswordRotation(deps, actor, { reason: opts.reason })
            : rotateDbPassword(deps, actor, { reason: opts.reason }),
        );
        out.result(result, (r) => printRotation(out, r));
        if (!result.previousPasswordReplaced) process.exitCode = 1;
      },
    );

  db.command("setup-login-roles")
    .description(
      "Create the two login roles (<prefix>_a, <prefix>_b, members of radha_app) and point DATABASE_URL_FILE at the first",
    )
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .option("--prefix <name>", "role name prefix", "radha_login")
    .addHelpText(
      "after",
      examples(
        'DATABASE_URL_FILE=/run/secrets/radha-db-url OPS_DB_ADMIN_URL=postgres://admin@db/radha ops db setup-login-roles --reason "enable rotation"',
      ),
    )
    .action(async (opts: { reason: string; prefix: string }, command: Command) => {
      const { out, actor } = contextFor(command);
      const result = await withDbPasswordDeps(settings(), (deps) =>
        setupLoginRoles(deps, actor, { prefix: opts.prefix, reason: opts.reason }),
      );
      out.result(result, (r) => {
        out.line(
          `Login roles ${r.roles.join(" and ")}: ${r.created.length ? `created ${r.created.join(", ")}` : "already there"}.`,
        );
        out.line(
          r.fileWritten
            ? `${r.credentialsFile} now names ${r.activeRole} (servers reading it switch within seconds).`
            : `${r.credentialsFile} already names ${r.activeRole}; unchanged.`,
        );
        out.line('Rotate with: ops db rotate-password --reason "…"');
      });
    });
}
