// Signed events whose JSON Postgres jsonb refuses (\u0000, a lone surrogate, a number past
// numeric's range): acknowledged and stored with their exact bytes and a sanitized payload, so
// the provider stops retrying and the evidence is kept; an event whose id itself cannot be
// stored is refused with a reason. None of them fails a valid event sent beside it.
import { signStripe, stripePayloads } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";

const STRIPE_SECRET = "whsec_test_poison_secret";

let s: TestServer;
beforeAll(async () => {
  s = await createTestServer({ env: { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET } });
});
afterAll(() => s.close());

const post = (body: string) =>
  s.app.server.inject({
    method: "POST",
    url: "/api/webhooks/stripe",
    headers: { "content-type": "application/json", "stripe-signature": signStripe(body, STRIPE_SECRET) },
    payload: body,
  });
const storedEvent = (id: string) =>
  s.database.db.selectFrom("webhookEvents").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

/** A real payment_intent.succeeded whose metadata.note is `literal`, spliced in as raw JSON text. */
const withNote = (pi: string, literal: string) => {
  const event = stripePayloads.succeeded(pi);
  const object = event.data.object;
  object.metadata = { note: "NOTE_PLACEHOLDER" };
  return JSON.stringify(event).replace('"NOTE_PLACEHOLDER"', literal);
};

describe("events jsonb refuses", () => {
  it.each([
    ["a \\u0000 in a string", "pi_poison_nul", '"before\\u0000after"', "before\ufffdafter"],
    ["a lone surrogate \\ud800", "pi_poison_surrogate", '"x\\ud800y"', "x\ufffdy"],
    ["a number past numeric's range, 1e1000000", "pi_poison_number", "1e1000000", null],
  ])(
    "%s: 200, exact raw bytes, sanitized payload; a resend is a duplicate",
    async (_name, pi, literal, stored) => {
      const body = withNote(pi, literal);
      const res = await post(body);
      expect(res.statusCode).toBe(200);
      const row = await storedEvent(res.json().id);
      expect(row.rawBytes.equals(Buffer.from(body))).toBe(true);
      expect(row.payloadSanitized).toBe(true);
      expect(row.paymentReference).toBe(pi);
      const payload = row.payload as { data: { object: { id: string; metadata: { note: unknown } } } };
      expect(payload.data.object.metadata.note).toBe(stored);
      expect(payload.data.object.id).toBe(pi);
      // Operators see the mark on the event (webhooks.get, the console's event drawer).
      const { caller } = await s.signIn("VIEWER");
      expect(await caller.webhooks.get({ id: row.id })).toMatchObject({ payloadSanitized: true });
      // Stripe retries its event: the repeat is a duplicate of the stored one, not a 503.
      const again = await post(body);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ duplicate: true, id: res.json().id });
    },
  );

  it("a clean event is stored as sent and not marked", async () => {
    const body = JSON.stringify(stripePayloads.succeeded("pi_poison_clean"));
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    const row = await storedEvent(res.json().id);
    expect(row.rawBytes.equals(Buffer.from(body))).toBe(true);
    expect(row.payloadSanitized).toBe(false);
    const { caller } = await s.signIn("VIEWER");
    expect(await caller.webhooks.get({ id: row.id })).toMatchObject({ payloadSanitized: false });
  });

  it("an event whose id cannot be stored is refused with 400, its reason and a rejection row", async () => {
    const body = JSON.stringify(stripePayloads.succeeded("pi_poison_id")).replace(
      '"id":"evt_',
      '"id":"evt_\\u0000',
    );
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe("event cannot be stored: event id has characters Postgres cannot store");
    const rejection = await s.database.db
      .selectFrom("webhookRejections")
      .select(["reason", "statusCode", "bodyBytes"])
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(rejection).toEqual({
      reason: res.json().message,
      statusCode: 400,
      bodyBytes: Buffer.byteLength(body),
    });
  });
});

it("poison events sent concurrently with 50 valid ones: all 50 get 200 and are stored", async () => {
  const valid = Array.from({ length: 50 }, (_, i) => JSON.stringify(stripePayloads.succeeded(`pi_mix_${i}`)));
  const poison = [
    withNote("pi_mix_nul", '"\\u0000"'),
    withNote("pi_mix_number", "1e1000000"),
    JSON.stringify(stripePayloads.succeeded("pi_mix_bad_id")).replace('"id":"evt_', '"id":"evt_\\ud800'),
  ];
  const responses = await Promise.all([...valid.slice(0, 25), ...poison, ...valid.slice(25)].map(post));
  const validResponses = [...responses.slice(0, 25), ...responses.slice(28)];
  expect(validResponses.map((r) => r.statusCode)).toEqual(Array.from({ length: 50 }, () => 200));
  expect(responses.slice(25, 28).map((r) => r.statusCode)).toEqual([200, 200, 400]);
  const stored = await s.database.db
    .selectFrom("webhookEvents")
    .select(["paymentReference", "payloadSanitized"])
    .where(
      "id",
      "in",
      validResponses.map((r) => r.json().id as string),
    )
    .execute();
  expect(stored).toHaveLength(50);
  expect(stored.every((r) => !r.payloadSanitized)).toBe(true);
});
