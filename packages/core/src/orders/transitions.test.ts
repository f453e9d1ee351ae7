// Every pair of statuses: the table's transitions are allowed, every other one is refused with a reason.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors";
import { ORDER_STATUSES, ORDER_TRANSITIONS, type TOrderStatus } from "./orders.schema";
import { assertOrderTransition, nextOrderStatuses, refusedTransitionReason } from "./transitions";

const ALLOWED: [TOrderStatus, TOrderStatus][] = [
  ["PENDING", "PAID"],
  ["PENDING", "FAILED"],
  ["PENDING", "CANCELLED"],
  ["FAILED", "PAID"],
  ["FAILED", "CANCELLED"],
  ["PAID", "PARTIALLY_REFUNDED"],
  ["PAID", "REFUNDED"],
  ["PAID", "SHIPPED"],
  ["PARTIALLY_REFUNDED", "PARTIALLY_REFUNDED"],
  ["PARTIALLY_REFUNDED", "REFUNDED"],
  ["PARTIALLY_REFUNDED", "SHIPPED"],
  ["SHIPPED", "DELIVERED"],
  ["SHIPPED", "PARTIALLY_REFUNDED"],
  ["SHIPPED", "REFUNDED"],
  ["DELIVERED", "PARTIALLY_REFUNDED"],
  ["DELIVERED", "REFUNDED"],
];
const key = (a: string, b: string) => `${a}→${b}`;
const allowed = new Set(ALLOWED.map(([a, b]) => key(a, b)));
const pairs = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as const));

describe("order transitions", () => {
  it("the table holds exactly the documented transitions", () => {
    const inTable = Object.entries(ORDER_TRANSITIONS).flatMap(([from, tos]) =>
      tos.map((to: string) => key(from, to)),
    );
    expect(inTable.sort()).toEqual([...allowed].sort());
  });

  it.each(pairs.filter(([a, b]) => allowed.has(key(a, b))))("%s → %s is allowed", (from, to) => {
    expect(refusedTransitionReason(from, to)).toBeNull();
    expect(() => assertOrderTransition("RG-1", from, to)).not.toThrow();
    expect(nextOrderStatuses(from)).toContain(to);
  });

  it.each(pairs.filter(([a, b]) => !allowed.has(key(a, b))))(
    "%s → %s is refused with a reason",
    (from, to) => {
      const why = refusedTransitionReason(from, to);
      expect(why).toMatch(new RegExp(`${from}|already`));
      let thrown: unknown;
      try {
        assertOrderTransition("RG-1", from, to);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(DomainError);
      expect((thrown as DomainError).code).toBe("PRECONDITION_FAILED");
      expect((thrown as DomainError).message).toBe(`RG-1: ${why!}`);
    },
  );

  it("refusals name what is possible instead, or that the status is final", () => {
    expect(refusedTransitionReason("PENDING", "REFUNDED")).toBe(
      "Order cannot go from PENDING to REFUNDED; from PENDING it can go to PAID, FAILED, CANCELLED",
    );
    expect(refusedTransitionReason("REFUNDED", "PAID")).toBe(
      "Order cannot go from REFUNDED to PAID: a refunded order is final",
    );
    expect(refusedTransitionReason("PAID", "PAID")).toBe("Order is already PAID");
  });
});
