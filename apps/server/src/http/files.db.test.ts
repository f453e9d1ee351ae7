// /api/files/* over real HTTP: count-file upload (limits on the bytes read, chunked or not; parser
// errors with their line; auth and roles as on tRPC), the streamed export, and tRPC's body limit.
import { MAX_COUNT_FILE_BYTES } from "@radha/core/inventory/schema";
import { countRows, createProduct, createVariant } from "@radha/core/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";
import { COUNT_UPLOAD_URL, STOCK_EXPORT_URL } from "./files";

let s: TestServer;
let operator: string;
let viewer: string;
beforeAll(async () => {
  s = await createTestServer();
  await s.listen();
  operator = (await s.signIn("OPERATOR")).accessToken;
  viewer = (await s.signIn("VIEWER")).accessToken;
});
afterAll(() => s.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function countForm(csv: string, fileName = "counts.csv"): FormData {
  const form = new FormData();
  form.append("file", new Blob([csv], { type: "text/csv" }), fileName);
  return form;
}

const upload = (form: FormData, headers: Record<string, string> = auth(operator)) =>
  fetch(`${s.url}${COUNT_UPLOAD_URL}`, { method: "POST", headers, body: form });

const uploadCount = () => countRows(s.database.db, "inventoryCountUploads");

async function trpcPost(path: string, token: string, body: string) {
  const res = await fetch(`${s.url}/api/trpc/${path}`, {
    method: "POST",
    headers: { ...auth(token), "content-type": "application/json" },
    body,
  });
  const reply = (await res.json()) as { result: { data: { rows: unknown[] } } };
  return { status: res.status, body: reply };
}

/** A multipart body with a `fileBytes` file part, sent chunked (no content-length), counting what was pulled. */
function chunkedCountUpload(fileBytes: number) {
  const boundary = "----radha-test-boundary";
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"\r\nContent-Type: text/csv\r\n\r\nsku,counted\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.from("SKU-PADDING,1\n".repeat(64 * 1024));
  const progress = { sent: 0 };
  let done = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (progress.sent === 0) controller.enqueue(head);
      if (progress.sent < fileBytes) {
        controller.enqueue(chunk);
        progress.sent += chunk.length;
      } else if (!done) {
        controller.enqueue(tail);
        done = true;
      } else controller.close();
    },
  });
  return { body, progress, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe("POST /api/files/inventory/counts", () => {
  it("stores an uploaded count file; reset preview and apply then name it by id", async () => {
    const a = await createVariant(s.database.db, { stock: 8 });
    const csv = `sku,counted\n${a.sku},5\n`;
    const res = await upload(countForm(csv, "shelf-4.csv"));
    expect(res.status).toBe(201);
    const stored = (await res.json()) as Record<string, unknown>;
    expect(stored).toMatchObject({
      fileName: "shelf-4.csv",
      sizeBytes: Buffer.byteLength(csv),
      source: "EXPORT",
      rowCount: 1,
    });

    const preview = await trpcPost(
      "inventory.resetPreview",
      operator,
      JSON.stringify({ uploadId: stored.uploadId, reason: "shelf count" }),
    );
    expect(preview.status).toBe(200);
    expect(preview.body.result.data.rows[0]).toMatchObject({ line: 2, sku: a.sku, delta: -3 });
    const applied = await trpcPost(
      "inventory.resetApply",
      operator,
      JSON.stringify({ uploadId: stored.uploadId, reason: "shelf count", batchKey: "files-test-1" }),
    );
    expect(applied.body.result.data).toMatchObject({ alreadyApplied: false, changedCount: 1 });
  });

  it("refuses a chunked upload once the bytes read pass 10 MB: 413 before the rest is read, nothing stored", async () => {
    const before = await uploadCount();
    const upload = chunkedCountUpload(4 * MAX_COUNT_FILE_BYTES);
    const res = await fetch(`${s.url}${COUNT_UPLOAD_URL}`, {
      method: "POST",
      headers: { ...auth(operator), "content-type": upload.contentType },
      body: upload.body,
      duplex: "half",
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /larger than 10 MB\. Split the count/,
    );
    // Answered near the limit, not after the whole 40 MB.
    expect(upload.progress.sent).toBeLessThan(2 * MAX_COUNT_FILE_BYTES);
    expect(await uploadCount()).toBe(before);
  });

  it("refuses a declared length over the limit before reading the body", async () => {
    const res = await s.app.server.inject({
      method: "POST",
      url: COUNT_UPLOAD_URL,
      headers: {
        ...auth(operator),
        "content-type": "multipart/form-data; boundary=x",
        "content-length": String(MAX_COUNT_FILE_BYTES * 2),
      },
      payload: "--x--\r\n",
    });
    expect(res.statusCode).toBe(413);
  });

  it("answers a file the parser refuses with 400, the line and the reason", async () => {
    const before = await uploadCount();
    const res = await upload(countForm('sku,counted\nA-1,4\nB"2,5\n'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /not valid CSV: Invalid Opening Quote.* at line 3/,
    );
    const empty = await upload(countForm("sku,counted\nA-1,\n"));
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { message: string }).message).toMatch(/no rows with a counted quantity/);
    const notMultipart = await fetch(`${s.url}${COUNT_UPLOAD_URL}`, {
      method: "POST",
      headers: { ...auth(operator), "content-type": "text/csv" },
      body: "sku,counted\nA-1,4\n",
    });
    expect(notMultipart.status).toBe(400);
    expect(((await notMultipart.json()) as { message: string }).message).toMatch(/multipart\/form-data/);
    expect(await uploadCount()).toBe(before);
  });

  it("answers a broken multipart body with 400 and what to send, never a 500", async () => {
    const before = await uploadCount();
    const send = (contentType: string, body: string) =>
      fetch(`${s.url}${COUNT_UPLOAD_URL}`, {
        method: "POST",
        headers: { ...auth(operator), "content-type": contentType },
        body,
      });
    const cutShort = `--xyz\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n\r\nsku,counted\nA-1,4\n`;
    for (const res of [
      await send("multipart/form-data; boundary=xyz", "garbage"),
      await send("multipart/form-data", "sku,counted\nA-1,4\n"),
      await send("multipart/form-data; boundary=xyz", cutShort),
    ]) {
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/field named "file"/);
    }
    expect(await uploadCount()).toBe(before);
  });

  it("needs a signed-in OPERATOR: 401 without a token, 403 for a VIEWER, nothing stored", async () => {
    const before = await uploadCount();
    const anonymous = await upload(countForm("sku,counted\nA-1,4\n"), {});
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { message: string }).message).toMatch(/Sign in first/);
    expect((await upload(countForm("sku,counted\nA-1,4\n"), auth("not-a-token"))).status).toBe(401);
    const forbidden = await upload(countForm("sku,counted\nA-1,4\n"), auth(viewer));
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { message: string }).message).toMatch(
      /needs the OPERATOR role or higher; you are VIEWER/,
    );
    expect(await uploadCount()).toBe(before);
  });
});

describe("GET /api/files/inventory/stock.csv", () => {
  it("streams every variant as an attachment, across database pages", async () => {
    const product = await createProduct(s.database.db);
    // More than one keyset page (5,000) of variants.
    await sql`
      INSERT INTO product_variants (product_id, sku, colour, fabric)
      SELECT ${product.id}, 'BULK-' || lpad(g::text, 5, '0'), 'Indigo', 'Cotton' FROM generate_series(1, 5100) g
    `.execute(s.database.db);
    const stocked = await createVariant(s.database.db, { sku: "BULK-STOCKED", stock: 7 });

    const res = await fetch(`${s.url}${STOCK_EXPORT_URL}`, { headers: auth(viewer) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="inventory-\d{4}-\d\d-\d\d\.csv"$/,
    );
    // Streamed: sent in chunks as pages are read, so no length is known up front.
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect(res.headers.get("content-length")).toBeNull();
    const [header, ...lines] = (await res.text()).trimEnd().split("\n");
    expect(header).toBe(
      "sku,product,options,on_hand,reserved,available,threshold,reorder_point,reorder_quantity,variant_id,counted,reason,notes",
    );
    const bulk = lines.filter((l) => l.startsWith("BULK-0"));
    expect(bulk).toHaveLength(5100);
    expect(bulk[5099]).toMatch(/^BULK-05100,/);
    expect(lines.find((l) => l.startsWith("BULK-STOCKED,"))).toMatch(
      new RegExp(`,7,0,7,\\d+,,,${stocked.id},,,$`),
    );
  });

  it("needs a signed-in staff member", async () => {
    const res = await fetch(`${s.url}${STOCK_EXPORT_URL}`);
    expect(res.status).toBe(401);
  });
});

describe("tRPC body limit", () => {
  it("holds every procedure, inventory reset included, to the normal 1 MB", async () => {
    const padding = " ".repeat(2 * 1024 * 1024);
    for (const path of ["inventory.resetPreview", "inventory.setThresholds"]) {
      const res = await trpcPost(path, operator, `{"reason":"big paste"${padding}}`);
      expect(res.status).toBe(413);
    }
  });
});
