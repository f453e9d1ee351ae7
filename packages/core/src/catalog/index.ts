export * from "./catalog.schema";
export * from "./catalog.service";
