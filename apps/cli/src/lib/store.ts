// The shared store the servers use (REDIS_URL), for commands that must tell every server
// instance about a change. Without REDIS_URL the servers notice on their next timed refresh.
import { createSharedStore, type SharedStore } from "@radha/core/shared-store";
import { loadEnv } from "../env";

export async function withStore<T>(fn: (store: SharedStore) => Promise<T>): Promise<T> {
  const store = createSharedStore(loadEnv().REDIS_URL);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
