// What a provider event means for us: which payment/order it is about and which effect it asks for.
import type { TProvider } from "./webhooks.schema";

export type EffectKind = "PAYMENT_SUCCEEDED" | "PAYMENT_FAILED" | "REFUNDED" | "NONE";

export interface Interpretation {
  effect: EffectKind;
  paymentReference: string | null;
  orderReference: string | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

const STRIPE: Record<string, EffectKind> = {
  "payment_intent.succeeded": "PAYMENT_SUCCEEDED",
  "checkout.session.completed": "PAYMENT_SUCCEEDED",
  "payment_intent.payment_failed": "PAYMENT_FAILED",
  "charge.refunded": "REFUNDED",
};

const RAZORPAY: Record<string, EffectKind> = {
  "payment.captured": "PAYMENT_SUCCEEDED",
  "order.paid": "PAYMENT_SUCCEEDED",
  "payment.failed": "PAYMENT_FAILED",
  "refund.processed": "REFUNDED",
};

export function interpretEvent(provider: TProvider, eventType: string, payload: unknown): Interpretation {
  if (provider === "STRIPE") {
    const object = obj(obj(obj(payload).data).object);
    const metadata = obj(object.metadata);
    const paymentReference = eventType.startsWith("payment_intent.")
      ? str(object.id)
      : str(object.payment_intent);
    return {
      effect: STRIPE[eventType] ?? "NONE",
      paymentReference,
      orderReference: str(metadata.order_number) ?? str(object.client_reference_id),
    };
  }
  const body = obj(obj(payload).payload);
  const payment = obj(obj(body.payment).entity);
  const refund = obj(obj(body.refund).entity);
  const order = obj(obj(body.order).entity);
  const notes = { ...obj(order.notes), ...obj(payment.notes) };
  return {
    effect: RAZORPAY[eventType] ?? "NONE",
    paymentReference: str(payment.id) ?? str(refund.payment_id),
    orderReference: str(notes.order_number) ?? str(order.receipt),
  };
}
