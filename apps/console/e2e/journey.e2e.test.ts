// Whole journeys in a real browser against a real server and database, through the built console.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createVariant, TEST_PASSWORD } from "@radha/core/testing";
import { artifacts, newPage as openPage, shot, harnessForFile } from "./harness";

const live = harnessForFile();

const newPage = () => openPage(live.browser);

async function signInThroughForm(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function navLabels(page: Page): Promise<string[]> {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents();
}

describe("console journeys", () => {
  it("admin: signs in, sees healthy system, finds the login in the audit log, signs out", async () => {
    const admin = await live.server.signIn("ADMIN");
    const page = await newPage();

    await page.goto(live.server.url);
    await page.waitForURL(/\/login$/);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();

    // Wrong password: the server's message appears inline and we stay on the form.
    await signInThroughForm(page, admin.email, "not the password");
    await page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
    await shot(page, "login-error");

    await page.getByLabel("Password").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/system$/);

    const overall = page.getByTestId("overall-health");
    await overall.waitFor();
    expect(await overall.textContent()).toMatch(/All systems healthy[\s\S]*Overall status: pass/);
    const databaseRow = page.getByRole("row").filter({ hasText: /^\s*database/ });
    expect(await databaseRow.count()).toBe(1);
    expect(await databaseRow.getByRole("cell").nth(1).textContent()).toMatch(/^\W*pass$/);
    expect(await page.getByTestId("current-role").textContent()).toBe("ADMIN");
    expect(await navLabels(page)).toEqual([
      "System",
      "Inventory",
      "Stock changes",
      "Low stock",
      "Reset batches",
      "Stock reset",
      "Webhooks",
      "Orders",
      "Payment review",
      "Audit",
      "Users",
      "Service tokens",
      "Security",
      "Monitoring",
      "Alerts",
      "Incidents",
      "Database",
      "Backups",
    ]);
    // Admins get a toggle per flag.
    await page.getByRole("button", { name: "Turn off payments_enabled" }).waitFor();
    await shot(page, "system-admin");

    // A reload keeps the session: the HttpOnly refresh cookie restores it without a stored token.
    // index.html starts that restore, the page's chunk and, with the restored token, the page's
    // queries itself (under the server's CSP): the app's script is held back here until all are
    // asked for (or 10 s), and then asks for no second refresh (the token rotates, so a second
    // one in flight would be taken for a stolen one) and takes the queries' answer.
    const refreshes: string[] = [];
    const pageQueries: string[] = [];
    let chunkAsked = false;
    let started!: () => void;
    const allStarted = new Promise<void>((resolve) => (started = resolve));
    page.on("request", (req) => {
      if (req.url().endsWith("/api/trpc/auth.refresh")) refreshes.push(req.url());
      if (req.url().includes("/api/trpc/system.health,backups.health,system.flags?"))
        pageQueries.push(req.url());
      if (/\/assets\/system-page-[^/]+\.js$/.test(req.url())) chunkAsked = true;
      if (refreshes.length > 0 && chunkAsked && pageQueries.length > 0) started();
    });
    const entryScript = /\/assets\/index-[^/]+\.js$/;
    let queriesBeforeApp = 0;
    await page.route(entryScript, async (route) => {
      await Promise.race([allStarted, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      queriesBeforeApp = pageQueries.length;
      await route.continue();
    });
    // The page renders directly, its chunk already in: no "Loading page…" placeholder first
    // (which React would keep up for its fallback throttle, 300 ms, before showing the page).
    const placeholders: string[] = [];
    await page.exposeFunction("__notePlaceholder", (text: string) => placeholders.push(text));
    await page.addInitScript({
      content: `new MutationObserver(() => {
        if (document.body?.textContent?.includes("Loading page")) window.__notePlaceholder("Loading page…");
      }).observe(document, { childList: true, subtree: true, characterData: true });`,
    });
    await page.reload();
    await overall.waitFor();
    await page.getByRole("button", { name: "Turn on maintenance_mode" }).waitFor();
    await page.unroute(entryScript);
    expect(placeholders).toEqual([]);
    expect(page.url()).toMatch(/\/system$/);
    expect(refreshes).toHaveLength(1);
    expect(queriesBeforeApp).toBe(1);
    expect(pageQueries).toHaveLength(1);

    // Toggling a flag needs a reason; the change shows in the table.
    await page.getByRole("button", { name: "Turn on maintenance_mode" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Turn on" }).click();
    await dialog.getByText("Say why (at least 3 characters)").waitFor();
    await dialog.getByLabel("Reason").fill("e2e: checking the flag dialog");
    await shot(page, "system-flag-dialog");
    await dialog.getByRole("button", { name: "Turn on" }).click();
    await page.getByRole("button", { name: "Turn off maintenance_mode" }).waitFor();
    expect(await page.getByRole("row").filter({ hasText: "maintenance_mode" }).textContent()).toContain(
      admin.email,
    );

    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("heading", { name: "Users" }).waitFor();
    await page.getByRole("row").filter({ hasText: admin.email }).waitFor();

    // Create a colleague, then suspend them: the reason is required and shows on the list.
    await page.getByRole("button", { name: "Create user" }).click();
    const create = page.getByRole("dialog");
    await create.getByLabel("Name").fill("Priya Operator");
    await create.getByLabel("Email").fill("priya@example.test");
    await create.getByLabel("Role").selectOption("OPERATOR");
    await create.getByLabel("Initial password").fill("short");
    await create.getByRole("button", { name: "Create user" }).click();
    await create.getByText("Passwords need at least 12 characters").waitFor();
    await create.getByLabel("Initial password").fill("a-long-enough-password");
    await create.getByRole("button", { name: "Create user" }).click();
    const priya = page.getByRole("row").filter({ hasText: "priya@example.test" });
    await priya.getByText("OPERATOR", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Suspend priya@example.test" }).click();
    const suspend = page.getByRole("dialog");
    await suspend.getByRole("button", { name: "Suspend user" }).click();
    await suspend.getByText("Give a reason").waitFor();
    await suspend.getByLabel("Reason").fill("on leave until March");
    await suspend.getByRole("button", { name: "Suspend user" }).click();
    await priya.getByText("suspended").waitFor();
    expect(await priya.textContent()).toContain("on leave until March");
    await shot(page, "users");

    await page.getByRole("link", { name: "Service tokens" }).click();
    await page.getByRole("heading", { name: "Service tokens" }).waitFor();
    await page.getByRole("button", { name: "Create token" }).click();
    await page.getByRole("dialog").getByLabel("Name").fill("e2e-runner");
    await page.getByRole("dialog").getByRole("button", { name: "Create token" }).click();
    const token = await page.getByTestId("new-token").textContent();
    expect(token?.length).toBeGreaterThan(20);
    await page.getByRole("row").filter({ hasText: "e2e-runner" }).getByText("active").waitFor();
    await shot(page, "tokens-created");

    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    const logins = page
      .locator("tbody tr")
      .filter({ has: page.locator("code", { hasText: /^auth\.login$/ }) })
      .filter({ hasText: admin.email });
    await logins.first().waitFor();
    // One sign-in from the test fixture, one through the form.
    expect(await logins.count()).toBeGreaterThanOrEqual(2);
    await page.getByRole("button", { name: "Verify chain" }).click();
    expect(await page.getByTestId("verify-result").textContent()).toMatch(/Chain intact: \d+ events checked/);
    await shot(page, "audit");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    await page.getByText("You have signed out.").waitFor();

    // The session is gone server-side too: a protected page sends us back to login.
    await page.goto(`${live.server.url}/audit`);
    await page.waitForURL(/\/login\?next=%2Faudit$/);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await shot(page, "login");
    await page.context().close();
  });

  it("viewer: sees the system page read-only and no admin or operator navigation", async () => {
    const viewer = await live.server.signIn("VIEWER");
    const page = await newPage();
    await page.goto(`${live.server.url}/system`);
    await page.waitForURL(/\/login\?next=%2Fsystem$/);
    await signInThroughForm(page, viewer.email, TEST_PASSWORD);
    await page.waitForURL(/\/system$/);
    await page.getByTestId("overall-health").waitFor();
    await page.getByRole("row").filter({ hasText: "payments_enabled" }).waitFor();

    expect(await navLabels(page)).toEqual([
      "System",
      "Inventory",
      "Stock changes",
      "Low stock",
      "Reset batches",
      "Webhooks",
      "Orders",
      "Payment review",
      "Monitoring",
      "Alerts",
      "Incidents",
      "Database",
      "Backups",
    ]);
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Service tokens" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Audit" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /Turn (on|off)/ }).count()).toBe(0);
    await page.getByText("Read-only: only admins can change flags.").waitFor();
    await shot(page, "system-viewer");

    // Typing an admin address does not get around the navigation.
    await page.goto(`${live.server.url}/users`);
    await page.getByRole("heading", { name: "Not available for your role" }).waitFor();
    await page.context().close();
  });

  it("operator: export → edit counts → upload → preview → apply → changes → rollback", async () => {
    const operator = await live.server.signIn("OPERATOR");
    const variant = await createVariant(live.server.database.db, { stock: 12, sku: "E2E-COUNT-1" });
    const page = await live.browser.newPage({
      acceptDownloads: true,
      viewport: { width: 1280, height: 860 },
    });
    await page.goto(`${live.server.url}/inventory`);
    await signInThroughForm(page, operator.email, TEST_PASSWORD);
    await page.waitForURL(/\/inventory$/);
    await page.getByRole("row").filter({ hasText: variant.sku }).waitFor();
    await shot(page, "inventory-stock");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    const exported = await readFile(await download.path(), "utf8");
    const edited = exported.replace(/^(E2E-COUNT-1,.*),,,$/m, "$1,9,,");
    const countFile = path.join(artifacts, "e2e-counts.csv");
    await writeFile(countFile, edited);

    await page.getByRole("link", { name: "Stock reset" }).click();
    await page.getByLabel("Reason").fill("E2E shelf count");
    // A broken file is refused at upload with its line; nothing to preview.
    const brokenFile = path.join(artifacts, "e2e-broken.csv");
    await writeFile(brokenFile, 'sku,counted\nE2E-COUNT-1,9\nE2E"X,1\n');
    await page.getByLabel("Count file (CSV)").setInputFiles(brokenFile);
    await page.getByRole("button", { name: "Preview" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /not valid CSV: .*line 3/ })
      .waitFor();
    await shot(page, "inventory-reset-bad-file");

    await page.getByLabel("Count file (CSV)").setInputFiles(countFile);
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByTestId("preview-summary").filter({ hasText: "1 change" }).waitFor();
    expect(await page.getByTestId("upload-summary").textContent()).toMatch(
      /^e2e-counts\.csv, \d+ KB, sha256 /,
    );
    expect(await page.getByRole("row").filter({ hasText: variant.sku }).textContent()).toMatch(/12\s*9\s*-3/);
    await shot(page, "inventory-reset-preview");
    await page.getByRole("button", { name: "Apply 1 change" }).click();
    await page.getByTestId("reset-result").filter({ hasText: "1 variants changed" }).waitFor();

    await page.getByRole("link", { name: "Stock changes" }).first().click();
    await page.getByRole("row").filter({ hasText: "E2E shelf count" }).waitFor();
    await shot(page, "inventory-changes");

    await page.getByRole("link", { name: "Reset batches" }).first().click();
    await page.getByRole("button", { name: "Roll back" }).first().click();
    await page.getByTestId("rollback-summary").waitFor();
    await page.getByRole("dialog").getByLabel("Reason").fill("counted the wrong shelf");
    await page
      .getByRole("dialog")
      .getByRole("button", { name: /Roll back 1 variants/ })
      .click();
    await page
      .getByText(/rolled back/)
      .first()
      .waitFor();
    await shot(page, "inventory-batches");
    const after = await live.server.database.db
      .selectFrom("productVariants")
      .select("stockQuantity")
      .where("id", "=", variant.id)
      .executeTakeFirstOrThrow();
    expect(after.stockQuantity).toBe(12);
    await page.context().close();
  });
});
