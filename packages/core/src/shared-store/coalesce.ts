// Fixed-window hits coalesced per key: while one hit is on its way to the store, the hits that
// arrive join the next one, sent as a single INCRBY. Each caller still gets its own exact count
// (its place in the group), so limits hold as before; under a flood the store sees one
// transaction per group instead of one per request (the intake's profile: 15 % of its CPU).
import type { SharedStore } from "./index";

export interface Hit {
  count: number;
  resetSeconds: number;
}
interface Waiter {
  resolve: (hit: Hit) => void;
  reject: (error: unknown) => void;
}

export function createHitCoalescer(store: Pick<SharedStore, "hit">) {
  const queued = new Map<string, { windowSeconds: number; waiters: Waiter[] }>();
  const sending = new Set<string>();

  function send(key: string): void {
    const group = queued.get(key);
    if (!group || sending.has(key)) return;
    queued.delete(key);
    sending.add(key);
    const n = group.waiters.length;
    store
      .hit(key, group.windowSeconds, n)
      .then(
        ({ count, resetSeconds }) =>
          group.waiters.forEach((w, i) => w.resolve({ count: count - n + 1 + i, resetSeconds })),
        (error: unknown) => group.waiters.forEach((w) => w.reject(error)),
      )
      .finally(() => {
        sending.delete(key);
        send(key);
      });
  }

  return {
    hit(key: string, windowSeconds: number): Promise<Hit> {
      return new Promise((resolve, reject) => {
        const group = queued.get(key) ?? { windowSeconds, waiters: [] };
        group.waiters.push({ resolve, reject });
        queued.set(key, group);
        send(key);
      });
    },
  };
}
