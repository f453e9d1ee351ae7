// What a provider event means for us: which payment/order it is about, which effect it asks for,
// and the money it carries (amounts in minor units, currency upper-case), read from the shapes in
// the providers' API references (Stripe payment intents, charges, refunds, checkout sessions;
// Razorpay payment, order and refund entities).
import type { TProvider } from "./webhooks.schema";

export type EffectKind = "PAYMENT_SUCCEEDED" | "PAYMENT_FAILED" | "REFUNDED" | "NONE";

export interface RefundSeen {
  providerRefundId: string;
  amountMinor: number | null;
  currency: string | null;
  reason: string | null;
}

export interface Interpretation {
  effect: EffectKind;
  /** The provider's payment id (Stripe payment intent, Razorpay payment). */
  paymentReference: string | null;
  /** The provider's own order/session id, when it has one (Razorpay order_…). */
  providerOrderId: string | null;
  /** Our order number as the sender wrote it (metadata, notes, receipt): a fallback only. */
  orderReference: string | null;
  amountMinor: number | null;
  currency: string | null;
  failureReason: string | null;
  /** Succeeded refunds the event names, each with its provider id. */
  refunds: RefundSeen[];
  /** A Stripe charge.refunded without its refund list: the charge's cumulative refunded amount. */
  cumulativeRefund: { chargeId: string; amountMinor: number } | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const int = (v: unknown): number | null =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : null;
const upper = (v: unknown): string | null => str(v)?.toUpperCase() ?? null;

const NOTHING: Omit<Interpretation, "effect" | "paymentReference" | "orderReference"> = {
  providerOrderId: null,
  amountMinor: null,
  currency: null,
  failureReason: null,
  refunds: [],
  cumulativeRefund: null,
};

function stripeRefund(r: Obj): RefundSeen | null {
  const id = str(r.id);
  if (!id || r.status !== "succeeded") return null;
  return {
    providerRefundId: id,
    amountMinor: int(r.amount),
    currency: upper(r.currency),
    reason: str(r.reason),
  };
}

function interpretStripe(eventType: string, object: Obj): Interpretation {
  const metadata = obj(object.metadata);
  const orderReference = str(metadata.order_number) ?? str(object.client_reference_id);
  const base = { ...NOTHING, orderReference, currency: upper(object.currency) };
  switch (eventType) {
    case "payment_intent.succeeded":
      return {
        ...base,
        effect: "PAYMENT_SUCCEEDED",
        paymentReference: str(object.id),
        amountMinor: int(object.amount_received) ?? int(object.amount),
      };
    case "payment_intent.payment_failed": {
      const error = obj(object.last_payment_error);
      return {
        ...base,
        effect: "PAYMENT_FAILED",
        paymentReference: str(object.id),
        amountMinor: int(object.amount),
        failureReason: str(error.message) ?? str(error.code),
      };
    }
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
      return {
        ...base,
        // A session completed with a delayed method is not paid yet; its async event says when.
        effect: object.payment_status === "paid" ? "PAYMENT_SUCCEEDED" : "NONE",
        paymentReference: str(object.payment_intent),
        providerOrderId: str(object.id),
        amountMinor: int(object.amount_total),
      };
    case "checkout.session.async_payment_failed":
      return {
        ...base,
        effect: "PAYMENT_FAILED",
        paymentReference: str(object.payment_intent),
        providerOrderId: str(object.id),
        amountMinor: int(object.amount_total),
        failureReason: "asynchronous payment failed",
      };
    case "charge.refunded": {
      const list = obj(object.refunds);
      const data = Array.isArray(list.data) ? list.data : null;
      const refunds = (data ?? [])
        .map((r) => stripeRefund(obj(r)))
        .filter((r): r is RefundSeen => r !== null);
      const chargeId = str(object.id);
      const cumulative = int(object.amount_refunded);
      return {
        ...base,
        effect: "REFUNDED",
        paymentReference: str(object.payment_intent),
        amountMinor: int(object.amount_captured) ?? int(object.amount),
        refunds,
        // Without the list (API versions since 2022-11-15 leave it out) only the total is known.
        cumulativeRefund: !data && chargeId && cumulative ? { chargeId, amountMinor: cumulative } : null,
      };
    }
    case "refund.created":
    case "refund.updated":
    case "charge.refund.updated": {
      const refund = stripeRefund(object);
      return {
        ...base,
        // A pending or failed refund moves no money yet: its later update (succeeded) does.
        effect: refund ? "REFUNDED" : "NONE",
        paymentReference: str(object.payment_intent),
        amountMinor: null,
        refunds: refund ? [refund] : [],
      };
    }
    default:
      return {
        ...base,
        effect: "NONE",
        paymentReference: eventType.startsWith("payment_intent.")
          ? str(object.id)
          : str(object.payment_intent),
      };
  }
}

function interpretRazorpay(eventType: string, payload: Obj): Interpretation {
  const body = obj(payload.payload);
  const payment = obj(obj(body.payment).entity);
  const refund = obj(obj(body.refund).entity);
  const order = obj(obj(body.order).entity);
  const notes = { ...obj(order.notes), ...obj(payment.notes) };
  const base = {
    ...NOTHING,
    paymentReference: str(payment.id) ?? str(refund.payment_id),
    providerOrderId: str(payment.order_id) ?? str(order.id),
    orderReference: str(notes.order_number) ?? str(order.receipt),
  };
  switch (eventType) {
    case "payment.captured":
    case "order.paid":
      return {
        ...base,
        effect: "PAYMENT_SUCCEEDED",
        amountMinor: int(payment.amount) ?? int(order.amount_paid),
        currency: upper(payment.currency) ?? upper(order.currency),
      };
    case "payment.failed":
      return {
        ...base,
        effect: "PAYMENT_FAILED",
        amountMinor: int(payment.amount),
        currency: upper(payment.currency),
        failureReason: str(payment.error_description) ?? str(payment.error_code),
      };
    case "refund.processed": {
      const id = str(refund.id);
      return {
        ...base,
        effect: id ? "REFUNDED" : "NONE",
        currency: upper(refund.currency),
        refunds: id
          ? [
              {
                providerRefundId: id,
                amountMinor: int(refund.amount),
                currency: upper(refund.currency),
                reason: str(obj(refund.notes).reason) ?? null,
              },
            ]
          : [],
      };
    }
    default:
      return { ...base, effect: "NONE" };
  }
}

export function interpretEvent(provider: TProvider, eventType: string, payload: unknown): Interpretation {
  if (provider === "STRIPE") return interpretStripe(eventType, obj(obj(obj(payload).data).object));
  return interpretRazorpay(eventType, obj(payload));
}
