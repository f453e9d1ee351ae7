// The System page's queries, in one place: its panels read them and the route prefetches them, so
// the page's data and its lazy chunk load side by side rather than one after the other.
import type { QueryClient } from "@tanstack/react-query";
import type { ConsoleTRPC } from "../../lib/trpc";
import { backupHealthQuery } from "../backups/backup-health-query";

export const HEALTH_REFRESH_MS = 10_000;

export const healthQuery = (trpc: ConsoleTRPC) =>
  trpc.system.health.queryOptions(undefined, { refetchInterval: HEALTH_REFRESH_MS });

export const flagsQuery = (trpc: ConsoleTRPC) => trpc.system.flags.queryOptions();

/**
 * The procedures prefetchSystemPage asks for, in its order: index.html sends the same batch on a
 * cold load of the page (lib/early-queries.ts), the client takes that answer for this one.
 */
export const SYSTEM_PAGE_PROCEDURES = ["system.health", "backups.health", "system.flags"] as const;

/** Starts the page's queries (fresh cached data is kept); a failure shows when the page renders. */
export function prefetchSystemPage(queryClient: QueryClient, trpc: ConsoleTRPC): void {
  const ignore = () => undefined;
  queryClient.query(healthQuery(trpc)).catch(ignore);
  queryClient.query(backupHealthQuery(trpc)).catch(ignore);
  queryClient.query(flagsQuery(trpc)).catch(ignore);
}
