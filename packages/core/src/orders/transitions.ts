// The order state machine's rule, written once: a status change is allowed only when the
// transition table (orders.schema.ts) lists it; a refusal says why in words an operator can act on.
import { DomainError } from "../errors";
import { ORDER_TRANSITIONS, type TOrderStatus } from "./orders.schema";

const FINAL_WHY: Partial<Record<TOrderStatus, string>> = {
  REFUNDED: "a refunded order is final",
  CANCELLED: "a cancelled order is final",
};

/** Why `from → to` is refused, or null when the table allows it. */
export function refusedTransitionReason(from: TOrderStatus, to: TOrderStatus): string | null {
  const allowed: readonly TOrderStatus[] = ORDER_TRANSITIONS[from];
  if (allowed.includes(to)) return null;
  const final = FINAL_WHY[from];
  if (final) return `Order cannot go from ${from} to ${to}: ${final}`;
  if (from === to) return `Order is already ${from}`;
  return `Order cannot go from ${from} to ${to}; from ${from} it can go to ${allowed.join(", ")}`;
}

/** Throws PRECONDITION_FAILED naming the refused transition. */
export function assertOrderTransition(orderNumber: string, from: TOrderStatus, to: TOrderStatus): void {
  const why = refusedTransitionReason(from, to);
  if (why) throw new DomainError("PRECONDITION_FAILED", `${orderNumber}: ${why}`);
}

/** Where an order may go next. */
export function nextOrderStatuses(from: TOrderStatus): TOrderStatus[] {
  return [...ORDER_TRANSITIONS[from]];
}
