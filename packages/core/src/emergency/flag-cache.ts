// Each server instance's copy of the system flags. The database is the source of truth; a change
// is announced on the shared store, and every instance re-reads the flags when it hears it (well
// within a second). A slow timer re-reads anyway, so a lost message only delays, never sticks.
import type { Db } from "../db/database";
import type { SharedStore } from "../shared-store";
import { listFlags } from "../system/system.service";
import type { TFlagKey } from "../system/system.schema";

export const FLAGS_CHANNEL = "system:flags-changed";

/** Tells every instance to re-read the flags. Best effort: the timer covers a lost message. */
export async function announceFlagChange(store: SharedStore): Promise<void> {
  try {
    await store.publish(FLAGS_CHANNEL, new Date().toISOString());
  } catch {
    // Redis down: instances pick the change up on their next timed refresh.
  }
}

export interface FlagCache {
  /** The flag's value: cached once started, read from the database before. */
  get(key: TFlagKey): Promise<boolean | number>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Re-reads the flags now (what a change announcement triggers). */
  refresh(): Promise<void>;
}

export function createFlagCache(db: Db, store: SharedStore, opts: { refreshMs?: number } = {}): FlagCache {
  let values: Map<TFlagKey, boolean | number> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;

  async function refresh(): Promise<void> {
    const flags = await listFlags(db);
    values = new Map(flags.map((f) => [f.key, f.value]));
  }
  const refreshQuietly = () => refresh().catch(() => undefined);

  return {
    async get(key) {
      const cached = values?.get(key);
      if (cached !== undefined) return cached;
      const flags = await listFlags(db);
      const flag = flags.find((f) => f.key === key);
      return flag?.value ?? false;
    },
    async start() {
      if (timer) return;
      timer = setInterval(() => void refreshQuietly(), opts.refreshMs ?? 10_000);
      timer.unref();
      try {
        unsubscribe = await store.subscribe(FLAGS_CHANNEL, () => void refreshQuietly());
      } catch {
        // No shared store right now: the timer still refreshes.
      }
      await refreshQuietly();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      values = null;
      await unsubscribe?.().catch(() => undefined);
      unsubscribe = undefined;
    },
    refresh,
  };
}
