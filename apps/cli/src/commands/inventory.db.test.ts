// `ops inventory …` as a child process against a fresh database: export, reset, rollback, reads.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, createVariant, type TestDatabase } from "@radha/core/testing";
import { runOps } from "../testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let database: TestDatabase;
let dir: string;

const ops = (...args: string[]) => runOps({ DATABASE_URL: database.url, INIT_CWD: dir }, args);

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "ops-inventory-"));
});
afterAll(async () => {
  await database.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("ops inventory", () => {
  it("export → edit → reset preview → apply (once) → changes → rollback", async () => {
    const a = await createVariant(database.db, { stock: 10 });
    const b = await createVariant(database.db, { stock: 3 });
    expect((await ops("inventory", "export", "--out", "stock.csv")).code).toBe(0);
    const csv = await readFile(path.join(dir, "stock.csv"), "utf8");
    const edited = csv
      .replace(new RegExp(`^(${a.sku},.*),,,$`, "m"), "$1,7,,")
      .replace(new RegExp(`^(${b.sku},.*),,,$`, "m"), "$1,3,,");
    await writeFile(path.join(dir, "counts.csv"), edited);

    const preview = await ops("inventory", "reset", "--file", "counts.csv", "--reason", "Q4 count");
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/1 change, 1 already match, 0 with problems/);
    expect(preview.stdout).toMatch(/Preview only/);
    expect((await database.db.selectFrom("inventoryBatches").selectAll().execute()).length).toBe(0);
    // The file went through the same upload service as POST /api/files/inventory/counts.
    expect(
      await database.db
        .selectFrom("inventoryCountUploads")
        .select(["fileName", "rowCount", "sizeBytes", "actorLabel"])
        .execute(),
    ).toEqual([
      {
        fileName: "counts.csv",
        rowCount: 2,
        sizeBytes: Buffer.byteLength(edited),
        actorLabel: expect.stringMatching(/^cli:/),
      },
    ]);

    const applied = await ops(
      "--json",
      "inventory",
      "reset",
      "--file",
      "counts.csv",
      "--reason",
      "Q4 count",
      "--apply",
    );
    expect(applied.code).toBe(0);
    const result = JSON.parse(applied.stdout) as {
      batchId: string;
      alreadyApplied: boolean;
      changedCount: number;
    };
    expect(result).toMatchObject({ alreadyApplied: false, changedCount: 1 });
    const again = await ops(
      "--json",
      "inventory",
      "reset",
      "--file",
      "counts.csv",
      "--reason",
      "Q4 count",
      "--apply",
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadyApplied: true, batchId: result.batchId });

    const changes = await ops("--json", "inventory", "changes", "--since", "1h");
    expect(
      (JSON.parse(changes.stdout) as { items: { sku: string; type: string }[] }).items
        .filter((e) => e.type === "ADJUSTMENT")
        .map((e) => e.sku),
    ).toEqual([a.sku]);
    // The summary line counts the whole window: every ledger row the listing's pages hold.
    const listing = JSON.parse(changes.stdout) as {
      items: unknown[];
      totals: { movements: number; variants: number };
    };
    expect(listing.totals.movements).toBe(listing.items.length);
    expect((await ops("inventory", "changes", "--since", "1h")).stdout).toContain(
      `${listing.totals.movements} movements on ${listing.totals.variants} variants since`,
    );

    const rollbackPreview = await ops("inventory", "rollback", result.batchId);
    expect(rollbackPreview.code).toBe(0);
    expect(rollbackPreview.stdout).toMatch(/1 variants to undo/);
    expect((await ops("inventory", "rollback", result.batchId, "--apply")).stderr).toMatch(
      /--reason is required/,
    );
    const rolled = await ops("inventory", "rollback", result.batchId, "--apply", "--reason", "wrong shelf");
    expect(rolled.stdout).toMatch(/Rolled back batch .*: 1 variants restored/);
    const stock = await database.db
      .selectFrom("productVariants")
      .select("stockQuantity")
      .where("id", "=", a.id)
      .executeTakeFirstOrThrow();
    expect(stock.stockQuantity).toBe(10);
    // Ten CLI processes in a row: on a loaded machine that outlasts the default 30 s.
  }, 120_000);

  it("exits 1 with the problems when a count cannot be applied, and with a clear message for a bad file", async () => {
    await writeFile(path.join(dir, "bad.csv"), "sku,counted\nNO-SUCH,4\n");
    const preview = await ops("inventory", "reset", "--file", "bad.csv", "--reason", "count");
    expect(preview.code).toBe(1);
    expect(preview.stdout).toMatch(/No variant with SKU NO-SUCH/);
    const apply = await ops("inventory", "reset", "--file", "bad.csv", "--reason", "count", "--apply");
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/error: Nothing was changed/);
    // The rows that stopped it, from the error's details, one per line under the message.
    expect(apply.stderr).toMatch(/\n {2}- Line 2 \(NO-SUCH\): No variant with SKU NO-SUCH/);
    const missing = await ops("inventory", "reset", "--file", "nope.csv", "--reason", "count");
    expect(missing.stderr).toMatch(/No file at .*nope\.csv/);
    await writeFile(path.join(dir, "broken.csv"), 'sku,counted\nA-1,4\nB"2,5\n');
    const broken = await ops("inventory", "reset", "--file", "broken.csv", "--reason", "count");
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/not valid CSV: .*at line 3/);
  }, 60_000);

  it("lists low stock and fills thresholds where unset", async () => {
    const v = await createVariant(database.db, { stock: 4 });
    const low = await ops("--json", "inventory", "low-stock");
    const page = JSON.parse(low.stdout) as {
      items: { sku: string; suggestedReorderQuantity: number }[];
      nextCursor: string | null;
    };
    expect(page.items.find((r) => r.sku === v.sku)).toMatchObject({ suggestedReorderQuantity: 16 });
    expect(page.nextCursor).toBeNull();
    const set = await ops(
      "inventory",
      "set-thresholds",
      "--threshold",
      "2",
      "--where-unset",
      "--reason",
      "runbook default",
    );
    expect(set.stdout).toMatch(/Updated \d+ variants/);
    const after = await ops("--json", "inventory", "low-stock");
    expect(
      (JSON.parse(after.stdout) as { items: { sku: string }[] }).items.find((r) => r.sku === v.sku),
    ).toBeUndefined();
  });
});
