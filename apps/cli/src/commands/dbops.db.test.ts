// ops backups / drills / migrations / db status|cancel|terminate, as a user runs them.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOps } from "../testing";

let database: TestDatabase;
let dir: string;
const ops = (...args: string[]) => runOps({ DATABASE_URL: database.url, OPS_BACKUP_DIR: dir }, args);

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "radha-cli-backups-"));
  await database.db
    .insertInto("products")
    .values([
      { name: "A", slug: "a", priceMinor: 100, images: JSON.stringify(["https://img.test/a.jpg"]) },
      { name: "B", slug: "b", priceMinor: 100, images: JSON.stringify([]) },
    ])
    .execute();
});

afterAll(async () => {
  await database.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("ops backups", () => {
  it("creates, lists, verifies and previews a restore of a backup", async () => {
    const created = await ops("backups", "create", "--label", "cli test", "--json");
    expect(created.code).toBe(0);
    const backup = JSON.parse(created.stdout) as { id: string; label: string; sha256: string };
    expect(backup).toMatchObject({
      label: "cli test",
      sha256: expect.stringMatching(/^[a-f0-9]{64}$/) as unknown,
    });

    const list = JSON.parse((await ops("backups", "list", "--json")).stdout) as { items: { id: string }[] };
    expect(list.items.map((b) => b.id)).toEqual([backup.id]);

    const verify = await ops("backups", "verify", backup.id);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/verified/);

    const preview = await ops("backups", "restore", backup.id);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/Nothing done/);
    const noReason = await ops("backups", "restore", backup.id, "--apply");
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toMatch(/reason/);

    const prune = await ops("backups", "prune", "--json");
    expect(JSON.parse(prune.stdout)).toMatchObject({ applied: false, deleted: [] });
    expect((await ops("backups", "verify", "bk_nope")).code).toBe(1);
  }, 240_000);

  it("runs a drill", async () => {
    const drill = await ops("drills", "run", "--json");
    expect(drill.code).toBe(0);
    expect(JSON.parse(drill.stdout)).toMatchObject({ outcome: "PASSED" });
  }, 240_000);
});

describe("ops migrations", () => {
  it("dry-runs, runs and verifies the product-images migration", async () => {
    const dry = JSON.parse(
      (await ops("migrations", "run", "product-images-v1", "--dry-run", "--json")).stdout,
    ) as { wouldChange: number };
    expect(dry.wouldChange).toBe(1);
    const run = await ops("migrations", "run", "product-images-v1", "--batch-size", "1", "--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: "COMPLETED",
      rowsChanged: 1,
      verify: { ok: true },
    });
    expect((await ops("migrations", "verify", "product-images-v1")).code).toBe(0);
    const list = await ops("migrations", "list");
    expect(list.stdout).toMatch(/product-images-v1.*COMPLETED/);
    expect((await ops("migrations", "status", "nope-migration")).code).toBe(1);
  }, 240_000);
});

describe("ops db", () => {
  it("shows status and refuses to cancel what is not a client backend here", async () => {
    const status = await ops("db", "status", "--json");
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ database: database.name });
    const bad = await ops("db", "terminate", "1", "--reason", "test", "--grace", "0");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/No backend with pid 1|not a client/);
    expect((await ops("db", "terminate", "123")).code).toBe(2);
  }, 240_000);
});
