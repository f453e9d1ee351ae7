// Shared pieces of the server benchmarks: the compiled server (and worker) as child processes,
// their resident memory sampled from /proc, a light HTTP/1.1 sender for signed webhooks, the
// pgbench baseline and a summary of a V8 CPU profile. Nothing here asserts anything.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import type { Db } from "@radha/core/db";
import { createServiceToken } from "@radha/core/security";
import { createUser, signStripe, TEST_MASTER_KEY_BASE64 } from "@radha/core/testing";

export const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const WEBHOOK_SECRET = "whsec_bench_secret";

export const pct = (sorted: readonly number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Resident memory of one process in MB (Linux /proc), or NaN once it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc), or NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** Samples a process's RSS every `everyMs` until stopped. */
export function sampleRss(pid: number, everyMs = 250) {
  const samples: number[] = [];
  const take = () => {
    const v = rssMb(pid);
    if (Number.isFinite(v)) samples.push(v);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
      return { first: samples[0] ?? NaN, last: samples.at(-1) ?? NaN, max: Math.max(...samples) };
    },
  };
}

export interface Child {
  pid: number;
  port: number;
  url: string;
  stop(): Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before answering ${url}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not come up at ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The Node flags of the `start` and `worker` scripts in apps/server/package.json. */
export const SERVER_NODE_FLAGS = ["--enable-source-maps", "--max-old-space-size=1024"];

/**
 * The compiled server (`node dist/main.mjs`, what `pnpm start` runs) as a child process, worker
 * off unless asked. `cpuProfDir`: write a V8 CPU profile there when it stops (node --cpu-prof).
 */
export async function startServer(opts: {
  databaseUrl: string;
  env?: Record<string, string>;
  cpuProfDir?: string | undefined;
  /** Another build's output folder (for A/B runs), resolved against apps/server; "dist" by default. */
  dist?: string | undefined;
}): Promise<Child> {
  const port = await freePort();
  const entry = path.resolve(SERVER_DIR, opts.dist ?? "dist", "main.mjs");
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run pnpm --filter @radha/server build`);
  const args = [
    ...(opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    ...SERVER_NODE_FLAGS,
    entry,
  ];
  const child = spawn(process.execPath, args, {
    cwd: SERVER_DIR,
    env: {
      // eslint-disable-next-line no-restricted-properties -- the server under test inherits the bench's environment
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64,
      PORT: String(port),
      HOST: "127.0.0.1",
      OPS_WORKER: "off",
      LOG_LEVEL: "warn",
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      OPS_SEED: "never",
      // The bench measures the intake, not the flood guard (its counter is still taken per request).
      OPS_WEBHOOK_RATE_LIMIT_PER_MINUTE: "1000000000",
      ...opts.env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/api/health/live`, child);
  return { pid: child.pid!, port, url, stop: () => stopChild(child) };
}

/** A worker-only process (`node dist/worker-main.mjs`). */
export function startWorkerProcess(opts: { databaseUrl: string; env?: Record<string, string> }): Child {
  const child = spawn(
    process.execPath,
    [...SERVER_NODE_FLAGS, path.join(SERVER_DIR, "dist", "worker-main.mjs")],
    {
      cwd: SERVER_DIR,
      env: {
        // eslint-disable-next-line no-restricted-properties -- the worker under test inherits the bench's environment
        ...process.env,
        DATABASE_URL: opts.databaseUrl,
        OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64,
        LOG_LEVEL: "warn",
        ...opts.env,
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  return { pid: child.pid!, port: 0, url: "", stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/**
 * A keep-alive HTTP/1.1 connection that sends one request at a time and reads the status of the
 * answer: far less sender CPU per request than node:http, so on a 2-core machine the server, not
 * the load generator, sets the pace.
 */
export class RawConnection {
  private socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (status: number) => void; reject: (e: Error) => void } | undefined;
  private ready: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect(port, "127.0.0.1");
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.socket.once("error", reject);
    });
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (e) => this.fail(e));
    this.socket.on("close", () => this.fail(new Error("connection closed")));
  }

  private fail(e: Error) {
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(e);
  }

  private onData(chunk: Buffer) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const headerEnd = this.buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) return;
    const head = this.buffer.toString("latin1", 0, headerEnd);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < headerEnd + 4 + length) return;
    this.buffer = this.buffer.subarray(headerEnd + 4 + length);
    const status = Number(head.slice(9, 12));
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve(status);
  }

  /** Resolves once the TCP connection is open. */
  connected(): Promise<void> {
    return this.ready;
  }

  async send(request: Buffer): Promise<number> {
    await this.ready;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close() {
    this.socket.destroy();
  }
}

/** A signed Stripe webhook request, whole, ready to write to a socket. */
export function webhookRequest(body: string, signature: string, pathname = "/api/webhooks/stripe"): Buffer {
  return Buffer.from(
    `POST ${pathname} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
      `stripe-signature: ${signature}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export interface SendResult {
  accepted: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

/** `senders` concurrent connections spread over `ports`, each sending the next request when answered. */
export async function sendAll(
  ports: readonly number[],
  requests: readonly Buffer[],
  senders: number,
): Promise<SendResult> {
  const connections = Array.from({ length: senders }, (_, i) => new RawConnection(ports[i % ports.length]!));
  const latencies: number[] = [];
  let next = 0;
  let accepted = 0;
  let errors = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      connections.map(async (c) => {
        for (let i = next++; i < requests.length; i = next++) {
          const started = performance.now();
          const status = await c.send(requests[i]!).catch(() => 0);
          latencies.push(performance.now() - started);
          if (status === 200) accepted += 1;
          else errors += 1;
        }
      }),
    );
  } finally {
    connections.forEach((c) => c.close());
  }
  latencies.sort((a, b) => a - b);
  return { accepted, errors, seconds: (performance.now() - t0) / 1000, latencies };
}

export interface OpenLoopResult extends SendResult {
  /** Requests per second asked for. */
  offered: number;
  /** The most requests due at once with every connection busy (0: the senders never fell behind). */
  maxBacklog: number;
}

/**
 * Open loop: request i is due at t0 + i / `perSecond` whatever became of the ones before it, and
 * `senders` keep-alive connections (opened before t0) take due requests in order as they come
 * free. Latency runs from when a request was due, not from when a connection sent it, so a
 * server stall shows as the queue behind it (no coordinated omission); `seconds` runs from t0 to
 * the last answer, so `accepted / seconds` is the delivered rate.
 */
export async function sendOpenLoop(
  ports: readonly number[],
  requests: readonly Buffer[],
  senders: number,
  perSecond: number,
): Promise<OpenLoopResult> {
  const connections = Array.from({ length: senders }, (_, i) => new RawConnection(ports[i % ports.length]!));
  const latencies: number[] = [];
  let accepted = 0;
  let errors = 0;
  let maxBacklog = 0;
  try {
    await Promise.all(connections.map((c) => c.connected()));
    const t0 = performance.now() + 10;
    const due = (i: number) => t0 + (i * 1000) / perSecond;
    const idle = [...connections];
    let next = 0;
    let answered = 0;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      const pump = () => {
        const now = performance.now();
        while (next < requests.length && due(next) <= now && idle.length) {
          const i = next++;
          const c = idle.pop()!;
          void c
            .send(requests[i]!)
            .catch(() => 0)
            .then((status) => {
              latencies.push(performance.now() - due(i));
              if (status === 200) accepted += 1;
              else errors += 1;
              idle.push(c);
              if (++answered === requests.length) resolve();
              else pump();
            });
        }
        if (!idle.length) {
          // Every connection busy: what is already due waits for one.
          const dueSoFar = Math.min(requests.length, Math.floor(((now - t0) * perSecond) / 1000) + 1);
          maxBacklog = Math.max(maxBacklog, dueSoFar - next);
        } else if (next < requests.length && !timer)
          timer = setTimeout(
            () => {
              timer = undefined;
              pump();
            },
            Math.max(0, due(next) - now),
          );
      };
      pump();
    });
    latencies.sort((a, b) => a - b);
    return {
      accepted,
      errors,
      seconds: (performance.now() - t0) / 1000,
      latencies,
      offered: perSecond,
      maxBacklog,
    };
  } finally {
    connections.forEach((c) => c.close());
  }
}

/**
 * pgbench, `clients` clients, one INSERT … ON CONFLICT DO NOTHING per transaction into a table
 * shaped like webhook_events (same constraints, indexes and column compression), the given body as
 * payload: its TPS and its own per-transaction latencies (pgbench --log), p50/p99 in ms, to set
 * next to ours.
 */
export async function pgbenchInsertTps(
  db: Db,
  databaseUrl: string,
  sampleBody: string,
  clients: number,
  txPerClient: number,
): Promise<{ tps: number; p50: number; p99: number }> {
  await sql`CREATE TABLE IF NOT EXISTS bench_inbox (LIKE webhook_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING STORAGE INCLUDING COMPRESSION)`.execute(
    db,
  );
  const dir = mkdtempSync(path.join(tmpdir(), "radha-pgbench-"));
  const script = path.join(dir, "insert.sql");
  const sample = sampleBody.replace(/'/g, "''");
  writeFileSync(
    script,
    // The columns the intake fills: the body's bytes, payload, a unique event id and body hash.
    `INSERT INTO bench_inbox (provider, provider_event_id, event_type, payload, raw_bytes, headers, payment_reference, body_sha256) ` +
      `VALUES ('STRIPE', md5(random()::text || clock_timestamp()::text), 'payment_intent.succeeded', '${sample}'::jsonb, ` +
      `convert_to('${sample}', 'UTF8'), '{}', 'pi_x', md5(clock_timestamp()::text || random()::text)) ON CONFLICT DO NOTHING;\n`,
  );
  const u = new URL(databaseUrl);
  const pgbench = spawnSync(
    "pgbench",
    [
      "-n",
      "-c",
      String(clients),
      "-j",
      "2",
      "-t",
      String(txPerClient),
      "-f",
      script,
      // One line per transaction: client, transaction, latency in µs, … (one file per thread).
      "--log",
      `--log-prefix=${path.join(dir, "tx")}`,
      "-h",
      u.hostname,
      "-p",
      u.port || "5432",
      "-U",
      decodeURIComponent(u.username || "postgres"),
      u.pathname.slice(1),
    ],
    { encoding: "utf8" },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(pgbench.stdout)?.[1] ?? NaN);
  if (!Number.isFinite(tps)) throw new Error(`pgbench failed: ${pgbench.stderr || pgbench.stdout}`);
  await sql`DROP TABLE bench_inbox`.execute(db);
  const latencies = readdirSync(dir)
    .filter((f) => f.startsWith("tx."))
    .flatMap((f) =>
      readFileSync(path.join(dir, f), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => Number(line.split(" ")[2]) / 1000),
    )
    .sort((a, b) => a - b);
  rmSync(dir, { recursive: true, force: true });
  return { tps, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** The top self-time functions of the newest .cpuprofile in `dir`, as lines "12.3 %  name  file:line". */
export function topSelfTime(dir: string, top = 15): string[] {
  const file = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(dir, f))
    .sort()
    .at(-1);
  if (!file) return ["(no profile written)"];
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[] };
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map<string, number>();
  for (const id of profile.samples) {
    const f = byNode.get(id)?.callFrame;
    if (!f) continue;
    const where = f.url
      ? `${f.url.replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "")}:${f.lineNumber + 1}`
      : "";
    const key = `${f.functionName || "(anonymous)"}  ${where}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, n]) => `${((100 * n) / total).toFixed(1).padStart(5)} %  ${k}`)
    .concat([`(${file}, ${total} samples)`]);
}

/** An OPERATOR service token (owned by a fresh OPERATOR user), made directly in the database. */
export async function operatorToken(db: Db): Promise<string> {
  const owner = await createUser(db, { role: "OPERATOR" });
  const { token } = await createServiceToken(db, SYSTEM_ACTOR, {
    name: `bench-${Math.random().toString(36).slice(2, 8)}`,
    role: "OPERATOR",
    ownerEmail: owner.email,
  });
  return token;
}

/** One tRPC call over HTTP as the console makes it (query: GET, mutation: POST); throws on non-2xx. */
export async function trpc(
  baseUrl: string,
  token: string,
  path: string,
  input: unknown,
  kind: "query" | "mutation" = "query",
): Promise<unknown> {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const res =
    kind === "query"
      ? await fetch(
          `${baseUrl}/api/trpc/${path}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
          { headers },
        )
      : await fetch(`${baseUrl}/api/trpc/${path}`, { method: "POST", headers, body: JSON.stringify(input) });
  const body = (await res.json()) as { result?: { data?: unknown } };
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  return body.result?.data;
}

/**
 * A signed Stripe event the worker settles as IGNORED (a type that moves nothing): steady ingest
 * load that processes cleanly, so failures in a soak mean something.
 */
export function ignoredEventRequest(id: string): Buffer {
  const body = JSON.stringify({
    id: `evt_${id}`,
    object: "event",
    api_version: "2024-06-20",
    created: Math.floor(Date.now() / 1000),
    type: "customer.updated",
    livemode: false,
    data: { object: { id: `cus_${id}`, object: "customer", email: "soak@example.test", metadata: {} } },
  });
  return webhookRequest(body, signStripe(body, WEBHOOK_SECRET));
}

/** Lets `perSecond` calls through per second, spread evenly, across any number of callers. */
export function pacer(perSecond: number) {
  let next = performance.now();
  return async () => {
    const now = performance.now();
    const at = Math.max(next, now);
    next = at + 1000 / perSecond;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  };
}
