// Monitoring, alerts and incidents in a real browser: charts over sampled metrics, an alert that
// notified a local receiver, acknowledging it, declaring a P0 from scratch, stopping payments
// behind a confirmation, running the recovery checklist, and resolving and reviewing the incident.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { createChannel, evaluateAlertRules } from "@radha/core/monitoring";
import { TEST_MASTER_KEY, TEST_PASSWORD } from "@radha/core/testing";
import { harnessForFile, newPage as openPage, shot } from "./harness";

const live = harnessForFile({ worker: true });
let receiver: Server;
const received: string[] = [];
// A real local SMTP server that insists on the password typed into the console's form.
const SMTP_PASSWORD = "smtp-pass-e2e-9f3";
let smtp: SMTPServer;
const mails: { to: string[]; user: string | undefined; data: string }[] = [];

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
  smtp = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "alerts" && auth.password === SMTP_PASSWORD) callback(null, { user: "alerts" });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      let data = "";
      stream.on("data", (c: Buffer) => (data += c.toString()));
      stream.on("end", () => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === "string" ? session.user : undefined,
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await new Promise<void>((resolve) => smtp.close(resolve));
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

    // An e-mail channel through the form: validation first, then a real SMTP server and "Send test".
    await page.getByRole("button", { name: "Add channel" }).click();
    const form = page.getByRole("dialog");
    await form.getByLabel("Kind").selectOption("EMAIL");
    await form.getByRole("button", { name: "Add", exact: true }).click();
    await form.getByText("Give the channel a name, e.g. ops-room.").waitFor();
    await form.getByText("Add at least one recipient address.").waitFor();
    await form.getByText("The SMTP server's host name, e.g. smtp.example.com.").waitFor();
    await form.getByLabel("Name", { exact: true }).fill("oncall-mail");
    await form.getByLabel("To", { exact: true }).fill("oncall@radha.test, owner@radha.test");
    await form.getByLabel("From", { exact: true }).fill("not-an-address");
    await form.getByLabel("SMTP host", { exact: true }).fill("127.0.0.1");
    await form
      .getByLabel("SMTP port", { exact: true })
      .fill(String((smtp.server.address() as AddressInfo).port));
    await form.getByLabel("SMTP user", { exact: true }).fill("alerts");
    await form.getByLabel("SMTP password", { exact: true }).fill(SMTP_PASSWORD);
    await form.getByLabel("P3", { exact: true }).uncheck();
    await form.getByRole("button", { name: "Add", exact: true }).click();
    await form.getByText("The sender must be an e-mail address, e.g. ops@example.com.").waitFor();
    await shot(page, "alerts-channel-form");
    await form.getByLabel("From", { exact: true }).fill("ops@radha.test");
    await form.getByRole("button", { name: "Add", exact: true }).click();
    await form.getByRole("heading", { name: "Channel added" }).waitFor();
    await form.getByRole("button", { name: "Done" }).click();
    const row = page.getByRole("row", { name: /oncall-mail/ });
    await row.getByText("oncall@radha.test, owner@radha.test via 127.0.0.1").waitFor();
    await row.getByText("P0, P1, P2", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Send a test to oncall-mail" }).click();
    await page.getByRole("status").getByText("Test queued").waitFor();
    await expect.poll(() => mails.length, { timeout: 20_000 }).toBe(1);
    expect(mails[0]).toMatchObject({ to: ["oncall@radha.test", "owner@radha.test"], user: "alerts" });
    expect(mails[0]?.data).toContain('Test notification for channel "oncall-mail"');
    await page
      .getByRole("table", { name: "Notification deliveries" })
      .getByRole("row", { name: /oncall-mail/ })
      .getByText("sent")
      .waitFor();
    // The password never comes back: not in the page, not in the edit form.
    await page.getByRole("button", { name: "Edit oncall-mail" }).click();
    await form.getByText("A password is stored. Leave empty to keep it (never shown).").waitFor();
    expect(await form.getByLabel("SMTP password", { exact: true }).inputValue()).toBe("");
    await form.getByRole("button", { name: "Cancel" }).click();
    expect(await page.content()).not.toContain(SMTP_PASSWORD);
    await shot(page, "alerts-channels");

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
  }, 180_000);
});
