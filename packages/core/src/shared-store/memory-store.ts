// Single-process stand-in for Redis, used when REDIS_URL is unset (laptops, one instance).
import { EventEmitter } from "node:events";
import type { SharedStore } from "./index";

export function createMemoryStore(): SharedStore {
  const values = new Map<string, { value: string; expiresAt: number | undefined }>();
  const bus = new EventEmitter();
  bus.setMaxListeners(0);

  const read = (key: string) => {
    const entry = values.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      values.delete(key);
      return undefined;
    }
    return entry;
  };

  return {
    kind: "memory",
    hit(key, windowSeconds, by = 1) {
      const entry = read(key);
      const now = Date.now();
      const next = entry
        ? { value: String(Number(entry.value) + by), expiresAt: entry.expiresAt }
        : { value: String(by), expiresAt: now + windowSeconds * 1000 };
      values.set(key, next);
      const resetSeconds = Math.max(1, Math.ceil(((next.expiresAt ?? now) - now) / 1000));
      return Promise.resolve({ count: Number(next.value), resetSeconds });
    },
    get: (key) => Promise.resolve(read(key)?.value ?? null),
    set(key, value, ttlSeconds) {
      values.set(key, { value, expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : undefined });
      return Promise.resolve();
    },
    del(key) {
      values.delete(key);
      return Promise.resolve();
    },
    publish(channel, message) {
      // Deliver asynchronously, as Redis would.
      setImmediate(() => bus.emit(channel, message));
      return Promise.resolve();
    },
    subscribe(channel, onMessage) {
      bus.on(channel, onMessage);
      return Promise.resolve(() => {
        bus.off(channel, onMessage);
        return Promise.resolve();
      });
    },
    ping: () => Promise.resolve(),
    close() {
      values.clear();
      bus.removeAllListeners();
      return Promise.resolve();
    },
  };
}
