// Provider payloads shaped as the providers document them: Stripe's API reference objects
// (PaymentIntent, Charge, Refund, Checkout Session) inside an Event, and Razorpay's payment, order
// and refund entities inside a webhook body. Amounts in minor units; defaults fit
// createPendingOrder's default order (2 × ₹1999.00 = INR 399800).
import { randomBytes } from "node:crypto";

const hex = (n: number) => randomBytes(n).toString("hex");
const now = () => Math.floor(Date.now() / 1000);

export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  id = `evt_${randomBytes(8).toString("hex")}`,
) {
  return {
    id,
    object: "event",
    api_version: "2025-01-27.acacia",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

export function razorpayEvent(event: string, entities: Record<string, Record<string, unknown>>) {
  return {
    entity: "event",
    account_id: "acc_test",
    event,
    contains: Object.keys(entities),
    payload: Object.fromEntries(Object.entries(entities).map(([k, v]) => [k, { entity: v }])),
    created_at: Math.floor(Date.now() / 1000),
  };
}

export interface Money {
  amount?: number;
  /** Stripe sends lower case (inr), Razorpay upper case (INR); the builders follow each. */
  currency?: string;
  orderNumber?: string;
}

function paymentIntent(pi: string, status: string, m: Money, extra: Record<string, unknown> = {}) {
  const amount = m.amount ?? 399800;
  return {
    id: pi,
    object: "payment_intent",
    amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: status === "succeeded" ? amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    client_secret: `${pi}_secret_${hex(8)}`,
    confirmation_method: "automatic",
    created: now(),
    currency: (m.currency ?? "inr").toLowerCase(),
    customer: null,
    description: null,
    last_payment_error: null,
    latest_charge: status === "succeeded" ? `ch_${hex(8)}` : null,
    livemode: false,
    metadata: m.orderNumber ? { order_number: m.orderNumber } : {},
    next_action: null,
    on_behalf_of: null,
    payment_method: `pm_${hex(8)}`,
    payment_method_options: { card: { request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status,
    transfer_data: null,
    transfer_group: null,
    ...extra,
  };
}

/** A Stripe Refund object. */
export function stripeRefund(
  pi: string,
  amount: number,
  opts: { id?: string; charge?: string; currency?: string } = {},
) {
  return {
    id: opts.id ?? `re_${hex(8)}`,
    object: "refund",
    amount,
    balance_transaction: `txn_${hex(8)}`,
    charge: opts.charge ?? `ch_${hex(8)}`,
    created: now(),
    currency: (opts.currency ?? "inr").toLowerCase(),
    destination_details: {
      card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" },
      type: "card",
    },
    metadata: {},
    payment_intent: pi,
    reason: "requested_by_customer",
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
}

/** A Stripe Charge object after refunds; `refunds` omitted as in API versions since 2022-11-15. */
export function stripeCharge(
  pi: string,
  opts: {
    id?: string;
    amount?: number;
    amountRefunded: number;
    currency?: string;
    refunds?: ReturnType<typeof stripeRefund>[];
  },
) {
  const amount = opts.amount ?? 399800;
  return {
    id: opts.id ?? `ch_${hex(8)}`,
    object: "charge",
    amount,
    amount_captured: amount,
    amount_refunded: opts.amountRefunded,
    application: null,
    balance_transaction: `txn_${hex(8)}`,
    billing_details: { address: null, email: null, name: null, phone: null },
    captured: true,
    created: now(),
    currency: (opts.currency ?? "inr").toLowerCase(),
    customer: null,
    description: null,
    disputed: false,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: {},
    outcome: {
      network_status: "approved_by_network",
      reason: null,
      risk_level: "normal",
      seller_message: "Payment complete.",
      type: "authorized",
    },
    paid: true,
    payment_intent: pi,
    payment_method: `pm_${hex(8)}`,
    receipt_url: null,
    refunded: opts.amountRefunded >= amount,
    ...(opts.refunds
      ? {
          refunds: {
            object: "list",
            data: opts.refunds,
            has_more: false,
            total_count: opts.refunds.length,
            url: `/v1/charges/x/refunds`,
          },
        }
      : {}),
    status: "succeeded",
  };
}

export const stripePayloads = {
  succeeded: (pi: string, m: Money = {}) =>
    stripeEvent("payment_intent.succeeded", paymentIntent(pi, "succeeded", m)),
  failed: (pi: string, m: Money = {}) =>
    stripeEvent(
      "payment_intent.payment_failed",
      paymentIntent(pi, "requires_payment_method", m, {
        last_payment_error: {
          code: "card_declined",
          decline_code: "generic_decline",
          message: "Your card was declined.",
          type: "card_error",
        },
      }),
    ),
  /** charge.refunded for the whole charge (no refund list, as current API versions send it). */
  refunded: (pi: string, m: Money = {}) =>
    stripeEvent(
      "charge.refunded",
      stripeCharge(pi, { amount: m.amount, amountRefunded: m.amount ?? 399800, currency: m.currency }),
    ),
  chargeRefunded: (pi: string, opts: Parameters<typeof stripeCharge>[1]) =>
    stripeEvent("charge.refunded", stripeCharge(pi, opts)),
  refundCreated: (refund: ReturnType<typeof stripeRefund>) => stripeEvent("refund.created", refund),
  refundUpdated: (refund: ReturnType<typeof stripeRefund>) => stripeEvent("refund.updated", refund),
  checkoutCompleted: (pi: string, orderNumber: string, m: Money = {}) =>
    stripeEvent("checkout.session.completed", {
      id: `cs_test_${hex(12)}`,
      object: "checkout.session",
      after_expiration: null,
      allow_promotion_codes: null,
      amount_subtotal: m.amount ?? 399800,
      amount_total: m.amount ?? 399800,
      automatic_tax: { enabled: false, status: null },
      billing_address_collection: null,
      cancel_url: "https://radhagsarees.test/cart",
      client_reference_id: orderNumber,
      created: now(),
      currency: (m.currency ?? "inr").toLowerCase(),
      customer: null,
      customer_creation: "if_required",
      customer_details: { email: "buyer@example.test", name: null, phone: null, tax_exempt: "none" },
      expires_at: now() + 86400,
      livemode: false,
      metadata: { order_number: orderNumber },
      mode: "payment",
      payment_intent: pi,
      payment_method_types: ["card"],
      payment_status: "paid",
      status: "complete",
      success_url: "https://radhagsarees.test/thanks",
      url: null,
    }),
};

function razorpayPayment(pay: string, status: string, m: Money & { orderId?: string }) {
  return {
    id: pay,
    entity: "payment",
    amount: m.amount ?? 399800,
    currency: (m.currency ?? "INR").toUpperCase(),
    status,
    order_id: m.orderId ?? `order_${hex(7)}`,
    invoice_id: null,
    international: false,
    method: "upi",
    amount_refunded: 0,
    refund_status: null,
    captured: status === "captured",
    description: "Saree order",
    card_id: null,
    bank: null,
    wallet: null,
    vpa: "buyer@okbank",
    email: "buyer@example.test",
    contact: "+919876543210",
    notes: m.orderNumber ? { order_number: m.orderNumber } : {},
    fee: status === "captured" ? 7996 : null,
    tax: status === "captured" ? 1220 : null,
    error_code: status === "failed" ? "BAD_REQUEST_ERROR" : null,
    error_description: status === "failed" ? "Payment failed because the UPI app declined it" : null,
    error_source: status === "failed" ? "customer" : null,
    error_step: status === "failed" ? "payment_authorization" : null,
    error_reason: status === "failed" ? "payment_declined" : null,
    acquirer_data: { rrn: "331412345678" },
    created_at: now(),
  };
}

/** A Razorpay refund entity. */
export function razorpayRefund(pay: string, amount: number, opts: { id?: string; currency?: string } = {}) {
  return {
    id: opts.id ?? `rfnd_${hex(7)}`,
    entity: "refund",
    amount,
    currency: (opts.currency ?? "INR").toUpperCase(),
    payment_id: pay,
    notes: { reason: "customer return" },
    receipt: null,
    acquirer_data: { arn: "10000000000000" },
    created_at: now(),
    batch_id: null,
    status: "processed",
    speed_processed: "normal",
    speed_requested: "normal",
  };
}

export const razorpayPayloads = {
  captured: (pay: string, m: Money & { orderId?: string } = {}) =>
    razorpayEvent("payment.captured", { payment: razorpayPayment(pay, "captured", m) }),
  failed: (pay: string, m: Money & { orderId?: string } = {}) =>
    razorpayEvent("payment.failed", { payment: razorpayPayment(pay, "failed", m) }),
  orderPaid: (pay: string, receipt: string, m: Money & { orderId?: string } = {}) => {
    const orderId = m.orderId ?? `order_${hex(7)}`;
    const amount = m.amount ?? 399800;
    return razorpayEvent("order.paid", {
      payment: razorpayPayment(pay, "captured", { ...m, orderId }),
      order: {
        id: orderId,
        entity: "order",
        amount,
        amount_paid: amount,
        amount_due: 0,
        currency: (m.currency ?? "INR").toUpperCase(),
        receipt,
        offer_id: null,
        status: "paid",
        attempts: 1,
        notes: {},
        created_at: now(),
      },
    });
  },
  /** refund.processed for the whole payment unless `amount` says otherwise. */
  refunded: (pay: string, m: Money & { refundId?: string } = {}) =>
    razorpayEvent("refund.processed", {
      refund: razorpayRefund(pay, m.amount ?? 399800, { id: m.refundId, currency: m.currency }),
      payment: { ...razorpayPayment(pay, "captured", {}), amount_refunded: m.amount ?? 399800 },
    }),
};
