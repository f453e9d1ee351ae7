// Browser-safe order shapes: the statuses an order row can hold.
export const ORDER_STATUSES = [
  "PENDING",
  "PAID",
  "FAILED",
  "CANCELLED",
  "REFUNDED",
  "SHIPPED",
  "DELIVERED",
] as const;
export type TOrderStatus = (typeof ORDER_STATUSES)[number];
