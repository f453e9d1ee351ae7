// The Backups and Database pages in a real browser: a backup and a drill made through core show in
// the catalog, the drill chart and the System page's backup health; the Database page reads live;
// an admin restores a backup from the Backups page (preview, reason, typed confirmation, steps as
// they run, result) and turns maintenance off afterwards.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { createBackup, dropDatabase, getRestoreReport, runDrill, withAdmin } from "@radha/core/dbops";
import { countRows, createProduct, TEST_PASSWORD } from "@radha/core/testing";
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

  it(
    "admin restores a backup from the Backups page, follows its steps, then turns maintenance off",
    { timeout: 480_000 },
    async () => {
      const config = live.server.deps.config.dbops!;
      const deps = { db: live.server.deps.db, config };
      const dbName = live.server.database.name;
      expect(dbName).toMatch(/^radha_t_/);
      const admin = await live.server.signIn("ADMIN");
      const page = await openPage(live.browser);
      // Signed in before the backup, so the session is in the restored data too.
      await signIn(page, admin.email);
      const productsBefore = await countRows(live.server.database.db, "products");
      const backup = await createBackup(deps, SYSTEM_ACTOR, { label: "before the accident" });
      for (let i = 0; i < 3; i++) await createProduct(live.server.database.db);

      try {
        await page.getByRole("link", { name: "Backups" }).click();
        await page.waitForURL(/\/backups$/);
        await page.getByRole("button", { name: `Restore ${backup.id}` }).click();
        const dialog = page.getByRole("dialog", { name: "Restore this backup?" });
        await dialog.getByTestId("restore-manifest").waitFor();
        const lost = dialog.getByRole("table", { name: "Rows lost per table since the backup" });
        await lost.getByRole("row").filter({ hasText: "products" }).waitFor();
        const start = dialog.getByRole("button", { name: "Replace the database" });
        await dialog.getByLabel("Reason").fill("e2e: products added by mistake");
        await dialog.getByLabel(`Type ${dbName} to confirm`).fill("not-the-name");
        expect(await start.isDisabled()).toBe(true);
        await dialog.getByLabel(`Type ${dbName} to confirm`).fill(dbName);
        await shot(page, "backups-restore-preview");
        await start.click();

        const progress = page.getByTestId("restore-progress");
        await progress.waitFor();
        await progress.getByRole("row").filter({ hasText: "Take a pre-restore backup" }).waitFor();
        await progress.getByTestId("restore-result").waitFor({ timeout: 240_000 });
        expect(await progress.getByTestId("restore-result").textContent()).toMatch(/Restore succeeded/);
        for (const step of ["Swap it in (old one kept)", "Allow ops changes again"])
          expect(await progress.getByRole("row").filter({ hasText: step }).textContent()).toContain("ok");
        expect(await countRows(live.server.database.db, "products")).toBe(productsBefore);

        const banner = page.getByTestId("maintenance-banner");
        await banner.waitFor({ timeout: 15_000 });
        await shot(page, "backups-restore-done");
        await banner.getByRole("button", { name: "Turn maintenance off…" }).click();
        const off = page.getByRole("dialog", { name: "Turn maintenance mode off?" });
        await off.getByLabel("Reason").fill("restored data checked");
        await off.getByRole("button", { name: "Turn maintenance off" }).click();
        await banner.waitFor({ state: "detached", timeout: 15_000 });
        await shot(page, "backups-maintenance-off");
      } finally {
        // The replaced database is kept under a dated name for the operator: this test drops it.
        const title = await page
          .getByRole("heading", { name: /^Restore rs_/ })
          .textContent({ timeout: 1_000 })
          .catch(() => null);
        const restoreId = /rs_\S+/.exec(title ?? "")?.[0];
        const report = restoreId ? await getRestoreReport(config, { id: restoreId }).catch(() => null) : null;
        const old = report?.oldDatabase;
        if (old) await withAdmin(config, (a) => dropDatabase(a, old));
      }
    },
  );
});
