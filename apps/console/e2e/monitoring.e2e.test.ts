// Monitoring, alerts and incidents in a real browser: charts over sampled metrics, an alert that
// notified a local receiver, acknowledging it, declaring a P0 from scratch, stopping payments
// behind a confirmation, running the recovery checklist, and resolving and reviewing the incident.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { createChannel, evaluateAlertRules } from "@radha/core/monitoring";
import { TEST_MASTER_KEY, TEST_PASSWORD } from "@radha/core/testing";
import { harnessForFile, newPage as openPage, shot } from "./harness";

const live = harnessForFile({ worker: true });
let receiver: Server;
const received: string[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push(body);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

async function signIn(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Six hours of minute samples shaped like a normal day with a memory climb at the end. */
async function seedSamples(): Promise<void> {
  const db = live.server.database.db;
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const rows: { metric: string; subject: string; at: Date; value: number }[] = [];
  for (let i = 360; i >= 1; i--) {
    const at = new Date(now - i * 60_000);
    const wave = Math.sin(i / 30);
    const push = (metric: string, value: number, subject = "") => rows.push({ metric, subject, at, value });
    push("http_latency_p50_seconds", 0.018 + 0.004 * wave);
    push("http_latency_p95_seconds", 0.09 + 0.03 * wave + (i < 40 ? 0.05 : 0));
    push("http_latency_p99_seconds", 0.2 + 0.06 * wave + (i < 40 ? 0.15 : 0));
    push("http_requests_per_minute", Math.round(240 + 80 * wave));
    push("http_error_rate", i % 97 === 0 ? 0.02 : 0.002);
    push("pg_connections", Math.round(14 + 4 * wave), "total");
    push("pg_connections", Math.round(3 + 2 * wave), "active");
    push("pg_max_connections", 100);
    push("db_pool_in_use", Math.round(4 + 2 * wave));
    push("process_rss_mb", 180 + (360 - i) * 0.95);
    push("process_heap_used_mb", 70 + (360 - i) * 0.4);
    push("job_queue_depth", Math.max(0, Math.round(2 + 3 * wave)));
    push("job_oldest_age_seconds", Math.max(0, 3 + 4 * wave));
    push("webhook_pending", Math.max(0, Math.round(1 + 2 * wave)));
    push("webhook_oldest_pending_seconds", Math.max(0, 5 + 8 * wave));
  }
  for (let i = 0; i < rows.length; i += 2000)
    await db
      .insertInto("metricSamples")
      .values(rows.slice(i, i + 2000))
      .execute();
}

describe("monitoring, alerts and incidents console", () => {
  it("admin: reads the charts, sees a notified alert, runs an incident from declaration to review", async () => {
    const db = live.server.database.db;
    await seedSamples();
    const port = (receiver.address() as AddressInfo).port;
    await createChannel({ db, masterKey: TEST_MASTER_KEY }, SYSTEM_ACTOR, {
      kind: "SLACK",
      name: "ops-room",
      url: `http://127.0.0.1:${port}/hook`,
      severities: ["P1", "P2"],
    });
    const t0 = Date.now() - 15 * 60_000;
    await evaluateAlertRules(db, [{ metric: "process_rss_mb", subject: "", value: 530 }], new Date(t0));
    await evaluateAlertRules(
      db,
      [{ metric: "process_rss_mb", subject: "", value: 541 }],
      new Date(t0 + 11 * 60_000),
    );
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(1);
    expect(received[0]).toContain("[P2 FIRING] Memory above 512 MB");

    await live.server.signIn("ADMIN", "admin@radha.test");
    const page = await openPage(live.browser);
    await signIn(page, `${live.server.url}/monitoring`, "admin@radha.test");
    await page.getByRole("heading", { name: "Monitoring" }).waitFor();
    await page.getByLabel("Request latency chart").locator(".recharts-line").first().waitFor();
    expect(await page.locator(".recharts-line").count()).toBeGreaterThanOrEqual(14);
    await page.mouse.move(0, 0);
    await page.waitForTimeout(300);
    await shot(page, "monitoring");

    await page.getByRole("link", { name: "Alerts" }).click();
    await page.getByRole("heading", { name: "Recent alerts" }).waitFor();
    await page.getByText("process_rss_mb = 541").waitFor();
    await page.getByRole("button", { name: "Acknowledge" }).click();
    await page.getByText("by admin@radha.test").waitFor();
    await page.getByRole("cell", { name: "sent" }).first().waitFor();
    await shot(page, "alerts");

    await page.getByRole("link", { name: "Incidents" }).click();
    await page.getByRole("button", { name: "Declare incident" }).click();
    await page.getByLabel("Title").fill("Checkout failing for card payments");
    await page.getByLabel("Severity").selectOption("P0");
    await page.getByRole("button", { name: "Declare", exact: true }).click();
    await page.getByRole("heading", { name: "P0: Checkout failing for card payments" }).waitFor();
    await page.getByText(/Acknowledge: \d+ min left/).waitFor();

    await page.getByRole("link", { name: "Incidents" }).click();
    await page.getByRole("button", { name: "Stop payments…" }).click();
    await page.getByRole("dialog").getByLabel("Reason").fill("card testing attack");
    await page.getByRole("dialog").getByRole("button", { name: "Stop payments" }).click();
    await page.getByRole("button", { name: "Resume payments…" }).waitFor();
    await page.getByRole("button", { name: "Run recovery checklist" }).click();
    await page.getByLabel("Recovery checklist report").waitFor();
    await shot(page, "incidents");

    await page.getByRole("link", { name: "Checkout failing for card payments" }).click();
    const timeline = page.locator(".inc-timeline");
    await timeline.getByText("emergency.stop_payments").waitFor();
    await timeline.getByText(/Recovery checklist:/).waitFor();
    await page.getByRole("button", { name: "Acknowledge" }).click();
    await page.getByText("Acknowledge: met").waitFor();
    await page
      .getByPlaceholder("What you saw or did")
      .fill("Card testing from one BIN range; Stripe Radar rule added");
    await page.getByRole("button", { name: "Add note" }).click();
    await timeline.getByText("Card testing from one BIN range").waitFor();
    await page.getByRole("button", { name: "Mark resolved" }).click();
    await page.getByLabel("Summary").fill("Card testing attack on checkout");
    await page.getByLabel("Impact").fill("Payments off for 20 minutes");
    await page.getByLabel("Root cause").fill("No velocity limit on card attempts");
    await page.getByLabel("Action items").fill("Add a velocity rule @payments@radha.test");
    await page.getByRole("button", { name: "Save review" }).click();
    await page.getByRole("heading", { name: "Post-incident review" }).waitFor();
    await shot(page, "incident-detail");
    await page.context().close();
  });
});
