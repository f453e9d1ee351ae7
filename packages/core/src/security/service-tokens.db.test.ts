// Issue 10 finding 1: a service token has an owner and an expiry, dies with its owner's
// suspension or demotion, and records when and from where it was last used.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR, type Actor } from "../audit/audit.service";
import {
  createTestAuthService,
  createTestDatabase,
  createUser,
  TEST_MASTER_KEY,
  type TestDatabase,
} from "../testing/index";
import type { AuthService } from "./auth.service";
import { ensureSigningKeys } from "./keys.service";
import { createServiceToken, listServiceTokens } from "./service-tokens.service";
import { changeUserRole, restoreUser, suspendUser } from "./users.service";

let t: TestDatabase;
let auth: AuthService;

beforeAll(async () => {
  t = await createTestDatabase();
  await ensureSigningKeys(t.db, TEST_MASTER_KEY);
  auth = createTestAuthService(t.db, { loginMaxPerIp: 30 });
});
afterAll(() => t.drop());

const personActor = (u: { id: string; email: string }): Actor => ({ type: "USER", id: u.id, label: u.email });
const DAY = 86_400_000;

describe("service tokens", () => {
  it("belong to their creator, expire in 90 days by default and at most in a year", async () => {
    const admin = await createUser(t.db, { role: "ADMIN" });
    const { info } = await createServiceToken(t.db, personActor(admin), {
      name: "svc-default",
      role: "ADMIN",
    });
    expect(info.ownerEmail).toBe(admin.email);
    const days = (new Date(info.expiresAt).getTime() - Date.now()) / DAY;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);
    await expect(
      createServiceToken(t.db, personActor(admin), { name: "svc-long", role: "ADMIN", expiresInDays: 366 }),
    ).rejects.toThrow();
    const listed = await listServiceTokens(t.db, {});
    expect(listed.items.find((i) => i.id === info.id)).toMatchObject({
      ownerEmail: admin.email,
      expiresAt: info.expiresAt,
    });
  });

  it("cannot hold more than its owner's role, and the CLI must name an owner", async () => {
    const operator = await createUser(t.db, { role: "OPERATOR" });
    await expect(
      createServiceToken(t.db, personActor(operator), { name: "svc-up", role: "ADMIN" }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    await expect(
      createServiceToken(t.db, SYSTEM_ACTOR, { name: "svc-none", role: "VIEWER" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("dies when its owner is suspended (and works again only if restored)", async () => {
    const owner = await createUser(t.db, { role: "ADMIN" });
    const other = await createUser(t.db, { role: "ADMIN" });
    const { token } = await createServiceToken(t.db, personActor(owner), { name: "svc-susp", role: "ADMIN" });
    await expect(auth.authenticate(token)).resolves.toMatchObject({ kind: "service", ownerUserId: owner.id });
    await suspendUser(t.db, personActor(other), { userId: owner.id, reason: "left the company" });
    await expect(auth.authenticate(token)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      message: "This service token's owner is suspended",
    });
    await restoreUser(t.db, personActor(other), { userId: owner.id });
    await expect(auth.authenticate(token)).resolves.toMatchObject({ kind: "service" });
  });

  it("dies when its owner is demoted below the token's role", async () => {
    const owner = await createUser(t.db, { role: "ADMIN" });
    const other = await createUser(t.db, { role: "ADMIN" });
    const { token: adminToken } = await createServiceToken(t.db, personActor(owner), {
      name: "svc-demote-admin",
      role: "ADMIN",
    });
    const { token: viewerToken } = await createServiceToken(t.db, personActor(owner), {
      name: "svc-demote-viewer",
      role: "VIEWER",
    });
    await changeUserRole(t.db, personActor(other), { userId: owner.id, role: "OPERATOR" });
    await expect(auth.authenticate(adminToken)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(auth.authenticate(viewerToken)).resolves.toMatchObject({ role: "VIEWER" });
  });

  it("is refused after its expiry", async () => {
    const owner = await createUser(t.db, { role: "OPERATOR" });
    const { token, info } = await createServiceToken(t.db, personActor(owner), {
      name: "svc-expired",
      role: "OPERATOR",
      expiresInDays: 1,
    });
    await t.db
      .updateTable("serviceTokens")
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where("id", "=", info.id)
      .execute();
    await expect(auth.authenticate(token)).rejects.toMatchObject({
      message: "This service token has expired; create a new one",
    });
  });

  it("records the time and address of its last use", async () => {
    const owner = await createUser(t.db, { role: "VIEWER" });
    const { token, info } = await createServiceToken(t.db, personActor(owner), {
      name: "svc-ip",
      role: "VIEWER",
    });
    await auth.authenticate(token, { ip: "198.51.100.4" });
    const listed = (await listServiceTokens(t.db, {})).items.find((i) => i.id === info.id);
    expect(listed?.lastUsedIp).toBe("198.51.100.4");
    expect(Date.now() - new Date(listed?.lastUsedAt ?? 0).getTime()).toBeLessThan(60_000);
    // A new address is recorded at once, not a minute later.
    await auth.authenticate(token, { ip: "198.51.100.5" });
    expect((await listServiceTokens(t.db, {})).items.find((i) => i.id === info.id)?.lastUsedIp).toBe(
      "198.51.100.5",
    );
  });
});
