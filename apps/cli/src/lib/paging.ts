// List commands print one page; the cursor for the next one is printed under it and passed back
// with --cursor (the same opaque cursor the API and console use).
import { InvalidArgumentError, type Command } from "commander";
import type { TPage } from "@radha/core/pagination/schema";
import type { Output } from "./output";

export interface PagingOptions {
  limit: number;
  cursor?: string;
}

/** Adds --limit (rows per page, 1 to max) and --cursor to a list command. */
export function pagingOptions(command: Command, limit: { default: number; max: number }): Command {
  const parseLimit = (value: string): number => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (n >= 1 && n <= limit.max) return n;
    throw new InvalidArgumentError(`"${value}" must be a whole number from 1 to ${limit.max}.`);
  };
  return command
    .option("--limit <n>", `rows per page (1-${limit.max})`, parseLimit, limit.default)
    .option("--cursor <cursor>", "the next page: the cursor printed under the previous one");
}

/** The human form's last line when more rows exist (with --json, `nextCursor` says the same). */
export function printNextPage(out: Output, page: Pick<TPage<unknown>, "nextCursor">): void {
  if (page.nextCursor) out.line(`More: pass --cursor ${page.nextCursor}`);
}
