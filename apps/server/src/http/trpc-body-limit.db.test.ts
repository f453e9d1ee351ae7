// The count-file body-limit exception on the tRPC route, seen over HTTP.
import { createVariant } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";

let s: TestServer;
let operator: Awaited<ReturnType<TestServer["signIn"]>>;
beforeAll(async () => {
  s = await createTestServer();
  operator = await s.signIn("OPERATOR");
});
afterAll(() => s.close());

describe("inventory over HTTP", () => {
  it("takes a count file over the normal body limit, but only on the reset procedures", async () => {
    const a = await createVariant(s.database.db, { stock: 1 });
    const padding = "\n".repeat(2 * 1024 * 1024);
    const payload = JSON.stringify({ csv: `sku,counted\n${a.sku},4\n${padding}`, reason: "big paste" });
    const headers = { "content-type": "application/json", authorization: `Bearer ${operator.accessToken}` };
    const preview = await s.app.server.inject({
      method: "POST",
      url: "/api/trpc/inventory.resetPreview",
      headers,
      payload,
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().result.data.rows[0]).toMatchObject({ delta: 3 });
    const elsewhere = await s.app.server.inject({
      method: "POST",
      url: "/api/trpc/inventory.setThresholds",
      headers,
      payload,
    });
    expect(elsewhere.statusCode).toBe(413);
  });
});
