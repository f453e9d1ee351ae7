// Inventory's public surface: the stock service every stock change goes through, reads,
// physical-count resets and their rollback, low stock.
export * from "./inventory.schema";
export * from "./stock.service";
export * from "./low-stock.service";
export * from "./inventory.queries";
export * from "./count-file";
export * from "./reset.service";
export * from "./export";
export * from "./count-upload.service";
