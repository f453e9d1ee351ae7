// A Stripe-Signature carrying one v1 per secret, as Stripe sends while a secret rolls.
import { createHmac } from "node:crypto";

export function createStripeHeader(
  body: string,
  secrets: string[],
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const v1 = secrets.map(
    (secret) => `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`,
  );
  return [`t=${timestamp}`, ...v1].join(",");
}
