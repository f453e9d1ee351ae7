// Shared set-up for browser journeys: a real server on a fresh database serving the built
// console, and Debian Chromium driven by playwright-core. Missing prerequisites fail the run: a
// skipped browser test would hide a broken console.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { loadEnv } from "@radha/scripts/env";
import { createTestServer, type TestServer } from "@radha/server/testing";
import { TEST_PASSWORD } from "@radha/core/testing";

const here = path.dirname(fileURLToPath(import.meta.url));
const consoleDist = path.resolve(here, "../dist");
export const artifacts = path.resolve(here, "../artifacts");
const chromiumPath = loadEnv().CHROMIUM_PATH;

export interface Harness {
  server: TestServer;
  browser: Browser;
  close(): Promise<void>;
}

export async function startHarness(opts: { worker?: boolean } = {}): Promise<Harness> {
  if (!existsSync(path.join(consoleDist, "index.html"))) {
    throw new Error(
      `The console is not built (${consoleDist}/index.html is missing): run \`pnpm --filter @radha/console build\` first.`,
    );
  }
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  }
  mkdirSync(artifacts, { recursive: true });
  const server = await createTestServer({ consoleDist });
  await server.listen();
  // Replay runs are background jobs: without a worker they would stay QUEUED.
  if (opts.worker) await server.startWorker();
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  return {
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Starts the harness before this file's tests and closes it after them. Read `server` and
 * `browser` from the returned object inside tests (they exist once beforeAll has run).
 */
export function harnessForFile(opts: { worker?: boolean } = {}): Pick<Harness, "server" | "browser"> {
  const live = {} as Pick<Harness, "server" | "browser">;
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness(opts);
    live.server = harness.server;
    live.browser = harness.browser;
  });
  afterAll(async () => {
    await harness?.close();
  });
  return live;
}

export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  return context.newPage();
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** Opens `url`, lands on the sign-in form (the page needs a session) and signs in as `email`. */
export async function signInAt(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}
