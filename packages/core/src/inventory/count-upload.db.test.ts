import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../audit/audit.service";
import {
  countRows,
  createTestDatabase,
  createVariant,
  domainErrorOf,
  type TestDatabase,
} from "../testing/index";
import { applyUploadedReset, previewUploadedReset, storeCountUpload } from "./count-upload.service";
import { streamInventoryCsv } from "./export";
import { MAX_COUNT_FILE_BYTES } from "./inventory.schema";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const OPERATOR: Actor = { type: "USER", id: "op-1", label: "operator@test" };

const uploadCount = () => countRows(t.db, "inventoryCountUploads");

describe("count uploads", () => {
  it("stores the file with its hash and an audit event, then previews and applies it by id", async () => {
    const a = await createVariant(t.db, { stock: 10 });
    const b = await createVariant(t.db, { stock: 2 });
    const content = Buffer.from(`sku,counted\n${a.sku},7\nNO-SUCH,1\n${b.sku},2\n`);
    const upload = await storeCountUpload(t.db, OPERATOR, { fileName: "C:\\counts\\shelf-4.csv", content });
    expect(upload).toMatchObject({
      fileName: "shelf-4.csv",
      sizeBytes: content.length,
      sha256: createHash("sha256").update(content).digest("hex"),
      source: "EXPORT",
      rowCount: 3,
      ignoredCount: 0,
    });
    const audit = await t.db
      .selectFrom("auditLog")
      .select(["action", "actorId"])
      .where("targetId", "=", upload.uploadId)
      .execute();
    expect(audit).toEqual([{ action: "inventory.count_upload", actorId: "op-1" }]);

    // Problems are reported on the file's own lines (header is line 1).
    const preview = await previewUploadedReset(t.db, { uploadId: upload.uploadId, reason: "shelf count" });
    expect(preview.rows.map((r) => [r.line, r.delta, r.problems.map((p) => p.code)])).toEqual([
      [2, -3, []],
      [3, null, ["UNKNOWN_SKU"]],
      [4, 0, []],
    ]);
    const applied = await applyUploadedReset(t.db, OPERATOR, {
      uploadId: upload.uploadId,
      reason: "shelf count",
      onProblem: "SKIP",
      batchKey: "upload-test-batch-1",
    });
    expect(applied).toMatchObject({ alreadyApplied: false, changedCount: 1, skippedCount: 1 });
  });

  it("stores nothing for a file the parser refuses, and says which line", async () => {
    const before = await uploadCount();
    const bad = await domainErrorOf(
      storeCountUpload(t.db, OPERATOR, {
        fileName: "bad.csv",
        content: Buffer.from('sku,counted\nA,1\nB"x,2\n'),
      }),
    );
    expect(bad).toMatchObject({ code: "BAD_REQUEST", details: { line: 3 } });
    expect(bad.message).toMatch(/not valid CSV: .*line 3/);
    const big = await domainErrorOf(
      storeCountUpload(t.db, OPERATOR, {
        fileName: "big.csv",
        content: Buffer.alloc(MAX_COUNT_FILE_BYTES + 1, "1"),
      }),
    );
    expect(big.code).toBe("PAYLOAD_TOO_LARGE");
    expect(big.message).toMatch(/limit is 10 MB/);
    expect(await uploadCount()).toBe(before);
  });

  it("refuses an unknown upload id", async () => {
    const missing = await domainErrorOf(
      previewUploadedReset(t.db, { uploadId: "00000000-0000-4000-8000-000000000000", reason: "count" }),
    );
    expect(missing.code).toBe("NOT_FOUND");
  });
});

describe("export stream", () => {
  it("streams a header and one row per variant, in pages", async () => {
    const a = await createVariant(t.db, { stock: 5 });
    const stream = streamInventoryCsv(t.db);
    const chunks: string[] = [];
    for await (const chunk of stream.csv) chunks.push(String(chunk));
    const [header, ...lines] = chunks.join("").trimEnd().split("\n");
    expect(header).toBe(
      "sku,product,options,on_hand,reserved,available,threshold,reorder_point,reorder_quantity,variant_id,counted,reason,notes",
    );
    expect(lines.find((l) => l.startsWith(`${a.sku},`))).toMatch(new RegExp(`,5,0,5,.*,${a.id},,,$`));
    expect(stream.variantsWritten()).toBe(lines.length);
  });
});
