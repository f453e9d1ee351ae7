// A list longer than a page: "Load more" fetches the next page through tRPC's infinite query and
// appends it, once, until the end of the list says so.
import { describe, expect, it } from "vitest";
import { recordAuditEvent, SYSTEM_ACTOR } from "@radha/core/audit";
import { TEST_PASSWORD } from "@radha/core/testing";
import { newPage, shot, harnessForFile } from "./harness";

const live = harnessForFile();

describe("paged lists", () => {
  it("operator: the audit log loads 50 events, then the next page on Load more, then says it is done", async () => {
    for (let i = 1; i <= 63; i++)
      await recordAuditEvent(live.server.database.db, SYSTEM_ACTOR, {
        action: "paging.e2e",
        target: { type: "test", id: `row-${i}` },
      });
    const operator = await live.server.signIn("OPERATOR");
    const page = await newPage(live.browser);
    await page.goto(`${live.server.url}/audit`);
    await page.getByLabel("Email").fill(operator.email);
    await page.getByLabel("Password").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/audit$/);

    await page.getByLabel("Action starts with").fill("paging.");
    await page.getByRole("button", { name: "Filter" }).click();
    const rows = page.locator("tbody tr");
    await page.getByText("Showing 50 events").waitFor();
    expect(await rows.count()).toBe(50);
    expect(await rows.first().textContent()).toContain("row-63");

    await page.getByRole("button", { name: "Load more" }).click();
    await page.getByText("Showing 63 events").waitFor();
    await page.getByText("Start of the log reached.").waitFor();
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    const targets = await rows.locator("td:nth-child(5)").allTextContents();
    expect(targets).toEqual(Array.from({ length: 63 }, (_, i) => `testrow-${63 - i}`));
    await shot(page, "audit-load-more");
    await page.context().close();
  });
});
