// `ops orders …` as a child process against a fresh database: list, show, return-stock, resolve.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processWebhookEvent, createWebhookIntake } from "@radha/core/webhooks";
import type { TOrderDetail, TOrderSummary } from "@radha/core/orders/schema";
import {
  createPendingOrder,
  createTestDatabase,
  fixedSecretSource,
  signStripe,
  stripePayloads,
  stripeRefund,
  type TestDatabase,
} from "@radha/core/testing";
import { runOps } from "../testing";

const SECRET = "whsec_cli_orders";
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const ops = (...args: string[]) => runOps({ DATABASE_URL: database.url }, args);

async function deliver(event: object): Promise<string> {
  const body = JSON.stringify(event);
  const r = await createWebhookIntake(database.db, fixedSecretSource(SECRET)).receive({
    provider: "STRIPE",
    rawBody: Buffer.from(body),
    headers: { "stripe-signature": signStripe(body, SECRET) },
  });
  if (!r.accepted) throw new Error(r.reason);
  await processWebhookEvent(database.db, r.eventId, {
    trigger: "AUTO",
    maxAttempts: 3,
    backoffBaseSeconds: 30,
  });
  return r.eventId;
}

describe("ops orders", () => {
  it("list, show, return-stock (idempotent with --key) and resolve a review", async () => {
    const paid = await createPendingOrder(database.db, { quantity: 2, stock: 10 });
    await deliver(stripePayloads.succeeded(paid.paymentReference));
    await deliver(stripePayloads.refundCreated(stripeRefund(paid.paymentReference, 100000)));
    const short = await createPendingOrder(database.db);
    const reviewId = await deliver(stripePayloads.succeeded(short.paymentReference, { amount: 100 }));

    const list = await ops("orders", "list", "--status", "partially_refunded", "--json");
    expect(list.code).toBe(0);
    const page = JSON.parse(list.stdout) as { items: TOrderSummary[] };
    expect(page.items.map((o) => o.orderNumber)).toEqual([paid.order.orderNumber]);
    expect(page.items[0]).toMatchObject({ paidMinor: 399800, refundedMinor: 100000 });

    const show = await ops("orders", "show", paid.order.orderNumber);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("PARTIALLY_REFUNDED");
    expect(show.stdout).toContain("INR 1000.00");

    const args = [
      "orders",
      "return-stock",
      paid.order.orderNumber,
      "--item",
      `${paid.item.id}:1`,
      "--reason",
      "parcel back",
      "--key",
      "k1",
      "--json",
    ];
    expect(JSON.parse((await ops(...args)).stdout)).toMatchObject({
      repeated: false,
      returned: [{ quantity: 1 }],
    });
    expect(JSON.parse((await ops(...args)).stdout)).toMatchObject({ repeated: true });
    const tooMany = await ops(
      "orders",
      "return-stock",
      paid.order.orderNumber,
      "--item",
      `${paid.item.id}:5`,
      "--reason",
      "x y z",
    );
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/only 1 of item/);
    expect(
      (await ops("orders", "return-stock", paid.order.orderNumber, "--item", "nope", "--reason", "xyz")).code,
    ).toBe(2);

    const bad = await ops("orders", "resolve", reviewId, "--action", "pay", "--reason", "xyz");
    expect(bad.code).toBe(2);
    const resolved = await ops(
      "orders",
      "resolve",
      reviewId,
      "--action",
      "accept",
      "--reason",
      "coupon applied",
      "--json",
    );
    expect(resolved.code).toBe(0);
    expect(JSON.parse(resolved.stdout)).toMatchObject({
      resolution: "ACCEPTED_AS_PAID",
      orderStatus: "PAID",
    });
    const detail = JSON.parse((await ops("orders", "show", short.order.id, "--json")).stdout) as TOrderDetail;
    expect(detail.payments.map((p) => p.amountMinor)).toEqual([100]);
  }, 120_000);
});
