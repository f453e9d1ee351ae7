export * from "./database";
export { createDb, createPool, type CreateDbOptions } from "./client";
export { migrate } from "./migrate";
export { isConnectionLoss } from "./connection-errors";
