// Webhooks: verified intake, durable inbox, exactly-once processing, replay, health.
export * from "./webhooks.schema";
export * from "./verify";
export * from "./secrets";
export * from "./interpret";
export * from "./intake.service";
export * from "./process.service";
export * from "./replay.service";
export * from "./webhooks.queries";
export * from "./secrets.service";
