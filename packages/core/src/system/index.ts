export * from "./system.schema";
export * from "./system.service";
export * from "./health.service";
