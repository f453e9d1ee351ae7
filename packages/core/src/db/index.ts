export * from "./database";
export { createDb, createPool, createSwappableDb, type CreateDbOptions } from "./client";
export { SwappablePool, userOfUrl } from "./swappable-pool";
export {
  readDatabaseUrlFile,
  resolveDatabaseUrl,
  watchDatabaseUrlFile,
  writeDatabaseUrlFile,
  type UrlFileWatcher,
} from "./credentials";
export { newDatabasePassword, scramVerifier, scramVerifierAccepts } from "./scram";
export { migrate } from "./migrate";
export { isConnectionLoss } from "./connection-errors";
export {
  APP_ROLE,
  describeRuntimeRole,
  ensureAppLoginRole,
  withCredentials,
  type RuntimeRole,
} from "./roles";
