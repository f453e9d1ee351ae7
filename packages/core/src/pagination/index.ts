export * from "./pagination.schema";
export * from "./cursor";
