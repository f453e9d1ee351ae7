export * from "./system.schema";
export * from "./system.service";
