// The local database of `npm run up` and the CLI's local mode: the embedded PostgreSQL in
// <repo>/.data/pg (or OPS_DATA_DIR), one start-up shared by both so they find the same server.
import path from "node:path";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded";
import { devDbPackageDir } from "./package-dir";

/** <repo>/.data/pg: this package lives in <repo>/packages/dev-db. */
export function defaultDataDir(): string {
  return path.resolve(devDbPackageDir(), "../..", ".data", "pg");
}

export interface LocalDatabaseOptions {
  /** Defaults to <repo>/.data/pg. */
  dataDir?: string | undefined;
  port: number;
  log?: (message: string) => void;
}

/** Starts (or adopts, after a kill -9) the embedded PostgreSQL holding the local data. */
export function startLocalDatabase(opts: LocalDatabaseOptions): Promise<EmbeddedPostgres> {
  return startEmbeddedPostgres({
    dataDir: opts.dataDir ?? defaultDataDir(),
    port: opts.port,
    ...(opts.log ? { log: opts.log } : {}),
  });
}
