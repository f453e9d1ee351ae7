// What server instances must share: rate-limit counters, pub/sub, short-lived keys.
// Redis (ioredis) when REDIS_URL is set; otherwise a single-process in-memory stand-in with
// the same interface.
export type SharedStoreKind = "redis" | "memory";

export interface SharedStore {
  readonly kind: SharedStoreKind;
  /** Adds `by` (one) to a fixed-window counter and returns the count and the seconds left in it. */
  hit(key: string, windowSeconds: number, by?: number): Promise<{ count: number; resetSeconds: number }>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  del(key: string): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export { createMemoryStore } from "./memory-store";
export { createRedisStore } from "./redis-store";
export { createHitCoalescer } from "./coalesce";
export { createWindowAdmission, type Admission } from "./admission";

import { createMemoryStore } from "./memory-store";
import { createRedisStore } from "./redis-store";

export function createSharedStore(redisUrl: string | undefined, keyPrefix = "radha:"): SharedStore {
  return redisUrl ? createRedisStore(redisUrl, keyPrefix) : createMemoryStore();
}
