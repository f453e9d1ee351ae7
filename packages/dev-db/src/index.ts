// @radha/dev-db (development only): the embedded PostgreSQL behind `npm run up`, the CLI's local
// mode and the test runner, and the demo seed. Never a dependency of a production process.
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from "./embedded";
export { defaultDataDir, startLocalDatabase, type LocalDatabaseOptions } from "./local-database";
export * from "./seed/index";
export { demoMasterKeyPath, loadOrCreateDemoMasterKey } from "./master-key";
export { LOCAL_APP_LOGIN, prepareLocalAppLogin } from "./local-roles";
export { localCheckpointConfig } from "./local-checkpoints";
