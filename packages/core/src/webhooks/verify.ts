// Signature checks with the providers' own SDKs, against every secret valid right now.
import { createHash } from "node:crypto";
import Razorpay from "razorpay";
import Stripe from "stripe";
import type { TProvider } from "./webhooks.schema";

export const STRIPE_TOLERANCE_SECONDS = 300;

export interface VerifiedWebhook {
  provider: TProvider;
  providerEventId: string;
  eventType: string;
  payload: Record<string, unknown>;
  headers: Record<string, string>;
}

/** `secretIndex`: which of the secrets passed in verified the signature. */
export type VerifyResult =
  { ok: true; event: VerifiedWebhook; secretIndex: number } | { ok: false; reason: string };

// constructEvent needs an instance but makes no network call; the key is never used.
const stripe = new Stripe("sk_test_signature_checks_only");

type Headers = Record<string, string | string[] | undefined>;

function single(headers: Headers, name: string): { value?: string; duplicated: boolean } {
  const v = headers[name];
  if (Array.isArray(v)) return { value: v[0], duplicated: v.length > 1 };
  return { value: v, duplicated: false };
}

function parseJson(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function verifyStripe(raw: Buffer, headers: Headers, secrets: readonly string[]): VerifyResult {
  const { value: header, duplicated } = single(headers, "stripe-signature");
  if (!header) return { ok: false, reason: "missing Stripe-Signature header" };
  // Node joins repeated headers with ", "; two t= parts mean the header was sent twice.
  if (duplicated || (header.match(/(^|,)\s*t=/g) ?? []).length > 1)
    return { ok: false, reason: "Stripe-Signature header sent more than once" };
  if (!/(^|,)\s*v1=/.test(header)) return { ok: false, reason: "Stripe-Signature has no v1 signature" };
  // The SDK reads `t=<digits>` exactly so; anything else it refuses before comparing signatures.
  if (!/(^|,)t=\d+(,|$)/.test(header)) return { ok: false, reason: "Stripe-Signature is malformed" };
  if (secrets.length === 0) return { ok: false, reason: "no Stripe webhook secret is configured" };
  for (const [secretIndex, secret] of secrets.entries()) {
    const checked = constructStripeEvent(raw, header, secret);
    if (checked.kind === "NO_MATCH") continue;
    if (checked.kind === "STALE")
      return { ok: false, reason: `timestamp outside the ${STRIPE_TOLERANCE_SECONDS} s tolerance` };
    if (checked.kind === "MALFORMED")
      return { ok: false, reason: `malformed event: ${errorText(checked.error).slice(0, 120)}` };
    const event = checked.event;
    if (
      !event ||
      typeof event !== "object" ||
      Array.isArray(event) ||
      typeof (event as { id?: unknown }).id !== "string"
    )
      return { ok: false, reason: "body is not a Stripe event object" };
    const { id, type } = event as { id: string; type: unknown };
    return {
      ok: true,
      secretIndex,
      event: {
        provider: "STRIPE",
        providerEventId: id,
        eventType: typeof type === "string" ? type : "unknown",
        payload: event as Record<string, unknown>,
        headers: { "stripe-signature": header.slice(0, 24) + "…" },
      },
    };
  }
  return { ok: false, reason: "signature does not match any active Stripe secret" };
}

type StripeCheck =
  | { kind: "EVENT"; event: unknown }
  | { kind: "NO_MATCH" }
  | { kind: "STALE" }
  | { kind: "MALFORMED"; error: unknown };

/**
 * The SDK refuses a wrong signature and a stale timestamp with the same error type, so a refusal
 * is checked again with the clock check off (tolerance 0): passing then means only the clock
 * failed. Anything else it throws means the signed body is not a JSON event.
 */
function constructStripeEvent(raw: Buffer, header: string, secret: string): StripeCheck {
  const isRefusal = (e: unknown) => e instanceof Stripe.errors.StripeSignatureVerificationError;
  try {
    return {
      kind: "EVENT",
      event: stripe.webhooks.constructEvent(raw, header, secret, STRIPE_TOLERANCE_SECONDS),
    };
  } catch (error) {
    if (!isRefusal(error)) return { kind: "MALFORMED", error };
  }
  try {
    stripe.webhooks.constructEvent(raw, header, secret, 0);
  } catch (error) {
    if (isRefusal(error)) return { kind: "NO_MATCH" };
  }
  return { kind: "STALE" };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function verifyRazorpay(raw: Buffer, headers: Headers, secrets: readonly string[]): VerifyResult {
  const { value: signature, duplicated } = single(headers, "x-razorpay-signature");
  if (!signature) return { ok: false, reason: "missing X-Razorpay-Signature header" };
  if (duplicated || signature.includes(","))
    return { ok: false, reason: "X-Razorpay-Signature header sent more than once" };
  if (!/^[0-9a-f]{64}$/i.test(signature))
    return { ok: false, reason: "X-Razorpay-Signature is not a hex SHA-256 HMAC" };
  if (secrets.length === 0) return { ok: false, reason: "no Razorpay webhook secret is configured" };
  const body = raw.toString("utf8");
  const secretIndex = secrets.findIndex((secret) =>
    Razorpay.validateWebhookSignature(body, signature, secret),
  );
  if (secretIndex < 0) return { ok: false, reason: "signature does not match any active Razorpay secret" };
  const payload = parseJson(raw);
  if (!payload) return { ok: false, reason: "body is not a JSON object" };
  if (typeof payload.event !== "string") return { ok: false, reason: "body has no event field" };
  const eventId = single(headers, "x-razorpay-event-id").value;
  return {
    ok: true,
    secretIndex,
    event: {
      provider: "RAZORPAY",
      providerEventId: eventId ?? `sha256:${createHash("sha256").update(raw).digest("hex")}`,
      eventType: payload.event,
      payload,
      headers: { ...(eventId ? { "x-razorpay-event-id": eventId } : {}) },
    },
  };
}
