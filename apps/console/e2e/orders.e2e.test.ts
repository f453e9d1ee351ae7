// Orders in a real browser: the list with money from payment records, one order's payment
// timeline and a stock return, and the review queue where an operator resolves a short payment.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Db } from "@radha/core/db";
import {
  createPendingOrder,
  storeWebhookEvent,
  stripePayloads,
  stripeRefund,
  TEST_PASSWORD,
} from "@radha/core/testing";
import { processWebhookEvent } from "@radha/core/webhooks";
import { newPage as openPage, shot, harnessForFile } from "./harness";

const live = harnessForFile();

async function signInAt(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function deliver(
  db: Db,
  payload: ReturnType<typeof stripePayloads.succeeded>,
  paymentReference: string,
) {
  const ev = await storeWebhookEvent(db, {
    provider: "STRIPE",
    payload,
    paymentReference,
    status: "PENDING",
  });
  await processWebhookEvent(db, ev.id, { trigger: "AUTO", maxAttempts: 3, backoffBaseSeconds: 30 });
  return ev.id;
}

describe("orders console", () => {
  it("operator: lists orders, reads an order's timeline, returns stock, resolves a short payment", async () => {
    const db = live.server.database.db;
    const refunded = await createPendingOrder(db, { quantity: 2, stock: 10 });
    await deliver(db, stripePayloads.succeeded(refunded.paymentReference), refunded.paymentReference);
    await deliver(
      db,
      stripePayloads.refundCreated(stripeRefund(refunded.paymentReference, 199900)),
      refunded.paymentReference,
    );
    const short = await createPendingOrder(db, { quantity: 1 });
    await deliver(
      db,
      stripePayloads.succeeded(short.paymentReference, { amount: 1000 }),
      short.paymentReference,
    );
    await createPendingOrder(db, { quantity: 1 });

    const operator = await live.server.signIn("OPERATOR");
    const page = await openPage(live.browser);
    await signInAt(page, `${live.server.url}/orders`, operator.email);
    await page.getByRole("heading", { name: "Orders" }).waitFor();
    const row = page.getByRole("row").filter({ hasText: refunded.order.orderNumber });
    await row.getByText("PARTIALLY_REFUNDED").waitFor();
    expect(await row.textContent()).toContain("INR 1999.00");
    expect(await page.locator("tbody tr").count()).toBe(3);
    await shot(page, "orders-list");

    await row.getByRole("link", { name: refunded.order.orderNumber }).click();
    await page.getByRole("heading", { name: `Order ${refunded.order.orderNumber}` }).waitFor();
    const timeline = page.getByRole("list", { name: "Payment timeline" });
    await timeline.getByText(`Payment ${refunded.paymentReference} CAPTURED`).waitFor();
    expect(await timeline.textContent()).toMatch(/refund.created/);
    await shot(page, "orders-detail");

    await page.getByRole("button", { name: "Return stock…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("textbox").first().fill("1");
    await dialog.getByLabel("Reason").fill("parcel came back");
    await shot(page, "orders-return-stock");
    await dialog.getByRole("button", { name: "Return stock" }).click();
    await dialog.waitFor({ state: "hidden" });
    await timeline.getByText("Stock RETURN").waitFor();

    await page.goto(`${live.server.url}/orders/review`);
    await page.getByRole("heading", { name: "Payment review" }).waitFor();
    const review = page.getByRole("row").filter({ hasText: short.order.orderNumber });
    await review.getByText(/expected INR 1999\.00, received INR 10\.00/).waitFor();
    await shot(page, "orders-review-queue");
    await review.getByRole("button", { name: "Resolve…" }).click();
    const resolve = page.getByRole("dialog");
    await resolve.getByLabel("Dismiss").check();
    await resolve.getByLabel("Reason").fill("test payment by staff");
    await shot(page, "orders-review-resolve");
    await resolve.getByRole("button", { name: "Resolve" }).click();
    await page.getByText("Nothing waits for review.").waitFor();
    await page.close();
  });
});
