export * from "./incidents.schema";
export * from "./incidents.service";
export * from "./export";
export { dueAt, timerState } from "./timers";
