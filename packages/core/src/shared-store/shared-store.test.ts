// The same contract for the in-memory stand-in and, when REDIS_URL is set (always in CI), Redis.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadTestEnv } from "../testing/env";
import { createHitCoalescer, createMemoryStore, createRedisStore, type SharedStore } from "./index";

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
