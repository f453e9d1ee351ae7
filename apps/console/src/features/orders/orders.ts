// Pure helpers of the orders pages: status tones and the payment timeline of one order.
import type { TOrderDetail, TOrderStatus } from "@radha/core/orders/schema";
import { formatMoney } from "@radha/core/orders/schema";
import type { Tone } from "../../ui/status-chip";

export function toneForOrder(status: TOrderStatus): Tone {
  switch (status) {
    case "PAID":
    case "SHIPPED":
    case "DELIVERED":
      return "ok";
    case "PENDING":
    case "PARTIALLY_REFUNDED":
      return "warn";
    case "FAILED":
      return "bad";
    case "CANCELLED":
    case "REFUNDED":
      return "neutral";
  }
}

export interface TimelineEntry {
  at: string;
  kind: "event" | "payment" | "refund" | "stock";
  title: string;
  detail: string;
  tone: Tone;
}

/** Everything that happened to an order's money and stock, oldest first. */
export function orderTimeline(o: TOrderDetail): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...o.events.map((e): TimelineEntry => ({
      at: e.receivedAt,
      kind: "event",
      title: `${e.provider} ${e.eventType}`,
      detail: [
        e.status,
        e.reviewReason,
        e.lastError,
        e.resolution
          ? `resolved ${e.resolution} by ${e.resolvedBy ?? "?"}: ${e.resolutionReason ?? ""}`
          : null,
      ]
        .filter(Boolean)
        .join(" · "),
      tone:
        e.status === "PROCESSED"
          ? "ok"
          : e.status === "FAILED"
            ? "bad"
            : e.status === "IGNORED"
              ? "neutral"
              : "warn",
    })),
    ...o.payments.map((p): TimelineEntry => ({
      at: p.capturedAt ?? p.createdAt,
      kind: "payment",
      title: `Payment ${p.providerPaymentId} ${p.status}`,
      detail: [formatMoney(p.amountMinor, p.currency), p.failureReason].filter(Boolean).join(" · "),
      tone: p.status === "CAPTURED" ? "ok" : p.status === "FAILED" ? "bad" : "neutral",
    })),
    ...o.refunds.map((r): TimelineEntry => ({
      at: r.createdAt,
      kind: "refund",
      title: `Refund ${r.providerRefundId}`,
      detail: [formatMoney(r.amountMinor, r.currency), r.reason].filter(Boolean).join(" · "),
      tone: "neutral",
    })),
    ...o.ledger.map((l): TimelineEntry => ({
      at: l.createdAt,
      kind: "stock",
      title: `Stock ${l.type}`,
      detail: `${l.type === "RESERVATION" || l.type === "RELEASE" ? `held ${l.reservedDelta}` : `${l.quantity > 0 ? "+" : ""}${l.quantity}`} · ${l.reason}`,
      tone: "neutral",
    })),
  ];
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}
