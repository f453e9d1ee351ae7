export * from "./database";
export { createDb, createPool, type CreateDbOptions } from "./client";
export { migrate } from "./migrate";
export { isConnectionLoss } from "./connection-errors";
export {
  APP_ROLE,
  describeRuntimeRole,
  ensureAppLoginRole,
  withCredentials,
  type RuntimeRole,
} from "./roles";
