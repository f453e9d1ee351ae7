export * from "./monitoring.schema";
export * from "./metrics.service";
export * from "./alerts.service";
export * from "./notifications.service";
