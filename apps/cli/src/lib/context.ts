// What every command gets: global options, output, the CLI's audit actor, the database.
import { userInfo } from "node:os";
import type { Command } from "commander";
import type { Actor } from "@radha/core/audit";
import type { Db } from "@radha/core/db";
import { withDatabase } from "./database";
import { createOutput, type Output } from "./output";

export interface GlobalOptions {
  json: boolean;
  verbose: boolean;
}

export interface CommandContext {
  options: GlobalOptions;
  out: Output;
  actor: Actor;
  withDb: <T>(fn: (db: Db, url: string) => Promise<T>, opts?: { owner?: boolean }) => Promise<T>;
}

function osUsername(): string {
  try {
    return userInfo().username || "unknown";
  } catch {
    return "unknown";
  }
}

/** The audit actor for everything the CLI changes: the system, run by this OS user. */
export function cliActor(): Actor {
  return { type: "SYSTEM", id: null, label: `cli:${osUsername()}` };
}

export function globalOptions(command: Command): GlobalOptions {
  const opts = command.optsWithGlobals<Partial<GlobalOptions>>();
  return { json: opts.json === true, verbose: opts.verbose === true };
}

export function contextFor(command: Command): CommandContext {
  const options = globalOptions(command);
  const out = createOutput(options);
  return {
    options,
    out,
    actor: cliActor(),
    withDb: (fn, opts) => withDatabase(fn, (m) => out.note(m), opts),
  };
}
