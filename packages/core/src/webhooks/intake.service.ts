// Receiving a webhook: verify the raw bytes, store the event and queue its processing in one
// short transaction, or log the rejection. The caller answers 2xx only after this returns.
import { createHash } from "node:crypto";
import type { Db } from "../db/database";
import { enqueueJob, JOB } from "../jobs/queue";
import { interpretEvent } from "./interpret";
import type { SecretSource } from "./secrets";
import { verifyRazorpay, verifyStripe } from "./verify";
import type { TProvider } from "./webhooks.schema";

export interface IntakeRequest {
  provider: TProvider;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  ip?: string | null;
  requestId?: string | null;
}

export type IntakeResult =
  | { accepted: true; duplicate: boolean; eventId: string }
  | { accepted: false; statusCode: 400 | 413; reason: string };

export async function logRejection(db: Db, req: IntakeRequest, statusCode: number, reason: string): Promise<void> {
  const signatureHeader = req.provider === "STRIPE" ? "stripe-signature" : "x-razorpay-signature";
  const sig = req.headers[signatureHeader];
  await db
    .insertInto("webhookRejections")
    .values({
      provider: req.provider,
      reason,
      statusCode,
      ip: req.ip ?? null,
      requestId: req.requestId ?? null,
      bodySha256: req.rawBody.length ? createHash("sha256").update(req.rawBody).digest("hex") : null,
      bodyBytes: req.rawBody.length,
      // Enough to recognise a sender; never a secret (signatures are not secrets, and are cut).
      headers: JSON.stringify({
        "content-type": String(req.headers["content-type"] ?? ""),
        "user-agent": String(req.headers["user-agent"] ?? "").slice(0, 200),
        [signatureHeader]: sig ? `${String(sig).slice(0, 16)}…` : null,
      }),
    })
    .execute();
}

export async function receiveWebhook(db: Db, secrets: SecretSource, req: IntakeRequest): Promise<IntakeResult> {
  const active = await secrets.active(req.provider);
  const verified = req.provider === "STRIPE" ? verifyStripe(req.rawBody, req.headers, active) : verifyRazorpay(req.rawBody, req.headers, active);
  if (!verified.ok) {
    await logRejection(db, req, 400, verified.reason);
    return { accepted: false, statusCode: 400, reason: verified.reason };
  }
  const e = verified.event;
  const meaning = interpretEvent(e.provider, e.eventType, e.payload);
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("webhookEvents")
      .values({
        provider: e.provider,
        providerEventId: e.providerEventId,
        eventType: e.eventType,
        payload: JSON.stringify(e.payload),
        rawBody: req.rawBody.toString("utf8"),
        headers: JSON.stringify(e.headers),
        paymentReference: meaning.paymentReference,
        orderReference: meaning.orderReference,
      })
      .onConflict((oc) => oc.columns(["provider", "providerEventId"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) {
      const existing = await trx.selectFrom("webhookEvents").select("id").where("provider", "=", e.provider).where("providerEventId", "=", e.providerEventId).executeTakeFirstOrThrow();
      return { accepted: true, duplicate: true, eventId: existing.id };
    }
    await enqueueJob(trx, JOB.webhookProcess, { eventId: inserted.id }, { jobKey: `webhook:${inserted.id}` });
    return { accepted: true, duplicate: false, eventId: inserted.id };
  });
}
