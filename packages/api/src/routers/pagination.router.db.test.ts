// Every list procedure follows one convention: { cursor, limit, …filters } in, { items, nextCursor }
// out, and a cursor the server did not make is a BAD_REQUEST with a message a person can act on.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type Caller, type TestApi } from "../testing";

let s: TestApi;
let admin: Caller;
beforeAll(async () => {
  s = await createTestApi();
  admin = (await s.signIn("ADMIN")).caller;
});
afterAll(() => s.close());

const INVALID = "This cursor is not valid; start again from the first page";
const VARIANT = "00000000-0000-4000-8000-000000000000";

// Each list with the input it needs beside the cursor.
const LISTS: Record<string, (c: Caller, cursor: string | null, limit?: number) => Promise<unknown>> = {
  "audit.list": (c, cursor, limit) => c.audit.list({ cursor, limit }),
  "inventory.stock": (c, cursor, limit) => c.inventory.stock({ cursor, limit }),
  "inventory.lowStock": (c, cursor, limit) => c.inventory.lowStock({ cursor, limit }),
  "inventory.changes": (c, cursor, limit) => c.inventory.changes({ cursor, limit }),
  "inventory.variantLedger": (c, cursor, limit) =>
    c.inventory.variantLedger({ variantId: VARIANT, cursor, limit }),
  "inventory.batches": (c, cursor, limit) => c.inventory.batches({ cursor, limit }),
  "webhooks.list": (c, cursor, limit) => c.webhooks.list({ cursor, limit }),
  "webhooks.rejections": (c, cursor, limit) => c.webhooks.rejections({ cursor, limit }),
  "webhooks.replayRuns": (c, cursor, limit) => c.webhooks.replayRuns({ cursor, limit }),
  "orders.list": (c, cursor, limit) => c.orders.list({ cursor, limit }),
  "orders.reviewQueue": (c, cursor, limit) => c.orders.reviewQueue({ cursor, limit }),
  "users.list": (c, cursor, limit) => c.users.list({ cursor, limit }),
  "tokens.list": (c, cursor, limit) => c.tokens.list({ cursor, limit }),
  "security.sessions": (c, cursor, limit) => c.security.sessions({ cursor, limit }),
  "security.webhookSecrets": (c, cursor, limit) => c.security.webhookSecrets({ cursor, limit }),
  "security.keyRotations": (c, cursor, limit) => c.security.keyRotations({ cursor, limit }),
  "audit.securityEvents": (c, cursor, limit) => c.audit.securityEvents({ cursor, limit }),
  "backups.list": (c, cursor, limit) => c.backups.list({ cursor, limit }),
  "backups.drills": (c, cursor, limit) => c.backups.drills({ cursor, limit }),
  "monitoring.alerts": (c, cursor, limit) => c.monitoring.alerts({ cursor, limit }),
  "monitoring.deliveries": (c, cursor, limit) => c.monitoring.deliveries({ cursor, limit }),
  "incidents.list": (c, cursor, limit) => c.incidents.list({ cursor, limit }),
  "emergency.checks": (c, cursor, limit) => c.emergency.checks({ cursor, limit }),
};

describe("list procedures", () => {
  for (const [path, list] of Object.entries(LISTS)) {
    it(`${path}: answers a page, and refuses a tampered cursor with BAD_REQUEST`, async () => {
      await expect(list(admin, null, 1)).resolves.toMatchObject({
        items: expect.any(Array),
        nextCursor: expect.toBeOneOf([null, expect.any(String)]),
      });
      for (const cursor of ["garbage", Buffer.from('["x", 1, 2, 3]').toString("base64url")]) {
        const error = await list(admin, cursor).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TRPCError);
        expect(error).toMatchObject({ code: "BAD_REQUEST", message: INVALID });
      }
    });
  }

  it("tokens.list pages through more tokens than a page holds, each exactly once, newest first", async () => {
    // Every token has the same created_at (to the microsecond): only the id orders them.
    const createdAt = new Date().toISOString().replace("Z", "123Z");
    await s.database.db
      .insertInto("serviceTokens")
      .values(
        Array.from({ length: 9 }, (_, i) => ({
          name: `paging-${i}`,
          role: "VIEWER" as const,
          tokenHash: `hash-${i}`,
          tokenPrefix: "rso_pg",
          createdAt,
          expiresAt: new Date(Date.now() + 86_400_000),
        })),
      )
      .execute();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await admin.tokens.list({ limit: 4, cursor });
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 20);

    const all = await s.database.db
      .selectFrom("serviceTokens")
      .select("id")
      .orderBy("createdAt", "desc")
      .orderBy("id", "desc")
      .execute();
    expect(all.length).toBeGreaterThan(8);
    expect(seen).toEqual(all.map((t) => t.id));
    expect(pages).toBe(Math.ceil(all.length / 4));
  });
});
