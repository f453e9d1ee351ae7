// The same contract for the in-memory stand-in and, when REDIS_URL is set (always in CI), Redis.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadTestEnv } from "../testing/env";
import {
  createHitCoalescer,
  createMemoryStore,
  createRedisStore,
  createWindowAdmission,
  type SharedStore,
} from "./index";

const { REDIS_URL: redisUrl, CI } = loadTestEnv();
if (CI && !redisUrl)
  throw new Error("CI must provide REDIS_URL: the Redis store is tested against a real Redis");

const stores: [string, () => SharedStore][] = [["memory", () => createMemoryStore()]];
if (redisUrl)
  stores.push(["redis", () => createRedisStore(redisUrl, `test:${randomBytes(4).toString("hex")}:`)]);

describe.each(stores)("%s store", (_name, make) => {
  it("counts hits in a fixed window", async () => {
    const store = make();
    try {
      await store.ping();
      const key = `k-${randomBytes(3).toString("hex")}`;
      expect((await store.hit(key, 60)).count).toBe(1);
      const second = await store.hit(key, 60);
      expect(second.count).toBe(2);
      expect(second.resetSeconds).toBeGreaterThan(0);
      expect(second.resetSeconds).toBeLessThanOrEqual(60);
    } finally {
      await store.close();
    }
  });

  it("coalesced hits give every caller its own count, and the counter ends at the number of hits", async () => {
    const store = make();
    try {
      const key = `c-${randomBytes(3).toString("hex")}`;
      const coalesced = createHitCoalescer(store);
      const counts = await Promise.all(Array.from({ length: 50 }, () => coalesced.hit(key, 60)));
      expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      expect((await store.hit(key, 60)).count).toBe(51);
    } finally {
      await store.close();
    }
  });

  it("admits far below the limit without waiting for the store, counts every hit, and refuses only on an exact count", async () => {
    const store = make();
    try {
      const key = `a-${randomBytes(3).toString("hex")}`;
      // The store's answers can be held back, as a slow Redis would.
      let release: () => void = () => undefined;
      let held: Promise<void> = Promise.resolve();
      const hold = () => {
        held = new Promise((r) => (release = r));
      };
      const counter = {
        hit: async (k: string, w: number, by?: number) => {
          await held;
          return store.hit(k, w, by);
        },
      };
      const admission = createWindowAdmission(counter, createMemoryStore());
      // The window's first request knows no count: it waits for its own.
      expect(await admission.admit(key, 60, 10)).toMatchObject({ allowed: true, exact: true });
      hold();
      // Count 1 known; up to 80 % of 10 the requests are admitted while the store says nothing.
      const fast = await Promise.all(Array.from({ length: 7 }, () => admission.admit(key, 60, 10)));
      expect(fast.every((a) => a.allowed && !a.exact)).toBe(true);
      let eighth: { allowed: boolean; exact: boolean } | undefined;
      const waiting = admission.admit(key, 60, 10).then((a) => (eighth = a));
      await new Promise((r) => setTimeout(r, 50));
      expect(eighth).toBeUndefined();
      release();
      await waiting;
      expect(eighth).toMatchObject({ allowed: true, exact: true });
      expect(await admission.admit(key, 60, 10)).toMatchObject({ allowed: true, exact: true });
      const refused = await admission.admit(key, 60, 10);
      expect(refused).toMatchObject({ allowed: false, exact: true });
      expect(refused.retryAfterSeconds).toBeGreaterThan(0);
      // Every request was counted in the store, admitted at once or not.
      expect((await store.hit(key, 60)).count).toBe(12);
    } finally {
      await store.close();
    }
  });

  it("admits exactly the limit from a burst of concurrent requests", async () => {
    const store = make();
    try {
      const key = `b-${randomBytes(3).toString("hex")}`;
      const admission = createWindowAdmission(store, createMemoryStore());
      expect((await admission.admit(key, 60, 20)).allowed).toBe(true);
      const burst = await Promise.all(Array.from({ length: 30 }, () => admission.admit(key, 60, 20)));
      expect(burst.filter((a) => a.allowed)).toHaveLength(19);
      expect(burst.filter((a) => !a.exact).length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it("delivers published messages to subscribers until they unsubscribe", async () => {
    const store = make();
    try {
      const got: string[] = [];
      const unsubscribe = await store.subscribe("events", (m) => got.push(m));
      await store.publish("events", "one");
      await expect.poll(() => got).toEqual(["one"]);
      await unsubscribe();
      await store.publish("events", "two");
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual(["one"]);
    } finally {
      await store.close();
    }
  });

  it("expires keys", async () => {
    const store = make();
    try {
      await store.set("ttl-key", "v", 1);
      expect(await store.get("ttl-key")).toBe("v");
      await new Promise((r) => setTimeout(r, 1100));
      expect(await store.get("ttl-key")).toBeNull();
    } finally {
      await store.close();
    }
  });
});

it("fails fast, without crashing, when Redis is unreachable", async () => {
  const store = createRedisStore("redis://127.0.0.1:1", "down:");
  try {
    const t0 = Date.now();
    await expect(store.ping(500)).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(3000);
  } finally {
    await store.close();
  }
});

describe("window admission", () => {
  it("counts on this instance while the store fails, and still refuses over the limit", async () => {
    const down = { hit: () => Promise.reject(new Error("ECONNREFUSED")) };
    const admission = createWindowAdmission(down, createMemoryStore());
    const key = `f-${randomBytes(3).toString("hex")}`;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await admission.admit(key, 60, 3));
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false]);
  });

  it("starts counting again when the store's window rolls over, and waits in a window's last second", async () => {
    let clock = 1_000_000;
    const answers = [
      { count: 7, resetSeconds: 10 },
      { count: 8, resetSeconds: 10 },
      { count: 1, resetSeconds: 60 },
      { count: 2, resetSeconds: 60 },
    ];
    const counter = { hit: () => Promise.resolve(answers.shift()!) };
    const admission = createWindowAdmission(counter, createMemoryStore(), { now: () => clock });
    const key = "w";
    expect(await admission.admit(key, 60, 10)).toMatchObject({ exact: true }); // count 7 learned
    // 7 + 1 is within 80 % of 10: no wait.
    expect(await admission.admit(key, 60, 10)).toMatchObject({ allowed: true, exact: false });
    await new Promise((r) => setImmediate(r));
    clock += 9_500; // the window's last second: the count may be about to reset
    expect(await admission.admit(key, 60, 10)).toMatchObject({ allowed: true, exact: true }); // count 1, a new window
    // Had the old window's 8 been kept, 8 + 1 would be over 80 %: it was not.
    expect(await admission.admit(key, 60, 10)).toMatchObject({ allowed: true, exact: false });
  });

  it("sends admitted hits in the background and stops counting them once the store has them", async () => {
    const store = createMemoryStore();
    const admission = createWindowAdmission(store, createMemoryStore(), { lingerMs: 10 });
    expect((await admission.admit("t", 60, 100)).exact).toBe(true);
    const first = await Promise.all(Array.from({ length: 7 }, () => admission.admit("t", 60, 100)));
    expect(first.every((a) => !a.exact)).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    // The 7 reached the store without any request waiting for them.
    expect(await store.get("t")).toBe("8");
    // Count 8 known and nothing pending: 8 + 70 + 1 is within 80 % of 100, so none of these waits
    // (had the 7 stayed pending, the last 7 would).
    const next = await Promise.all(Array.from({ length: 70 }, () => admission.admit("t", 60, 100)));
    expect(next.filter((a) => a.exact)).toHaveLength(0);
  });

  it("waits for the exact count in a window's last second", async () => {
    let clock = 1_000_000;
    const answers = [
      { count: 1, resetSeconds: 10 },
      { count: 2, resetSeconds: 1 },
    ];
    const counter = { hit: () => Promise.resolve(answers.shift()!) };
    const admission = createWindowAdmission(counter, createMemoryStore(), { now: () => clock });
    expect(await admission.admit("l", 60, 100)).toMatchObject({ exact: true });
    clock += 9_500;
    expect(await admission.admit("l", 60, 100)).toMatchObject({ allowed: true, exact: true });
  });

  it("counts here and waits for exact counts after a background INCRBY fails", async () => {
    const fallback = createMemoryStore();
    let up = true;
    const store = createMemoryStore();
    const flaky = {
      hit: (k: string, w: number, by?: number) =>
        up ? store.hit(k, w, by) : Promise.reject(new Error("ECONNRESET")),
    };
    const admission = createWindowAdmission(flaky, fallback, { lingerMs: 10 });
    expect(await admission.admit("e", 60, 100)).toMatchObject({ exact: true });
    up = false;
    expect(await admission.admit("e", 60, 100)).toMatchObject({ exact: false });
    await new Promise((r) => setTimeout(r, 60));
    // The failed INCRBY's hit went to this instance's count; the next request waits for its own.
    expect(await fallback.get("e")).toBe("1");
    expect(await admission.admit("e", 60, 100)).toMatchObject({ allowed: true, exact: true });
    expect(await fallback.get("e")).toBe("2");
  });
});
