// Issue 10 in the browser: an admin resets a colleague's password (shown once), the colleague
// must choose a new one at sign-in, changes it again on the Account page and is signed out;
// the admin sees the failed sign-ins and refused calls among the Audit page's security events.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { TEST_PASSWORD } from "@radha/core/testing";
import { newPage as openPage, shot, harnessForFile } from "./harness";

const live = harnessForFile();
const newPage = () => openPage(live.browser);

async function signInThroughForm(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("passwords and security events", () => {
  it("reset → forced new password → change on Account → security events on Audit", async () => {
    const admin = await live.server.signIn("ADMIN");
    const viewer = await live.server.signIn("VIEWER");

    const adminPage = await newPage();
    await adminPage.goto(`${live.server.url}/users`);
    await adminPage.waitForURL(/\/login/);
    await signInThroughForm(adminPage, admin.email, TEST_PASSWORD);
    await adminPage.getByRole("heading", { name: "Users" }).waitFor();
    await adminPage.getByRole("button", { name: `Reset password of ${viewer.email}` }).click();
    const dialog = adminPage.getByRole("dialog");
    await dialog.getByLabel("Reason").fill("forgot it after leave");
    await dialog.getByRole("button", { name: "Reset password" }).click();
    const temporary = (await dialog.getByTestId("temporary-password").textContent())?.trim() ?? "";
    expect(temporary.length).toBeGreaterThanOrEqual(20);
    await shot(adminPage, "users-reset-password");
    await dialog.getByRole("button", { name: "Done" }).click();
    await adminPage
      .getByRole("row")
      .filter({ hasText: viewer.email })
      .getByText("must change password")
      .waitFor();

    // The colleague signs in with the temporary password and must choose a new one.
    const page = await newPage();
    await page.goto(`${live.server.url}/login`);
    await signInThroughForm(page, viewer.email, "a wrong guess");
    await page.getByText("Wrong email or password.").waitFor();
    await signInThroughForm(page, viewer.email, temporary);
    await page.getByText("choose a new one").waitFor();
    await page.getByLabel("New password").fill("password1234");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("too easy to guess").waitFor();
    await shot(page, "login-new-password");
    await page.getByLabel("New password").fill("lantern orchard drifts 62 pebbles");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("current-user").waitFor();

    // A VIEWER refused at an admin page's procedure leaves a security event.
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("heading", { name: "Change password" }).waitFor();
    await page.getByLabel("Current password").fill("lantern orchard drifts 62 pebbles");
    await page.getByLabel("New password", { exact: true }).fill("copper meadow whistles 35 lanterns");
    await page.getByLabel("New password again").fill("copper meadow whistles 35 lanterns");
    await shot(page, "account");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.waitForURL(/\/login/);
    await page.getByText("Your password was changed").waitFor();

    await adminPage.getByRole("link", { name: "Audit" }).click();
    await adminPage.getByRole("heading", { name: "Security events" }).waitFor();
    const events = adminPage.getByRole("table", { name: "Security events" });
    await events.getByText("LOGIN_FAILED").first().waitFor();
    expect(await events.textContent()).toContain(viewer.email);
    await shot(adminPage, "audit-security-events");
  });
});
