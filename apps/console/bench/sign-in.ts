// The render benches' session: an admin signed in once through the form, in a context whose
// refresh cookie each cold load carries over.
import type { Browser, BrowserContext } from "playwright-core";
import { TEST_PASSWORD } from "@radha/core/testing";

export async function signIn(browser: Browser, url: string, email: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/system$/);
  await page.getByTestId("overall-health").waitFor();
  return context;
}

/**
 * A fresh context for the next cold load (nothing cached) with the previous one's refresh cookie
 * (it rotates on each restore); closes the previous one.
 */
export async function nextContext(browser: Browser, previous: BrowserContext): Promise<BrowserContext> {
  const next = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    storageState: await previous.storageState(),
    // The console's CSP forbids eval, which playwright's string probes use.
    bypassCSP: true,
  });
  await previous.close();
  return next;
}
