// Backup health's query, shared by its panel and the System page's prefetch.
import type { ConsoleTRPC } from "../../lib/trpc";

export const backupHealthQuery = (trpc: ConsoleTRPC) =>
  trpc.backups.health.queryOptions(undefined, { refetchInterval: 60_000 });
