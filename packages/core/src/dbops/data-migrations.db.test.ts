import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { createTestDatabase, domainErrorOf, type TestDatabase } from "../testing/index";
import {
  convertProductImages,
  getDataMigration,
  listDataMigrations,
  pauseDataMigration,
  runDataMigration,
  verifyDataMigration,
} from "./data-migrations.service";

// pg_dump/pg_restore child processes: minutes, not seconds, on a loaded 2-core machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

let t: TestDatabase;
const N = 250;

const originalImages = (i: number): unknown[] =>
  i % 10 === 0
    ? [{ url: `https://img.test/${i}/a.jpg`, alt: "set", position: 0 }]
    : i % 10 === 1
      ? [`https://img.test/${i}/a.jpg`, { migrated: true }]
      : i % 10 === 2
        ? [
            { url: `https://img.test/${i}/z.jpg`, alt: "kept" },
            { migrated: "yes" },
            `https://img.test/${i}/b.jpg`,
          ]
        : [`https://img.test/${i}/a.jpg`, `https://img.test/${i}/b.jpg`];

beforeAll(async () => {
  t = await createTestDatabase();
  const rows = Array.from({ length: N }, (_, i) => ({
    name: `Saree ${i}`,
    slug: `saree-${i}`,
    priceMinor: 1000,
    images: JSON.stringify(originalImages(i)),
  }));
  await t.db.insertInto("products").values(rows).execute();
});

afterAll(async () => {
  await t.drop();
});

describe("data migrations: product images", () => {
  it("converts strings to { url, alt, position } and leaves converted rows alone", () => {
    expect(convertProductImages(["a", "b"], "Silk")).toEqual([
      { url: "a", alt: "Silk", position: 0 },
      { url: "b", alt: "Silk", position: 1 },
    ]);
    expect(convertProductImages([{ url: "a", alt: "x", position: 0 }], "Silk")).toBeNull();
    expect(convertProductImages(["a", { migrated: true }], "Silk")).toEqual([
      { url: "a", alt: "Silk", position: 0 },
    ]);
  });

  it("a dry run counts what would change and writes nothing", async () => {
    const r = await runDataMigration(t.db, SYSTEM_ACTOR, {
      name: "product-images-v1",
      dryRun: true,
      batchSize: 40,
    });
    expect(r).toMatchObject({ dryRun: true, rowsScanned: N, wouldChange: N - N / 10, rowsChanged: 0 });
    expect((await getDataMigration(t.db, "product-images-v1")).remaining).toBe(N - N / 10);
  });

  it("a run killed mid-way resumes from its checkpoint and converts every row exactly once", async () => {
    const killed = await runDataMigration(
      t.db,
      SYSTEM_ACTOR,
      { name: "product-images-v1", batchSize: 30 },
      (p) => {
        if (p.batches === 3) throw new Error("killed");
      },
    ).catch((e: unknown) => e);
    expect(killed).toBeInstanceOf(Error);
    const mid = await getDataMigration(t.db, "product-images-v1");
    expect(mid.batches).toBe(3);
    expect(mid.rowsScanned).toBe(90);
    expect(mid.checkpoint).not.toBeNull();
    expect(mid.remaining).toBeGreaterThan(0);

    const resumed = await runDataMigration(t.db, SYSTEM_ACTOR, { name: "product-images-v1", batchSize: 30 });
    expect(resumed.status).toBe("COMPLETED");
    expect(resumed.rowsScanned).toBe(N - 90);
    expect(resumed.verify).toEqual({ ok: true, remaining: 0 });
    const done = await getDataMigration(t.db, "product-images-v1");
    expect(done.rowsChanged).toBe(N - N / 10);
    expect(done.rowsScanned).toBe(N);

    const products = await t.db.selectFrom("products").select(["name", "images", "slug"]).execute();
    for (const p of products) {
      // The SQL rewrite gives what the JS reference gives for the row's original images.
      const i = Number(p.slug.slice("saree-".length));
      if (i % 10 !== 0) expect(p.images).toEqual(convertProductImages(originalImages(i), p.name));
      const images = p.images as { url: string; alt: string; position: number }[];
      expect(JSON.stringify(images)).not.toContain("migrated");
      images.forEach((img, i) => {
        expect(img).toMatchObject({ url: expect.stringMatching(/^https:/) as unknown, position: i });
      });
    }
    expect(await verifyDataMigration(t.db, "product-images-v1")).toEqual({
      name: "product-images-v1",
      ok: true,
      remaining: 0,
    });
    const audit = await t.db
      .selectFrom("auditLog")
      .select("action")
      .where("action", "like", "data_migrations.%")
      .orderBy("seq")
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      "data_migrations.start",
      "data_migrations.resume",
      "data_migrations.complete",
    ]);
  });

  it("run again, it rescans and changes nothing; pause needs a running migration", async () => {
    const again = await runDataMigration(t.db, SYSTEM_ACTOR, { name: "product-images-v1", batchSize: 100 });
    expect(again).toMatchObject({ status: "COMPLETED", rowsChanged: 0, rowsScanned: N });
    expect((await domainErrorOf(pauseDataMigration(t.db, SYSTEM_ACTOR, "product-images-v1"))).code).toBe(
      "CONFLICT",
    );
    expect((await domainErrorOf(getDataMigration(t.db, "no-such-migration"))).code).toBe("NOT_FOUND");
    expect((await listDataMigrations(t.db)).map((m) => m.name)).toEqual(["product-images-v1"]);
  });

  it("pauses after the batch in progress and resumes later", async () => {
    await t.db
      .updateTable("products")
      .set({ images: JSON.stringify(["https://img.test/again.jpg"]) })
      .execute();
    const paused = await runDataMigration(
      t.db,
      SYSTEM_ACTOR,
      { name: "product-images-v1", batchSize: 50 },
      async (p) => {
        if (p.batches === 1) await pauseDataMigration(t.db, SYSTEM_ACTOR, "product-images-v1");
      },
    );
    // Batch 2 sees the request and the run stops after it.
    expect(paused.status).toBe("PAUSED");
    expect(paused.rowsChanged).toBe(100);
    const resumed = await runDataMigration(t.db, SYSTEM_ACTOR, { name: "product-images-v1", batchSize: 50 });
    expect(resumed.status).toBe("COMPLETED");
    expect(paused.rowsChanged + resumed.rowsChanged).toBe(N);
  });
});
