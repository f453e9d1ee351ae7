// Argument parsers shared by commands: a bad value is a clear message, never a stack trace.
import { InvalidArgumentError, type Command } from "commander";
import { EXIT } from "./errors";
import { PROVIDERS, type TProvider } from "@radha/core/webhooks/schema";
import { STAFF_ROLES, type TStaffRole } from "@radha/core/security/schema";

export function parseStaffRole(value: string): TStaffRole {
  const role = value.trim().toUpperCase();
  if ((STAFF_ROLES as readonly string[]).includes(role)) return role as TStaffRole;
  throw new InvalidArgumentError(`"${value}" is not a staff role; use one of ${STAFF_ROLES.join(", ")}.`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseUuid(what: string) {
  return (value: string): string => {
    if (UUID.test(value.trim())) return value.trim().toLowerCase();
    throw new InvalidArgumentError(
      `"${value}" is not a ${what} id (a UUID; see the id column of the list command).`,
    );
  };
}

/** Help text block listing examples, appended after a command's own help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

/** A mistake in the command line: printed by commander as `error: …`, exit 2. */
export function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: EXIT.USAGE, code: "ops.usage" });
}

/** `--provider stripe|razorpay` (any case), or a usage error naming the flag. */
export function parseProvider(
  command: Command,
  flag: string,
  value: string | undefined,
): TProvider | undefined {
  if (value === undefined) return undefined;
  const provider = value.trim().toUpperCase();
  if ((PROVIDERS as readonly string[]).includes(provider)) return provider as TProvider;
  usageError(
    command,
    `${flag} "${value}" is not a provider; use ${PROVIDERS.map((p) => p.toLowerCase()).join(" or ")}.`,
  );
}
