export * from "./pagination.schema";
export * from "./cursor";
export * from "./keyset";
