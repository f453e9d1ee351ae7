// Argument parsers shared by commands: a bad value is a clear message, never a stack trace.
import { InvalidArgumentError } from "commander";
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
