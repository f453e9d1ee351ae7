// The stock table at size: 650 variants (over three pages of 200) scroll in one table, pages
// loading as the operator nears the end, with only the rows in view kept in the page.
import { describe, expect, it } from "vitest";
import { createProduct, TEST_PASSWORD } from "@radha/core/testing";
import { harnessForFile, newPage, shot } from "./harness";

const live = harnessForFile();
const VARIANTS = 650;

describe("stock table", () => {
  it("scrolls through more than 500 variants, loading pages as it goes", async () => {
    const db = live.server.database.db;
    const product = await createProduct(db, { name: "Scroll Saree" });
    await db
      .insertInto("productVariants")
      .values(
        Array.from({ length: VARIANTS }, (_, i) => ({
          productId: product.id,
          sku: `SCROLL-${String(i + 1).padStart(4, "0")}`,
          colour: "Red",
          stockQuantity: 30,
        })),
      )
      .execute();
    const operator = await live.server.signIn("OPERATOR");
    const page = await newPage(live.browser);
    await page.goto(`${live.server.url}/inventory`);
    await page.getByLabel("Email").fill(operator.email);
    await page.getByLabel("Password").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/inventory$/);
    await page.getByRole("row").filter({ hasText: "SCROLL-0001" }).waitFor();

    const table = page.getByTestId("stock-table");
    const last = page.getByRole("row").filter({ hasText: "SCROLL-0650" });
    for (let i = 0; i < 40 && !(await last.isVisible()); i++) {
      await table.evaluate((el) => el.scrollBy(0, 4000));
      await page.waitForTimeout(150);
    }
    await last.waitFor();
    await page.getByText(`Showing ${VARIANTS} variants`).waitFor();
    // Only the rows around the view are in the page, not all 650.
    expect(await page.getByRole("row").count()).toBeLessThan(100);
    expect(await page.getByRole("row").filter({ hasText: "SCROLL-0001" }).count()).toBe(0);
    await shot(page, "inventory-stock-scrolled");

    // Back at the top the first rows are there again.
    await table.evaluate((el) => el.scrollTo(0, 0));
    await page.getByRole("row").filter({ hasText: "SCROLL-0001" }).waitFor();
    await page.context().close();
  });
});
