// The scheduled key job and the sealing of private keys, against a real database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, TEST_MASTER_KEY, type TestDatabase } from "../testing/index";
import { Keyring } from "./keyring";
import { ensureSigningKeys, listSigningKeys, runScheduledKeyRotation } from "./keys.service";
import { fingerprintSecret, generateMasterKey, openSecret, parseMasterKey, sealSecret } from "./master-key";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await ensureSigningKeys(t.db, TEST_MASTER_KEY);
});
afterAll(() => t.drop());

const deps = () => ({ db: t.db, masterKey: TEST_MASTER_KEY, accessTokenTtlSeconds: 900 });

describe("scheduled rotation", () => {
  it("does nothing while the ACTIVE key is younger than the period, rotates once it is older", async () => {
    const before = await listSigningKeys(t.db);
    expect(await runScheduledKeyRotation(deps(), 30)).toEqual({ rotated: null, retired: [] });
    const active = before.find((k) => k.state === "ACTIVE");
    await t.db
      .updateTable("signingKeys")
      .set({ activatedAt: new Date(Date.now() - 31 * 86400_000) })
      .where("kid", "=", active?.kid ?? "")
      .execute();
    const { rotated } = await runScheduledKeyRotation(deps(), 30);
    expect(rotated?.retiring).toBe(active?.kid);
    const audit = await t.db
      .selectFrom("auditLog")
      .select(["actorLabel", "reason"])
      .where("action", "=", "keys.rotate")
      .execute();
    expect(audit).toEqual([{ actorLabel: "scheduled key rotation", reason: "scheduled: every 30 days" }]);
    // Once the retiring key's tokens have expired, the job retires it.
    await t.db
      .updateTable("signingKeys")
      .set({ retireAfter: new Date(Date.now() - 1) })
      .where("kid", "=", active?.kid ?? "")
      .execute();
    expect((await runScheduledKeyRotation(deps(), 30)).retired).toEqual([active?.kid]);
  });

  it("seals private keys made before sealing, and a keyring with another master key cannot sign", async () => {
    await t.db
      .updateTable("signingKeys")
      .set({ privateKeySealed: null, privateJwk: JSON.stringify({ kty: "EC", legacy: true }) })
      .where("state", "=", "RETIRED")
      .execute();
    await ensureSigningKeys(t.db, TEST_MASTER_KEY);
    const rows = await t.db.selectFrom("signingKeys").select(["privateJwk", "privateKeySealed"]).execute();
    expect(rows.every((r) => r.privateJwk === null && r.privateKeySealed?.startsWith("v1:"))).toBe(true);
    const wrong = new Keyring(t.db, parseMasterKey(generateMasterKey()));
    await expect(wrong.sign({ sub: "u", sid: "s", role: "ADMIN" }, 60)).rejects.toThrow(/does not open/);
  });
});

describe("master key", () => {
  it("seals with a fresh IV, binds the value to its row, and refuses a malformed key", () => {
    const a = sealSecret(TEST_MASTER_KEY, "whsec_x", "webhook_secret:1");
    expect(a).not.toBe(sealSecret(TEST_MASTER_KEY, "whsec_x", "webhook_secret:1"));
    expect(openSecret(TEST_MASTER_KEY, a, "webhook_secret:1")).toBe("whsec_x");
    expect(() => openSecret(TEST_MASTER_KEY, a, "webhook_secret:2")).toThrow(/does not open/);
    expect(() => parseMasterKey("c2hvcnQ=")).toThrow(/32 random bytes/);
    expect(fingerprintSecret("whsec_x")).toMatch(/^sha256:[0-9a-f]{12}$/);
  });
});
