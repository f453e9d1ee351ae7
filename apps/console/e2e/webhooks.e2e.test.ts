// Webhooks in a real browser: filter failed events, read one, bulk-replay them through the
// background worker, watch the progress, and see the orders paid; viewers get no replay controls.
import { describe, expect, it } from "vitest";
import type { Db } from "@radha/core/db";
import { createPendingOrder, razorpayPayloads, storeWebhookEvent, stripePayloads } from "@radha/core/testing";
import { newPage as openPage, shot, harnessForFile, signInAt } from "./harness";

const live = harnessForFile({ worker: true });

const newPage = () => openPage(live.browser);

/** A Stripe payment event stored and failed once automatically, as intake + the worker leave it when the order lagged. */
const insertFailedStripeEvent = (db: Db, paymentReference: string) =>
  storeWebhookEvent(db, {
    provider: "STRIPE",
    payload: stripePayloads.succeeded(paymentReference),
    paymentReference,
    status: "FAILED",
    receivedAt: new Date(Date.now() - 40 * 60_000),
    headers: {
      "content-type": "application/json",
      "stripe-signature": "t=1767000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
    },
  });

async function insertProcessedRazorpayEvent(db: Db, minutesAgo: number) {
  const paymentReference = `pay_e2e${Math.random().toString(36).slice(2, 10)}`;
  await storeWebhookEvent(db, {
    provider: "RAZORPAY",
    payload: razorpayPayloads.captured(paymentReference),
    providerEventId: `evt_rzp_${Math.random().toString(36).slice(2, 10)}`,
    paymentReference,
    status: "PROCESSED",
    receivedAt: new Date(Date.now() - minutesAgo * 60_000),
    processedAt: new Date(Date.now() - minutesAgo * 60_000 + 850),
    headers: { "x-razorpay-signature": "e2e" },
  });
}

describe("webhooks console", () => {
  it("operator: filters failed events, reads one, bulk-replays them and sees the orders paid", async () => {
    const db = live.server.database.db;
    const orders = await Promise.all([1, 2, 3].map(() => createPendingOrder(db, { provider: "STRIPE" })));
    const events = [];
    for (const o of orders) events.push(await insertFailedStripeEvent(db, o.paymentReference));
    // Earlier hours too, so the chart has lines and not single dots.
    for (const minutesAgo of [2, 3, 130, 190]) await insertProcessedRazorpayEvent(db, minutesAgo);
    await db
      .insertInto("webhookRejections")
      .values({
        provider: "STRIPE",
        reason: "signature does not match any active secret",
        statusCode: 400,
        ip: "203.0.113.7",
        requestId: "req-e2e-1",
        bodySha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        bodyBytes: 1834,
        headers: JSON.stringify({}),
      })
      .execute();

    const operator = await live.server.signIn("OPERATOR");
    const page = await newPage();
    await signInAt(page, `${live.server.url}/webhooks`, operator.email);
    await page.waitForURL(/\/webhooks$/);
    await page.getByRole("heading", { name: "Webhooks" }).waitFor();
    await page.getByRole("link", { name: "Webhooks" }).waitFor();
    const eventRows = page.locator("tbody tr");
    await eventRows.filter({ hasText: orders[0]!.paymentReference }).waitFor();
    expect(await eventRows.count()).toBe(7);
    await shot(page, "webhooks-events");

    // Filter to FAILED: only the three Stripe events remain, and the filter is in the address.
    await page.getByLabel("Status").selectOption("FAILED");
    await page.getByRole("button", { name: "Apply filter" }).click();
    await page.waitForURL(/status=FAILED/);
    await page.getByTestId("events-count").filter({ hasText: "Showing 3 events" }).waitFor();
    expect(await eventRows.count()).toBe(3);
    for (const row of await eventRows.all()) expect(await row.textContent()).toContain("FAILED");

    // One event's detail: payload, headers, its automatic attempt.
    await page
      .getByRole("row")
      .filter({ hasText: orders[0]!.paymentReference })
      .getByRole("button", { name: /^Details of/ })
      .click();
    const drawer = page.getByRole("dialog");
    await drawer.getByRole("heading", { name: "payment_intent.succeeded" }).waitFor();
    expect(await drawer.getByTestId("event-payload").textContent()).toContain(
      `"id": "${orders[0]!.paymentReference}"`,
    );
    await drawer.getByText("stripe-signature").waitFor();
    const attempt = drawer.getByRole("row").filter({ hasText: "AUTO" });
    expect(await attempt.textContent()).toMatch(/1\s*AUTO\s*system.*FAILED.*No order matches/);
    await drawer.getByRole("button", { name: "Replay this event" }).waitFor();
    await shot(page, "webhooks-event-detail");
    await drawer.getByRole("button", { name: "Close event details" }).click();
    await drawer.waitFor({ state: "hidden" });

    // Bulk replay with the current filter: exact count, then the run's progress to the end.
    await page.getByRole("button", { name: "Bulk replay…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByTestId("replay-count").filter({ hasText: "3 events will be replayed." }).waitFor();
    expect(await dialog.locator("tbody tr").count()).toBe(3);
    await dialog.getByLabel("Concurrency").fill("2");
    await shot(page, "webhooks-replay-preview");
    await dialog.getByRole("button", { name: "Replay 3 events" }).click();
    await dialog.getByTestId("replay-progress").waitFor();
    const result = dialog.getByTestId("replay-result");
    await result.waitFor({ timeout: 30_000 });
    expect(await result.textContent()).toMatch(/Replay finished.*3 succeeded, 0 failed, 0 skipped of 3/);
    expect(await dialog.getByTestId("replay-progress").textContent()).toMatch(/3 \/ 3 done \(100%\)/);
    expect(await dialog.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("3");
    await shot(page, "webhooks-replay-result");
    await dialog.getByRole("button", { name: "Close" }).click();

    // Nothing is FAILED any more; without the filter the three show PROCESSED with a second attempt.
    await page.getByText("No events match this filter.").waitFor();
    await page.getByRole("button", { name: "Clear" }).click();
    await page.waitForURL(/\/webhooks$/);
    for (const o of orders) {
      const row = page.getByRole("row").filter({ hasText: o.paymentReference });
      await row.getByText("PROCESSED").waitFor();
      expect(await row.getByRole("cell").nth(3).textContent()).toBe("2");
    }
    for (const o of orders) {
      expect(
        (
          await db
            .selectFrom("orders")
            .select("status")
            .where("id", "=", o.order.id)
            .executeTakeFirstOrThrow()
        ).status,
      ).toBe("PAID");
    }
    const replayAttempts = await db
      .selectFrom("webhookAttempts")
      .selectAll()
      .where("trigger", "=", "REPLAY")
      .execute();
    expect(replayAttempts.map((a) => a.eventId).sort()).toEqual(events.map((e) => e.id).sort());
    expect(replayAttempts.every((a) => a.replayRunId !== null && a.number === 2)).toBe(true);

    // The replayed event's history now has both attempts.
    await page
      .getByRole("row")
      .filter({ hasText: orders[1]!.paymentReference })
      .getByRole("button", { name: /^Details of/ })
      .click();
    await drawer.getByRole("row").filter({ hasText: "REPLAY" }).filter({ hasText: "PROCESSED" }).waitFor();
    await drawer.getByRole("button", { name: "Replay this event" }).click();
    expect(await drawer.getByTestId("replay-one-result").textContent()).toMatch(/SKIPPED.*already settled/);
    await shot(page, "webhooks-event-replayed");
    await drawer.getByRole("button", { name: "Close event details" }).click();

    await page.getByRole("button", { name: "Health" }).click();
    const stripeCard = page.getByTestId("health-STRIPE");
    await stripeCard.getByText("100%").waitFor();
    expect(await page.getByTestId("health-RAZORPAY").textContent()).toContain("Processed4");
    await page.locator(".recharts-line-dot").first().waitFor();
    expect((await page.locator(".recharts-legend-item").allTextContents()).sort()).toEqual([
      "Razorpay",
      "Stripe",
    ]);
    await shot(page, "webhooks-health");

    await page.getByRole("button", { name: "Rejected requests" }).click();
    await page.getByRole("row").filter({ hasText: "signature does not match any active secret" }).waitFor();
    await shot(page, "webhooks-rejections");

    await page.getByRole("button", { name: "Replay runs" }).click();
    const run = page.getByRole("row").filter({ hasText: operator.email });
    await run.getByText("COMPLETED").waitFor();
    await shot(page, "webhooks-runs");
    await page.context().close();
  });

  it("viewer: sees events and health but no replay controls", async () => {
    const viewer = await live.server.signIn("VIEWER");
    const page = await newPage();
    await signInAt(page, `${live.server.url}/webhooks`, viewer.email);
    await page.waitForURL(/\/webhooks$/);
    await page.locator("tbody tr").first().waitFor();
    await page.getByText("Replays need the operator role.").waitFor();
    expect(await page.getByRole("button", { name: "Bulk replay…" }).count()).toBe(0);
    await page
      .getByRole("button", { name: /^Details of/ })
      .first()
      .click();
    await page.getByRole("dialog").getByTestId("event-payload").waitFor();
    expect(await page.getByRole("button", { name: "Replay this event" }).count()).toBe(0);
    await page.context().close();
  });
});
