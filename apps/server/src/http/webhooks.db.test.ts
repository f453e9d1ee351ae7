// Webhook intake as Stripe and Razorpay see it: signed with the SDKs, stored before the 2xx,
// forgeries refused with a reason and never processed.
import { createStripeHeader } from "./webhook-test-helpers";
import { razorpayPayloads, signRazorpay, signStripe, stripePayloads } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";

const STRIPE_SECRET = "whsec_test_current_secret";
const RAZORPAY_SECRET = "rzp_test_current_secret";

let s: TestServer;
beforeAll(async () => {
  s = await createTestServer({
    env: {
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      RAZORPAY_WEBHOOK_SECRET: RAZORPAY_SECRET,
      OPS_WEBHOOK_MAX_BODY_BYTES: "65536",
    },
  });
});
afterAll(() => s.close());

const post = (provider: "stripe" | "razorpay", body: string | Buffer, headers: Record<string, string>) =>
  s.app.server.inject({
    method: "POST",
    url: `/api/webhooks/${provider}`,
    headers: { "content-type": "application/json", ...headers },
    payload: body,
  });
const countEvents = async () =>
  Number(
    (
      await s.database.db
        .selectFrom("webhookEvents")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe("Stripe intake", () => {
  it("stores a correctly signed event once; a duplicate gets a 2xx and no second row", async () => {
    const body = JSON.stringify(stripePayloads.succeeded("pi_intake_1"));
    const first = await post("stripe", body, { "stripe-signature": signStripe(body, STRIPE_SECRET) });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ received: true, duplicate: false });
    const again = await post("stripe", body, { "stripe-signature": signStripe(body, STRIPE_SECRET) });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ received: true, duplicate: true, id: first.json().id });
    const rows = await s.database.db
      .selectFrom("webhookEvents")
      .selectAll()
      .where("paymentReference", "=", "pi_intake_1")
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      provider: "STRIPE",
      eventType: "payment_intent.succeeded",
      status: "PENDING",
      attemptCount: 0,
    });
    // Stored once, exactly as sent.
    expect(Buffer.from(rows[0]!.rawBytes).toString("utf8")).toBe(body);
    // The processing job was queued in the same transaction.
    const jobs = await s.database.db
      .selectFrom("graphile_worker.jobs" as never)
      .select("key" as never)
      .execute();
    expect(JSON.stringify(jobs)).toContain(`webhook:${rows[0]!.id}`);
  });

  it("accepts a header carrying one v1 per secret while a secret rolls", async () => {
    await s.database.db
      .insertInto("webhookSecrets")
      .values({
        provider: "STRIPE",
        secret: "whsec_next_secret",
        label: "rolling",
        expiresAt: new Date(Date.now() + 3_600_000),
      })
      .execute();
    s.deps.webhookSecrets.invalidate();
    const body = JSON.stringify(stripePayloads.succeeded("pi_intake_roll"));
    const res = await post("stripe", body, {
      "stripe-signature": createStripeHeader(body, ["whsec_unknown_old", "whsec_next_secret"]),
    });
    expect(res.statusCode).toBe(200);
  });

  const forgeries: [string, () => { body: string | Buffer; headers: Record<string, string> }, RegExp][] = [
    [
      "bad signature",
      () => ({
        body: JSON.stringify(stripePayloads.succeeded("pi_f1")),
        headers: { "stripe-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` },
      }),
      /does not match/,
    ],
    [
      "wrong secret",
      () => {
        const body = JSON.stringify(stripePayloads.succeeded("pi_f2"));
        return { body, headers: { "stripe-signature": signStripe(body, "whsec_attacker") } };
      },
      /does not match/,
    ],
    [
      "stale timestamp",
      () => {
        const body = JSON.stringify(stripePayloads.succeeded("pi_f3"));
        return {
          body,
          headers: {
            "stripe-signature": signStripe(body, STRIPE_SECRET, Math.floor(Date.now() / 1000) - 600),
          },
        };
      },
      /tolerance/,
    ],
    [
      "tampered body",
      () => {
        const body = JSON.stringify(stripePayloads.succeeded("pi_f4"));
        return {
          body: body.replace("399800", "1"),
          headers: { "stripe-signature": signStripe(body, STRIPE_SECRET) },
        };
      },
      /does not match/,
    ],
    [
      "missing header",
      () => ({ body: JSON.stringify(stripePayloads.succeeded("pi_f5")), headers: {} }),
      /missing Stripe-Signature/,
    ],
    [
      "duplicated header",
      () => {
        const body = JSON.stringify(stripePayloads.succeeded("pi_f6"));
        const h = signStripe(body, STRIPE_SECRET);
        return { body, headers: { "stripe-signature": `${h}, ${h}` } };
      },
      /more than once/,
    ],
    [
      "non-JSON body",
      () => ({
        body: "not json at all",
        headers: { "stripe-signature": signStripe("not json at all", STRIPE_SECRET) },
      }),
      /JSON|malformed/,
    ],
  ];

  for (const [name, make, reason] of forgeries) {
    it(`refuses a forgery: ${name}`, async () => {
      const before = await countEvents();
      const { body, headers } = make();
      const res = await post("stripe", body, headers);
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(reason);
      expect(await countEvents()).toBe(before);
      const [rejection] = await s.database.db
        .selectFrom("webhookRejections")
        .selectAll()
        .orderBy("id", "desc")
        .limit(1)
        .execute();
      expect(rejection?.reason).toMatch(reason);
      expect(JSON.stringify(rejection)).not.toContain(STRIPE_SECRET);
    });
  }

  it("refuses an oversize body with 413 and logs it", async () => {
    const body = JSON.stringify({ ...stripePayloads.succeeded("pi_big"), padding: "x".repeat(70_000) });
    const res = await post("stripe", body, { "stripe-signature": signStripe(body, STRIPE_SECRET) });
    expect(res.statusCode).toBe(413);
    const [rejection] = await s.database.db
      .selectFrom("webhookRejections")
      .selectAll()
      .orderBy("id", "desc")
      .limit(1)
      .execute();
    expect(rejection).toMatchObject({ statusCode: 413 });
  });
});

describe("Razorpay intake", () => {
  it("verifies the HMAC, dedupes on x-razorpay-event-id and on the signed body's hash", async () => {
    const body = JSON.stringify(razorpayPayloads.captured("pay_intake_1"));
    const sig = signRazorpay(body, RAZORPAY_SECRET);
    expect(
      (await post("razorpay", body, { "x-razorpay-signature": sig, "x-razorpay-event-id": "evt_rzp_1" }))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await post("razorpay", body, { "x-razorpay-signature": sig, "x-razorpay-event-id": "evt_rzp_1" })
      ).json(),
    ).toMatchObject({ duplicate: true });
    // The event id header is not signed: the same body under another id, or none, is the same event.
    for (const headers of [{ "x-razorpay-event-id": "evt_rzp_other" }, {}] as Record<string, string>[])
      expect(
        (await post("razorpay", body, { "x-razorpay-signature": sig, ...headers })).json(),
      ).toMatchObject({ duplicate: true });
    const noId = JSON.stringify(razorpayPayloads.captured("pay_intake_2"));
    const first = await post("razorpay", noId, {
      "x-razorpay-signature": signRazorpay(noId, RAZORPAY_SECRET),
    });
    expect(first.json()).toMatchObject({ duplicate: false });
    const rows = await s.database.db
      .selectFrom("webhookEvents")
      .select("providerEventId")
      .where("paymentReference", "in", ["pay_intake_1", "pay_intake_2"])
      .orderBy("receivedAt")
      .execute();
    expect(rows.map((r) => r.providerEventId)).toEqual([
      "evt_rzp_1",
      expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    ]);
  });

  it("refuses a wrong signature, a missing one and a signed non-JSON body", async () => {
    const body = JSON.stringify(razorpayPayloads.failed("pay_f1"));
    expect(
      (await post("razorpay", body, { "x-razorpay-signature": signRazorpay(body, "wrong") })).statusCode,
    ).toBe(400);
    expect((await post("razorpay", body, {})).json().message).toMatch(/missing X-Razorpay-Signature/);
    expect(
      (
        await post("razorpay", "{oops", { "x-razorpay-signature": signRazorpay("{oops", RAZORPAY_SECRET) })
      ).json().message,
    ).toMatch(/JSON/);
    expect(
      await s.database.db
        .selectFrom("webhookEvents")
        .select("id")
        .where("paymentReference", "=", "pay_f1")
        .execute(),
    ).toHaveLength(0);
  });
});

it("every 2xx-acknowledged event is in the table, under concurrent senders", async () => {
  const sends = Array.from({ length: 60 }, (_, i) => {
    const body = JSON.stringify(stripePayloads.succeeded(`pi_burst_${i}`));
    return post("stripe", body, { "stripe-signature": signStripe(body, STRIPE_SECRET) });
  });
  const responses = await Promise.all(sends);
  const ids = responses.filter((r) => r.statusCode === 200).map((r) => r.json().id as string);
  expect(ids).toHaveLength(60);
  const stored = await s.database.db
    .selectFrom("webhookEvents")
    .select("id")
    .where("id", "in", ids)
    .execute();
  expect(stored).toHaveLength(60);
});
