// Redis through ioredis. Commands time out fast while Redis is down so callers can degrade
// instead of hanging; the client keeps reconnecting in the background.
import { Redis } from "ioredis";
import type { SharedStore } from "./index";

/** Adds ARGV[1] to the counter KEYS[1], starts its ARGV[2]-second window if none; {count, ms left}. */
const HIT_LUA = `local n = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
return {n, redis.call('PTTL', KEYS[1])}`;
type HitCommand = (key: string, by: number, windowSeconds: number) => Promise<[number, number]>;

export function createRedisStore(url: string, keyPrefix: string): SharedStore {
  const options = {
    keyPrefix,
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1_500,
    connectTimeout: 2_000,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
  const client = new Redis(url, options);
  // One EVALSHA per hit instead of MULTI/INCRBY/EXPIRE/TTL/EXEC: atomic all the same, and one
  // command and one reply to encode and decode on a path every webhook takes.
  client.defineCommand("radhaHit", { numberOfKeys: 1, lua: HIT_LUA });
  const hitScript = (client as unknown as { radhaHit: HitCommand }).radhaHit;
  // Without a listener ioredis would raise unhandled 'error' events and crash the process.
  client.on("error", () => undefined);
  let subscriber: Redis | undefined;
  const handlers = new Map<string, Set<(m: string) => void>>();

  const getSubscriber = () => {
    if (subscriber) return subscriber;
    const sub = new Redis(url, { ...options, keyPrefix: undefined, commandTimeout: undefined });
    sub.on("error", () => undefined);
    sub.on("message", (channel: string, message: string) => {
      for (const h of handlers.get(channel) ?? []) h(message);
    });
    subscriber = sub;
    return sub;
  };

  return {
    kind: "redis",
    async hit(key, windowSeconds, by = 1) {
      // Milliseconds, rounded up: TTL rounds to the nearest second, 0 in a window's last half second.
      const [count, msLeft] = await hitScript.call(client, key, by, windowSeconds);
      return { count, resetSeconds: msLeft > 0 ? Math.ceil(msLeft / 1000) : windowSeconds };
    },
    get: (key) => client.get(key),
    async set(key, value, ttlSeconds) {
      if (ttlSeconds) await client.set(key, value, "EX", ttlSeconds);
      else await client.set(key, value);
    },
    async del(key) {
      await client.del(key);
    },
    async publish(channel, message) {
      await client.publish(keyPrefix + channel, message);
    },
    async subscribe(channel, onMessage) {
      const full = keyPrefix + channel;
      let set = handlers.get(full);
      if (!set) {
        set = new Set();
        handlers.set(full, set);
        await getSubscriber().subscribe(full);
      }
      set.add(onMessage);
      return async () => {
        set.delete(onMessage);
        if (set.size === 0) {
          handlers.delete(full);
          await subscriber?.unsubscribe(full);
        }
      };
    },
    async ping(timeoutMs = 1_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([client.ping(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      client.disconnect();
      subscriber?.disconnect();
      return Promise.resolve();
    },
  };
}
