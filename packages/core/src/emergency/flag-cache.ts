// Each server instance's copy of the system flags. The database is the source of truth; every
// write to system_config is announced by the database itself (a trigger's NOTIFY, delivered on
// commit, whoever wrote: API, CLI, restore, psql), and each instance LISTENs on a dedicated
// connection and re-reads the flags when it hears it (well within a second). The API's flag path
// also publishes on the shared store. A slow timer re-reads anyway, so a lost message (or a
// listener reconnecting) only delays, never sticks.
import pg from "pg";
import type { Db } from "../db/database";
import type { SharedStore } from "../shared-store";
import { listFlags } from "../system/system.service";
import type { TFlagKey } from "../system/system.schema";

export const FLAGS_CHANNEL = "system:flags-changed";
/** The Postgres NOTIFY channel of the system_config trigger (migration 2026_12_03_1200). */
export const FLAGS_PG_CHANNEL = "radha_system_config_changed";

/**
 * A dedicated LISTEN connection: re-connects with backoff after any error or end (a Postgres
 * restart, a restore swapping the database), calling `onConnected` each time so the caller
 * re-reads what it may have missed.
 */
export function listenToDatabase(
  newClient: () => pg.Client,
  channel: string,
  handlers: { onNotify: () => void; onConnected: () => void },
): { ready: Promise<void>; stop(): Promise<void> } {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;

  function reconnectLater(c: pg.Client): void {
    if (stopped || c !== client) return;
    client = undefined;
    c.end().catch(() => undefined);
    retry = setTimeout(() => void connect(), Math.min(1_000, 100 * 2 ** attempt++));
    retry.unref();
  }
  async function connect(): Promise<void> {
    if (stopped) return;
    const c = newClient();
    client = c;
    c.on("error", () => reconnectLater(c));
    c.on("end", () => reconnectLater(c));
    c.on("notification", (msg) => {
      if (msg.channel === channel) handlers.onNotify();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      attempt = 0;
      handlers.onConnected();
    } catch {
      reconnectLater(c);
    }
  }
  return {
    ready: connect(),
    async stop() {
      stopped = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

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

export function createFlagCache(
  db: Db,
  store: SharedStore,
  opts: {
    refreshMs?: number;
    /**
     * The pool whose connection settings the LISTEN connection copies (not one of its slots);
     * read at every (re)connect, so a swapped pool's new credentials are used.
     */
    listenVia?: { readonly options: pg.PoolConfig };
  } = {},
): FlagCache {
  let values: Map<TFlagKey, boolean | number> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let listener: { stop(): Promise<void> } | undefined;

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
      const pool = opts.listenVia;
      if (pool) {
        const l = listenToDatabase(
          () =>
            new pg.Client({ ...pool.options, application_name: "radha-ops-flag-listener", keepAlive: true }),
          FLAGS_PG_CHANNEL,
          { onNotify: () => void refreshQuietly(), onConnected: () => void refreshQuietly() },
        );
        listener = l;
        await l.ready;
      }
      await refreshQuietly();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      values = null;
      await unsubscribe?.().catch(() => undefined);
      unsubscribe = undefined;
      await listener?.stop();
      listener = undefined;
    },
    refresh,
  };
}
