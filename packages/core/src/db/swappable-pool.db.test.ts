import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, prepareTemplateDatabase, type TestDatabase } from "../testing";
import { createPool } from "./client";
import { SwappablePool } from "./swappable-pool";

let t: TestDatabase;
beforeAll(async () => {
  await prepareTemplateDatabase();
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

describe("SwappablePool", () => {
  it("serves the callback form of connect (graphile-worker's LISTEN client) and ends once it is released", async () => {
    const pool = new SwappablePool(t.url, {
      makePool: (url) => createPool({ connectionString: url, max: 2 }),
    });
    const user = await new Promise<string>((resolve, reject) => {
      pool.connect((err, client, done) => {
        if (err || !client) {
          reject(err ?? new Error("no client"));
          return;
        }
        client
          .query<{ u: string }>("SELECT current_user AS u")
          .then((r) => resolve(r.rows[0]!.u), reject)
          .finally(() => done());
      });
    });
    expect(user).toBeTruthy();
    await pool.end(); // would wait forever for a client the callback never received
    const refused = await new Promise<Error | undefined>((resolve) => pool.connect((err) => resolve(err)));
    expect(refused?.message).toMatch(/closed/);
  });

  it("after a swap, new clients come from the new URL while the old pool drains", async () => {
    const pool = new SwappablePool(t.url, {
      makePool: (url) => createPool({ connectionString: url, max: 2 }),
    });
    const held = await pool.connect();
    expect(pool.swap(t.appUrl)).toBe(true);
    const fresh = await pool.connect();
    const { rows } = await fresh.query<{ u: string }>("SELECT current_user AS u");
    expect(rows[0]!.u).toBe(new URL(t.appUrl).username);
    fresh.release();
    expect(pool.drainingCount).toBe(1);
    held.release();
    await pool.end();
  });
});
