// The `ops` CLI: `ops <domain> <verb>`, talking to core directly on the server's database.
import { Command } from "commander";
import { registerAuditCommands } from "./commands/audit";
import { registerChannelsCommands } from "./commands/channels";
import { registerBackupsCommands } from "./commands/backups";
import { registerDbCommands } from "./commands/db";
import { registerDbDiagnosticsCommands } from "./commands/db-diagnostics";
import { registerMigrationsCommands } from "./commands/migrations";
import { registerInventoryCommands } from "./commands/inventory";
import { registerTokensCommands } from "./commands/tokens";
import { registerWebhooksCommands } from "./commands/webhooks";
import { registerOrdersCommands } from "./commands/orders";
import { registerFlagsCommands } from "./commands/flags";
import { registerKeysCommands } from "./commands/keys";
import { registerProvidersCommands } from "./commands/providers";
import { registerSecretsCommands } from "./commands/secrets";
import { registerSessionsCommands } from "./commands/sessions";
import { registerUsersCommands } from "./commands/users";
import { registerEmergencyCommands } from "./commands/emergency";
import { registerIncidentsCommands } from "./commands/incidents";
import { globalOptions } from "./lib/context";
import { EXIT, reportFailure } from "./lib/errors";
import { examples } from "./lib/options";

export function createProgram(): Command {
  const program = new Command("ops")
    .description(
      "RadhaGsareees Ops command line: database, service tokens, audit log, inventory, webhooks, users, flags, keys, sessions, secrets, providers",
    )
    .option("--json", "print machine-readable JSON on stdout (notes still go to stderr)")
    .option("--verbose", "print stack traces for unexpected errors")
    // Settings below are inherited by every subcommand created with .command().
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .allowExcessArguments(false)
    .addHelpText(
      "after",
      examples(
        "ops db migrate",
        "ops db seed",
        "ops tokens create --name stock-sync --role OPERATOR --owner ops@example.com",
        "ops tokens list --json",
        "ops audit verify",
      ) +
        "\nDatabase: DATABASE_URL when set, else the embedded PostgreSQL in .data/pg (the one the server uses).\n" +
        "Exit codes: 0 success, 1 failure or rejected input, 2 wrong command line (3: `webhooks health` found an alert).\n",
    );

  registerDbCommands(program);
  registerTokensCommands(program);
  registerAuditCommands(program);
  registerInventoryCommands(program);
  registerWebhooksCommands(program);
  registerOrdersCommands(program);
  registerUsersCommands(program);
  registerFlagsCommands(program);
  registerKeysCommands(program);
  registerSessionsCommands(program);
  registerSecretsCommands(program);
  registerProvidersCommands(program);
  registerDbDiagnosticsCommands(program);
  registerBackupsCommands(program);
  registerMigrationsCommands(program);
  registerIncidentsCommands(program);
  registerEmergencyCommands(program);
  registerChannelsCommands(program);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return EXIT.USAGE;
    }
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.OK;
  } catch (error) {
    return reportFailure(error, globalOptions(program));
  }
}

// `ops tokens list | head` closes stdout early; that is not a failure worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? EXIT.OK);
  throw error;
});

process.exitCode = await run(process.argv);
