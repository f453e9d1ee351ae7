// The Backups and Database pages in a real browser: a backup and a drill made through core show in
// the catalog, the drill chart and the System page's backup health; the Database page reads live.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { createBackup, runDrill } from "@radha/core/dbops";
import { TEST_PASSWORD } from "@radha/core/testing";
import { newPage as openPage, shot, harnessForFile } from "./harness";

const live = harnessForFile();

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(live.server.url);
  await page.waitForURL(/\/login$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/system$/);
}

describe("database operations pages", () => {
  it("admin sees backups with their verification, the drill chart, backup health and the live database", async () => {
    const deps = { db: live.server.deps.db, config: live.server.deps.config.dbops! };
    const backup = await createBackup(deps, SYSTEM_ACTOR, { label: "e2e" });
    const drill = await runDrill(deps, SYSTEM_ACTOR);
    expect(drill.outcome).toBe("PASSED");
    const admin = await live.server.signIn("ADMIN");
    const page = await openPage(live.browser);
    await signIn(page, admin.email);

    await page.getByTestId("backup-health").waitFor();
    expect(await page.getByTestId("backup-health").textContent()).toMatch(/last drill passed/);

    await page.getByRole("link", { name: "Backups" }).click();
    await page.waitForURL(/\/backups$/);
    await page.getByRole("row").filter({ hasText: backup.id }).filter({ hasText: "e2e" }).waitFor();
    await page.locator(".recharts-legend-item").first().waitFor();
    await page.getByRole("button", { name: "Create backup" }).click();
    await page.getByText("Backup queued").waitFor();
    await shot(page, "backups-admin");

    await page.getByRole("link", { name: "Database" }).click();
    await page.waitForURL(/\/database$/);
    await page.getByTestId("connection-summary").waitFor();
    expect(await page.getByTestId("connection-summary").textContent()).toMatch(/max_connections \d+/);
    await page.getByRole("heading", { name: "Largest tables and indexes" }).waitFor();
    await shot(page, "database-admin");
  });
});
