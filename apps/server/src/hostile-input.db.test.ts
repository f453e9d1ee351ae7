// Input that used to reach SQL and come back as a 500: NUL bytes, impossible dates, huge
// durations, more ids than Postgres takes parameters. Each is a 400 naming the field now.
import { randomUUID } from "node:crypto";
import { encodeCursor } from "@radha/core/pagination";
import { seedDemoData } from "@radha/dev-db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "./testing";

let s: TestServer;
let admin: Awaited<ReturnType<TestServer["signIn"]>>;
beforeAll(async () => {
  s = await createTestServer();
  await seedDemoData(s.database.db, { demoStaff: false });
  admin = await s.signIn("ADMIN");
});
afterAll(() => s.close());

async function query(path: string, input: unknown) {
  const res = await s.app.server.inject({
    method: "GET",
    url: `/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
    headers: { authorization: `Bearer ${admin.accessToken}` },
  });
  return { status: res.statusCode, message: String(res.json().error?.message ?? "") };
}

async function mutate(path: string, input: unknown) {
  const res = await s.app.server.inject({
    method: "POST",
    url: `/api/trpc/${path}`,
    headers: { authorization: `Bearer ${admin.accessToken}`, "content-type": "application/json" },
    payload: JSON.stringify(input),
  });
  return { status: res.statusCode, message: String(res.json().error?.message ?? "") };
}

describe("text Postgres cannot store", () => {
  it("a NUL byte in any text field is a 400 naming the field", async () => {
    expect(await query("inventory.stock", { search: "\u0000" })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^search: .*NUL/),
    });
    expect(await query("audit.list", { action: "users.\u0000" })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^action: /),
    });
    expect(
      await mutate("inventory.setThresholds", { lowStockThreshold: 3, reason: "abc\u0000" }),
    ).toMatchObject({ status: 400, message: expect.stringMatching(/^reason: /) });
  });

  it("an unpaired surrogate is refused the same way; a real emoji is fine", async () => {
    expect((await query("inventory.stock", { search: "\ud800x" })).status).toBe(400);
    expect((await query("inventory.stock", { search: "saree 🥻" })).status).toBe(200);
  });
});

describe("impossible times", () => {
  it("a duration beyond any date is a 400 naming since", async () => {
    for (const since of ["9999999999d", "99999999999999999999m"]) {
      expect(await query("inventory.changes", { since })).toMatchObject({
        status: 400,
        message: expect.stringMatching(/^since: /),
      });
    }
    expect((await query("inventory.changes", { since: "2d" })).status).toBe(200);
  });

  it("a cursor holding a day that does not exist or year −271821 is 'not valid', not a 500", async () => {
    const uuid = "00000000-0000-0000-0000-000000000000";
    for (const time of ["2026-02-30T00:00:00.000000Z", "2026-01-01T24:00:00.000000Z"]) {
      const res = await query("inventory.batches", { cursor: encodeCursor([time, uuid]) });
      expect(res, time).toMatchObject({ status: 400, message: expect.stringMatching(/cursor is not valid/) });
    }
    const ancient = await query("inventory.changes", {
      cursor: encodeCursor(["5", "-271821-04-20T00:00:00.000Z"]),
    });
    expect(ancient.status).toBe(400);
  });

  it("an audit cursor of twenty 9s (beyond bigint) is 'not valid'", async () => {
    const res = await query("audit.list", { cursor: encodeCursor(["9".repeat(20)]) });
    expect(res).toMatchObject({ status: 400, message: expect.stringMatching(/cursor is not valid/) });
  });
});

describe("many ids", () => {
  it("setThresholds on 70,000 ids binds one parameter, not 70,000 (Postgres stops at 65,535)", async () => {
    const [variant] = await s.database.db.selectFrom("productVariants").select("id").limit(1).execute();
    const ids = [variant!.id, ...Array.from({ length: 69_999 }, () => randomUUID())];
    const result = await admin.caller.inventory.setThresholds({
      variantIds: ids,
      lowStockThreshold: 7,
      reason: "fuzz finding 7",
    });
    expect(result.updated).toBe(1);
  });
});
