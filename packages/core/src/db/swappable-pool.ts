// A pg pool whose credentials can change while the process runs (database password rotation,
// ARCHITECTURE.md "Database credentials"). It looks like a pg.Pool to Kysely's PostgresDialect
// and to graphile-worker (connect, query, end, error/connect events); `swap(url)` makes a new
// inner pool for the new URL: from then on every connect() goes to it, while the old pool
// drains — its idle connections close at once, checked-out ones when their holder releases
// them (a transaction finishes on the connection it started on).
import { EventEmitter } from "node:events";
import type pg from "pg";

export interface SwappablePoolOptions {
  /** Builds an inner pool for a URL (createPool with this process's settings). */
  makePool: (connectionString: string) => pg.Pool;
  /** Told when an old pool has drained and closed (or failed to). */
  onDrained?: (info: { user: string }) => void;
}

/** The login role a URL names (what pg_stat_activity.usename shows). */
export function userOfUrl(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username);
  } catch {
    return "";
  }
}

export class SwappablePool extends EventEmitter {
  #current: pg.Pool;
  #url: string;
  readonly #makePool: (url: string) => pg.Pool;
  readonly #onDrained: ((info: { user: string }) => void) | undefined;
  readonly #draining = new Set<pg.Pool>();
  #ended = false;

  constructor(connectionString: string, opts: SwappablePoolOptions) {
    super();
    this.#makePool = opts.makePool;
    this.#onDrained = opts.onDrained;
    this.#url = connectionString;
    this.#current = this.#wire(this.#makePool(connectionString));
    // Like createPool's pools: errors are handled (the inner pools report them), so
    // graphile-worker keeps its hands off and a lost connection never crashes the process.
    this.on("error", () => undefined);
    this.on("connect", () => undefined);
  }

  /** Forwards the inner pool's events: graphile-worker and our logging listen on the pool. */
  #wire(pool: pg.Pool): pg.Pool {
    pool.on("error", (error, client) => this.emit("error", error, client));
    pool.on("connect", (client) => this.emit("connect", client));
    return pool;
  }

  /** The URL new connections use (holds a password: never log it). */
  get currentUrl(): string {
    return this.#url;
  }

  /** The login role new connections use. */
  get user(): string {
    return userOfUrl(this.#url);
  }

  /** The current pool's settings (max for the Database page; a LISTEN client copies the rest). */
  get options(): pg.PoolConfig {
    return this.#current.options;
  }

  get totalCount(): number {
    let n = this.#current.totalCount;
    for (const p of this.#draining) n += p.totalCount;
    return n;
  }
  get idleCount(): number {
    return this.#current.idleCount;
  }
  get waitingCount(): number {
    let n = this.#current.waitingCount;
    for (const p of this.#draining) n += p.waitingCount;
    return n;
  }
  /** Old pools still holding connections after a swap. */
  get drainingCount(): number {
    return this.#draining.size;
  }

  /**
   * Both of pg.Pool's forms: graphile-worker takes its LISTEN client with the callback form, and a
   * callback left uncalled would hold that client forever (and hang end()).
   */
  connect(): Promise<pg.PoolClient>;
  connect(
    callback: (
      err: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): void;
  connect(
    callback?: (
      err: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): Promise<pg.PoolClient> | void {
    const closed = () => new Error("the database pool has been closed");
    if (!callback) return this.#ended ? Promise.reject(closed()) : this.#current.connect();
    if (this.#ended) {
      process.nextTick(() => callback(closed(), undefined, () => undefined));
      return;
    }
    this.#current.connect(callback as Parameters<pg.Pool["connect"]>[0]);
  }

  query(...args: unknown[]): unknown {
    return (this.#current.query as (...a: unknown[]) => unknown)(...args);
  }

  /**
   * New connections use `connectionString` from now on; the old pool drains and closes. Returns
   * once the switch is made (not when the old pool has drained). The same URL again: nothing.
   */
  swap(connectionString: string): boolean {
    if (this.#ended || connectionString === this.#url) return false;
    const old = this.#current;
    const oldUser = this.user;
    this.#current = this.#wire(this.#makePool(connectionString));
    this.#url = connectionString;
    this.#draining.add(old);
    void this.#drain(old).finally(() => {
      this.#draining.delete(old);
      this.#onDrained?.({ user: oldUser });
    });
    return true;
  }

  async #drain(old: pg.Pool): Promise<void> {
    // pg-pool leaves callers queued on an ending pool waiting forever: let the queue empty first
    // (released connections are handed to them), then end (closes idle ones, the rest on release).
    while (old.waitingCount > 0) await new Promise((r) => setTimeout(r, 25));
    await old.end().catch(() => undefined);
  }

  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    const all = [this.#current, ...this.#draining];
    await Promise.all(all.map((p) => p.end().catch(() => undefined)));
  }
}
