// Turns a failure into one line on stderr and an exit code. Stacks only for real bugs with --verbose.
import { CommanderError } from "commander";
import { describeErrorDetails, formatZodIssues, isDomainError } from "@radha/core/errors";
import { ZodError } from "zod";

/** Exit codes: 0 ok, 1 failure or rejected input, 2 the command line itself was wrong. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

interface Failure {
  message: string;
  exitCode: number;
  /** False for mistakes a user can fix from the message alone. */
  unexpected: boolean;
  /** One line per item to fix (the rows that stopped a reset), from the error's details. */
  details?: string[];
}

function pgCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof CommanderError) {
    // Commander has printed its message already; help and version are not failures.
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version")
      return { message: "", exitCode: EXIT.OK, unexpected: false };
    const badValue = error.code === "commander.invalidArgument";
    return { message: "", exitCode: badValue ? EXIT.FAILURE : EXIT.USAGE, unexpected: false };
  }
  if (isDomainError(error))
    return {
      message: error.message,
      exitCode: EXIT.FAILURE,
      unexpected: false,
      details: describeErrorDetails(error.details),
    };
  if (error instanceof ZodError)
    return { message: `invalid input: ${formatZodIssues(error)}`, exitCode: EXIT.FAILURE, unexpected: false };
  const code = pgCode(error);
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "3D000" || code === "28P01") {
    return {
      message: `cannot reach the database (${(error as Error).message}); check DATABASE_URL`,
      exitCode: EXIT.FAILURE,
      unexpected: false,
    };
  }
  if (code === "42P01") {
    return {
      message: `the database is not migrated (${(error as Error).message}); run \`ops db migrate\` first`,
      exitCode: EXIT.FAILURE,
      unexpected: false,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, exitCode: EXIT.FAILURE, unexpected: true };
}

export function reportFailure(error: unknown, { verbose }: { verbose: boolean }): number {
  const failure = describeFailure(error);
  if (failure.message) process.stderr.write(`error: ${failure.message}\n`);
  for (const line of failure.details ?? []) process.stderr.write(`  - ${line}\n`);
  if (failure.unexpected) {
    if (verbose) console.error(error);
    else process.stderr.write("(run again with --verbose for details)\n");
  }
  return failure.exitCode;
}
