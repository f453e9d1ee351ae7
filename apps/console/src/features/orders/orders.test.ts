import { describe, expect, it } from "vitest";
import type { TOrderDetail } from "@radha/core/orders/schema";
import { orderTimeline, toneForOrder } from "./orders";

const base: TOrderDetail = {
  id: "o1",
  orderNumber: "RG-1",
  email: "a@b.test",
  status: "PARTIALLY_REFUNDED",
  paymentProvider: "STRIPE",
  paymentReference: "pi_1",
  totalMinor: 1000,
  currency: "INR",
  paidMinor: 1000,
  refundedMinor: 400,
  oversold: false,
  createdAt: "2026-12-01T10:00:00.000Z",
  paidAt: "2026-12-01T10:01:00.000Z",
  oversoldItems: null,
  nextStatuses: ["REFUNDED"],
  items: [],
  payments: [
    {
      id: "p1",
      provider: "STRIPE",
      providerPaymentId: "pi_1",
      amountMinor: 1000,
      currency: "INR",
      status: "CAPTURED",
      failureReason: null,
      capturedAt: "2026-12-01T10:01:00.000Z",
      createdAt: "2026-12-01T10:01:00.000Z",
      webhookEventId: "e1",
    },
  ],
  refunds: [
    {
      id: "r1",
      paymentId: "p1",
      providerRefundId: "re_1",
      amountMinor: 400,
      currency: "INR",
      reason: null,
      createdAt: "2026-12-01T11:00:00.000Z",
      webhookEventId: "e2",
    },
  ],
  events: [
    {
      id: "e1",
      provider: "STRIPE",
      providerEventId: "evt_1",
      eventType: "payment_intent.succeeded",
      status: "PROCESSED",
      receivedAt: "2026-12-01T10:00:59.000Z",
      processedAt: null,
      lastError: null,
      reviewReason: null,
      resolution: null,
      resolutionReason: null,
      resolvedBy: null,
    },
  ],
  ledger: [],
};

describe("orders helpers", () => {
  it("orders the timeline by time across events, payments and refunds", () => {
    expect(orderTimeline(base).map((e) => e.title)).toEqual([
      "STRIPE payment_intent.succeeded",
      "Payment pi_1 CAPTURED",
      "Refund re_1",
    ]);
    expect(orderTimeline(base)[2]!.detail).toBe("INR 4.00");
  });
  it("gives each status a tone", () => {
    expect(toneForOrder("PAID")).toBe("ok");
    expect(toneForOrder("PARTIALLY_REFUNDED")).toBe("warn");
    expect(toneForOrder("FAILED")).toBe("bad");
  });
});
