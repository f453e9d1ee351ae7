export * from "./dbops.schema";
export * from "./config";
export * from "./backups.service";
export * from "./retention.service";
export * from "./restore.service";
export * from "./drills.service";
export * from "./diagnostics.service";
export * from "./data-migrations.service";
