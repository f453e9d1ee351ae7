export * from "./emergency.schema";
export * from "./emergency.service";
export * from "./flag-cache";
export * from "./checklist.service";
