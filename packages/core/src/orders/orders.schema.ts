// Browser-safe order shapes: statuses, the one transition table, payment records, inputs.
import { z } from "zod";
import { pageInput } from "../pagination/pagination.schema";

export const ORDER_STATUSES = [
  "PENDING",
  "PAID",
  "FAILED",
  "CANCELLED",
  "PARTIALLY_REFUNDED",
  "REFUNDED",
  "SHIPPED",
  "DELIVERED",
] as const;
export type TOrderStatus = (typeof ORDER_STATUSES)[number];
export const ZOrderStatus = z.enum(ORDER_STATUSES);

/**
 * The order state machine: every status an order may move to from each status. Nothing else
 * changes an order's status (orders/transitions.ts checks every change against this table).
 * A refund may come after shipping or delivery; a failed payment may be followed by a
 * successful one (the customer tried another card); REFUNDED and CANCELLED are final.
 */
export const ORDER_TRANSITIONS = {
  PENDING: ["PAID", "FAILED", "CANCELLED"],
  FAILED: ["PAID", "CANCELLED"],
  PAID: ["PARTIALLY_REFUNDED", "REFUNDED", "SHIPPED"],
  PARTIALLY_REFUNDED: ["PARTIALLY_REFUNDED", "REFUNDED", "SHIPPED"],
  SHIPPED: ["DELIVERED", "PARTIALLY_REFUNDED", "REFUNDED"],
  DELIVERED: ["PARTIALLY_REFUNDED", "REFUNDED"],
  REFUNDED: [],
  CANCELLED: [],
} as const satisfies Record<TOrderStatus, readonly TOrderStatus[]>;

/** Statuses in which the customer's money has been captured (some may have been refunded). */
export const PAID_STATUSES: readonly TOrderStatus[] = [
  "PAID",
  "PARTIALLY_REFUNDED",
  "SHIPPED",
  "DELIVERED",
  "REFUNDED",
];

export const PAYMENT_STATUSES = ["CAPTURED", "FAILED", "RETURNED"] as const;
/** CAPTURED counts toward the order; FAILED is a declined attempt; RETURNED was captured but
 * handed back by an operator outside the order (a mismatched payment resolved "mark refunded"). */
export type TPaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const REVIEW_RESOLUTIONS = ["ACCEPTED_AS_PAID", "MARKED_REFUNDED", "DISMISSED"] as const;
export type TReviewResolution = (typeof REVIEW_RESOLUTIONS)[number];
export const REVIEW_ACTIONS = ["ACCEPT_AS_PAID", "MARK_REFUNDED", "DISMISS"] as const;
export type TReviewAction = (typeof REVIEW_ACTIONS)[number];

/** An item of an order paid although its stock was gone. */
export interface TOversoldItem {
  itemId: string;
  variantId: string;
  ordered: number;
  /** What the capture could take from stock. */
  sold: number;
  short: number;
}

const reason = z.string().trim().min(3, "Give a reason (at least 3 characters)").max(500);
const isoDate = z.iso.datetime({ offset: true, error: "Use an ISO 8601 time, e.g. 2026-11-28T10:00:00Z" });

export const ZOrderFilter = z.object({
  status: ZOrderStatus.optional(),
  provider: z.enum(["STRIPE", "RAZORPAY"]).optional(),
  /** Only orders paid although their stock was gone. */
  oversold: z.boolean().optional(),
  /** An order number, e-mail, payment id or order id. */
  search: z.string().trim().max(200).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});
export type TOrderFilter = z.infer<typeof ZOrderFilter>;

/** Newest first. */
export const ZOrderListInput = pageInput({ filter: ZOrderFilter.default({}) }).prefault({});
export type TOrderListInput = z.input<typeof ZOrderListInput>;

export const ZOrderRef = z.object({ id: z.string().trim().min(1).max(200) });

export const ZResolveReview = z.object({
  eventId: z.uuid({ error: "eventId must be a webhook event id" }),
  action: z.enum(REVIEW_ACTIONS),
  reason,
});
export type TResolveReview = z.input<typeof ZResolveReview>;

export const ZReturnStock = z.object({
  orderId: z.string().trim().min(1).max(200),
  items: z
    .array(z.object({ itemId: z.uuid(), quantity: z.number().int().min(1).max(100_000) }))
    .min(1, "Choose at least one item")
    .max(200),
  reason,
  /** The same key again returns nothing more (a retried request). */
  requestKey: z.string().trim().min(1).max(100).optional(),
});
export type TReturnStock = z.input<typeof ZReturnStock>;

export const ZFailedPaymentsInput = z
  .object({
    windowHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(1),
    limit: z.number().int().min(1).max(100).default(10),
  })
  .prefault({});
export type TFailedPaymentsInput = z.input<typeof ZFailedPaymentsInput>;

export interface TOrderSummary {
  id: string;
  orderNumber: string;
  email: string;
  status: TOrderStatus;
  paymentProvider: "STRIPE" | "RAZORPAY" | null;
  paymentReference: string | null;
  totalMinor: number;
  currency: string;
  paidMinor: number;
  refundedMinor: number;
  oversold: boolean;
  createdAt: string;
  paidAt: string | null;
}

export interface TPaymentRecord {
  id: string;
  provider: "STRIPE" | "RAZORPAY";
  providerPaymentId: string;
  amountMinor: number;
  currency: string;
  status: TPaymentStatus;
  failureReason: string | null;
  capturedAt: string | null;
  createdAt: string;
  webhookEventId: string | null;
}

export interface TRefundRecord {
  id: string;
  paymentId: string;
  providerRefundId: string;
  amountMinor: number;
  currency: string;
  reason: string | null;
  createdAt: string;
  webhookEventId: string | null;
}

export interface TOrderItem {
  id: string;
  variantId: string;
  sku: string | null;
  productName: string | null;
  quantity: number;
  unitPriceMinor: number;
  /** Units sold from stock (SALE rows) and put back (RETURN rows) for this item. */
  sold: number;
  returned: number;
}

export interface TOrderEvent {
  id: string;
  provider: "STRIPE" | "RAZORPAY";
  providerEventId: string;
  eventType: string;
  status: string;
  receivedAt: string;
  processedAt: string | null;
  lastError: string | null;
  reviewReason: string | null;
  resolution: TReviewResolution | null;
  resolutionReason: string | null;
  resolvedBy: string | null;
}

export interface TOrderLedgerRow {
  id: string;
  type: string;
  variantId: string;
  quantity: number;
  reservedDelta: number;
  reason: string;
  createdAt: string;
}

export interface TOrderDetail extends TOrderSummary {
  oversoldItems: TOversoldItem[] | null;
  /** Where the order may go next, from the transition table. */
  nextStatuses: TOrderStatus[];
  items: TOrderItem[];
  payments: TPaymentRecord[];
  refunds: TRefundRecord[];
  events: TOrderEvent[];
  ledger: TOrderLedgerRow[];
}

export interface TReviewItem {
  eventId: string;
  provider: "STRIPE" | "RAZORPAY";
  providerEventId: string;
  eventType: string;
  receivedAt: string;
  reviewReason: string | null;
  paymentReference: string | null;
  orderId: string | null;
  orderNumber: string | null;
}

export const ZReviewListInput = pageInput({ provider: z.enum(["STRIPE", "RAZORPAY"]).optional() }).prefault(
  {},
);
export type TReviewListInput = z.input<typeof ZReviewListInput>;

/** The runbook's diagnosePaymentIssues, answered from records instead of guesses. */
export interface TPaymentDiagnosis {
  windowHours: number;
  failedPayments: {
    provider: "STRIPE" | "RAZORPAY";
    count: number;
    recent: {
      paymentId: string;
      providerPaymentId: string;
      orderId: string;
      orderNumber: string;
      amountMinor: number;
      currency: string;
      failureReason: string | null;
      at: string;
    }[];
  }[];
  webhookStatus: { provider: "STRIPE" | "RAZORPAY"; status: string; count: number }[];
  needsReview: number;
  oversoldOpen: number;
}

export interface TReturnStockResult {
  orderId: string;
  returned: { itemId: string; variantId: string; quantity: number }[];
  /** The request key had been used already: nothing was moved this time. */
  repeated: boolean;
}

export interface TResolveReviewResult {
  eventId: string;
  resolution: TReviewResolution;
  orderId: string | null;
  orderStatus: TOrderStatus | null;
}

/** Minor units as text with the currency, e.g. "INR 3998.00" (two decimals, as INR and USD have). */
export function formatMoney(minor: number | null, currency: string | null): string {
  if (minor === null) return `${currency ?? "?"} (no amount)`;
  return `${currency ?? "?"} ${(minor / 100).toFixed(2)}`;
}
