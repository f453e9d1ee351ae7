// Orders: the state machine, payments and refunds as records, payment events' effects, ops reads.
export * from "./orders.schema";
export * from "./transitions";
export * from "./orders.queries";
export * from "./payment-events.service";
export * from "./orders.service";
