// The Security area in a real browser: rotate keys (the admin stays signed in), add a Razorpay
// secret (shown once), see an expiring secret's countdown, check providers, walk the rotation
// checklist, revoke a user's sessions, revoke a key with typed confirmation, and see why the database
// password cannot be rotated on this server.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createUser } from "@radha/core/testing";
import { newPage as openPage, shot, harnessForFile, signInAt } from "./harness";

const live = harnessForFile();

async function confirmWithReason(page: Page, reason: string, typed?: string): Promise<void> {
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Reason").fill(reason);
  if (typed) await dialog.getByLabel(`Type ${typed} to confirm`).fill(typed);
  await dialog.locator("button[type=submit]").click();
  await dialog.waitFor({ state: "hidden" });
}

describe("security console", () => {
  it("admin: rotates keys, adds secrets, checks providers, walks the checklist, revokes sessions and a key", async () => {
    const db = live.server.database.db;
    const admin = await createUser(db, { role: "ADMIN" });
    const operator = await live.server.signIn("OPERATOR");
    const page = await openPage(live.browser);
    await signInAt(page, `${live.server.url}/security`, admin.email);
    await page.getByRole("heading", { name: "Security", level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Signing keys" }).waitFor();
    const stateCell = (state: string) => page.getByRole("cell", { name: state, exact: true });
    await stateCell("ACTIVE").waitFor();
    expect(await stateCell("ACTIVE").count()).toBe(1);
    expect(await stateCell("NEXT").count()).toBe(1);

    // The database password: this server reads a plain DATABASE_URL, so the panel explains why a
    // rotation cannot run here and what it would do, and offers no button.
    const dbPassword = page.getByTestId("db-password-unavailable");
    await dbPassword.getByText("read DATABASE_URL from their environment").waitFor();
    await dbPassword.getByText("Put the URL in a file, set DATABASE_URL_FILE").waitFor();
    expect(await dbPassword.getByRole("listitem").count()).toBe(5);
    expect(await page.getByRole("button", { name: "Rotate password…" }).count()).toBe(0);
    await dbPassword.scrollIntoViewIfNeeded();
    await shot(page, "security-db-password");

    // Rotate: the NEXT key becomes ACTIVE, the old one RETIRING; we stay signed in.
    await page.getByRole("button", { name: "Rotate keys" }).click();
    await confirmWithReason(page, "quarterly rotation");
    await stateCell("RETIRING").waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Signing keys" }).waitFor();
    expect(page.url()).toMatch(/\/security$/);

    // An existing Stripe secret, then a roll with an overlap: the old one counts down.
    await page.getByRole("button", { name: "Add secret" }).click();
    let dialog = page.getByRole("dialog");
    await dialog.getByLabel("Secret").fill("whsec_console_old_secret_0001");
    await dialog.getByLabel("Reason").fill("initial secret");
    await dialog.getByRole("button", { name: "Add secret" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Add secret" }).click();
    dialog = page.getByRole("dialog");
    await dialog.getByLabel("Secret").fill("whsec_console_new_secret_0002");
    await dialog.getByLabel("Reason").fill("Stripe roll");
    await dialog.getByRole("button", { name: "Add secret" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText(/(23 h 59 min|24 h 0 min) left/).waitFor();

    // Razorpay: generated here, shown once.
    await page.getByRole("button", { name: "Add secret" }).click();
    dialog = page.getByRole("dialog");
    await dialog.getByLabel("Provider").selectOption("RAZORPAY");
    await dialog.getByLabel("Reason").fill("new razorpay webhook");
    await dialog.getByRole("button", { name: "Generate secret" }).click();
    const secret = (await page.getByTestId("new-secret").textContent()) ?? "";
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await shot(page, "security-secrets");
    await page.getByRole("button", { name: "I have stored it" }).click();
    expect(await page.content()).not.toContain(secret);

    // At common widths every button in the Security tables (keys, sessions, secrets) is whole on
    // screen, not clipped by (or scrolled out of) its table's frame.
    for (const width of [1024, 1280, 1440]) {
      await page.setViewportSize({ width, height: 860 });
      const frames = await page.locator(".table-wrap").all();
      expect(frames.length).toBe(3);
      let revokes = 0;
      for (const frame of frames) {
        const outer = await frame.boundingBox();
        for (const button of await frame.getByRole("button").all()) {
          const box = await button.boundingBox();
          expect(box && outer, `width ${width}`).toBeTruthy();
          if (!box || !outer) continue;
          if ((await button.textContent()) === "Revoke") revokes++;
          expect(
            box.x + box.width,
            `${await button.textContent()}'s right edge at width ${width}`,
          ).toBeLessThanOrEqual(outer.x + outer.width - 4);
        }
      }
      expect(revokes).toBe(3 + 2 + 3);
      if (width === 1024) await shot(page, "security-secrets-1024");
    }
    await page.setViewportSize({ width: 1280, height: 860 });

    // Provider check (not configured in this harness) and the checklist.
    await page.getByRole("button", { name: "Check provider keys" }).click();
    await page.getByText("not configured").first().waitFor();
    await page.getByRole("button", { name: "Start stripe rotation" }).click();
    await confirmWithReason(page, "yearly key rotation");
    const card = page.getByTestId("rotation-STRIPE");
    await card.getByRole("button", { name: "Mark done" }).click();
    await card.getByText(`— ${admin.email} at`).waitFor();

    // A user's sessions: listed with IP, then revoked.
    await page.getByLabel("User email").fill(operator.email);
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByRole("cell", { name: "127.0.0.1" }).waitFor();
    await shot(page, "security-area");
    await page.getByRole("button", { name: `Revoke all of ${operator.email}'s sessions` }).click();
    await confirmWithReason(page, "lost laptop");
    await page.getByText("No live sessions.").waitFor();
    await expect(live.server.callerFor(operator.accessToken).auth.me()).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });

    // Revoking the ACTIVE key needs its id typed; afterwards the admin signs in again.
    const active = await db
      .selectFrom("signingKeys")
      .select("kid")
      .where("state", "=", "ACTIVE")
      .executeTakeFirstOrThrow();
    await page.getByRole("button", { name: `Revoke ${active.kid}` }).click();
    await shot(page, "security-revoke-key");
    await confirmWithReason(page, "drill: key exposed", active.kid);
    await page.waitForURL(/\/login/, { timeout: 20_000 });
  });
});
