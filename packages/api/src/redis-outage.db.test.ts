// Redis going away and coming back, against a redis-server this test owns (its own port): sign-in
// keeps working on per-instance rate limits while it is down, and pub/sub resubscribes after.
import { createRedisStore, type SharedStore } from "@radha/core/shared-store";
import { createUser, startOwnedRedis, TEST_PASSWORD, type OwnedRedis } from "@radha/core/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApi, type TestApi } from "./testing";

let redis: OwnedRedis;
let store: SharedStore;
let publisher: SharedStore;
let api: TestApi;

beforeAll(async () => {
  redis = await startOwnedRedis();
  store = createRedisStore(redis.url, "outage:");
  publisher = createRedisStore(redis.url, "outage:");
  api = await createTestApi({ store });
});

afterAll(async () => {
  await api.close();
  await store.close();
  await publisher.close();
  await redis.stop();
});

it("signs in while Redis is down (per-instance limits) and resubscribes when it is back", async () => {
  const user = await createUser(api.database.db, { role: "VIEWER" });
  const signIn = () => api.callerFor(null).auth.login({ email: user.email, password: TEST_PASSWORD });
  const got: string[] = [];
  await store.subscribe("progress", (m) => got.push(m));
  await publisher.publish("progress", "before");
  await expect.poll(() => got).toEqual(["before"]);
  await expect(signIn()).resolves.toMatchObject({ accessToken: expect.any(String) });

  await redis.stop();
  const t0 = Date.now();
  await expect(store.hit("k", 60)).rejects.toThrow();
  expect(Date.now() - t0).toBeLessThan(3_000);
  // Rate limits fall back to this instance's counters; the sign-in itself does not fail.
  await expect(signIn()).resolves.toMatchObject({ accessToken: expect.any(String) });
  await expect(store.ping(500)).rejects.toThrow();

  await redis.start();
  await expect
    .poll(
      () =>
        store.ping(500).then(
          () => true,
          () => false,
        ),
      { timeout: 10_000 },
    )
    .toBe(true);
  // The subscriber reconnects and subscribes again by itself: publish until a message arrives.
  await expect
    .poll(
      async () => {
        await publisher.publish("progress", "after").catch(() => undefined);
        return got.includes("after");
      },
      { timeout: 10_000, interval: 200 },
    )
    .toBe(true);
  expect((await store.hit("k2", 60)).count).toBe(1);
}, 40_000);
