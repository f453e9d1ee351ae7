// Cold start and resident memory of the compiled server (node dist/main.mjs, what `pnpm start`
// runs) next to the tsx one (`tsx src/main.ts`, what it ran before) as the baseline, measured in
// the same run, runs interleaved, medians. Asserts nothing. Both run against a fresh migrated
// database on DATABASE_URL's server with the worker in-process (OPS_WORKER=inline).
//   cold start: spawn → first 200 from GET /api/health/live (file cache warm: one unmeasured
//   run of each first). RSS (Linux /proc): when it first answers, after 5 s idle, after 200
//   requests to /api/health/live. tsx runs the server in a child of its CLI process: "server
//   process" is that child, "process tree" adds the tsx CLI parent.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import {
  createTestDatabase,
  dropTestDatabases,
  prepareTemplateDatabase,
  TEST_MASTER_KEY_BASE64,
} from "@radha/core/testing";
import { SERVER_NODE_FLAGS } from "./lib";

const RUNS = 5;
const IDLE_MS = 5_000;
const LOAD_REQUESTS = 200;
const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// What the `tsx` command runs (node_modules/.bin/tsx is a shell shim that execs it).
const TSX_CLI = path.join(SERVER_DIR, "node_modules", "tsx", "dist", "cli.mjs");

interface Variant {
  name: string;
  command: string;
  args: string[];
}
const VARIANTS: Variant[] = [
  { name: "compiled", command: process.execPath, args: [...SERVER_NODE_FLAGS, "dist/main.mjs"] },
  { name: "tsx", command: process.execPath, args: [TSX_CLI, "src/main.ts"] },
];

interface Rss {
  server: number;
  tree: number;
}
interface Sample {
  startMs: number;
  started: Rss;
  idle: Rss;
  loaded: Rss;
  stderr: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

const rssKb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

function descendants(pid: number): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number),
  );
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** The server is the deepest node process: the spawned one itself, or the child tsx runs it in. */
function measureRss(root: number): Rss {
  const pids = [root, ...descendants(root)];
  return { server: rssKb(pids.at(-1)!) / 1024, tree: pids.reduce((sum, pid) => sum + rssKb(pid), 0) / 1024 };
}

async function untilLive(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the server exited with ${child.exitCode} before answering:\n${stderr()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`no answer from ${url} within 60 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function runOnce(variant: Variant, databaseUrl: string): Promise<Sample> {
  const port = await freePort();
  const live = `http://127.0.0.1:${port}/api/health/live`;
  const t0 = performance.now();
  const child = spawn(variant.command, variant.args, {
    cwd: SERVER_DIR,
    env: {
      // eslint-disable-next-line no-restricted-properties -- the server under test inherits the bench's environment
      ...process.env,
      DATABASE_URL: databaseUrl,
      OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64,
      PORT: String(port),
      HOST: "127.0.0.1",
      OPS_WORKER: "inline",
      OPS_SEED: "never",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await untilLive(live, child, () => stderr);
    const startMs = performance.now() - t0;
    const started = measureRss(child.pid!);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idle = measureRss(child.pid!);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next++ < LOAD_REQUESTS) await (await fetch(live)).arrayBuffer();
      }),
    );
    return { startMs, started, idle, loaded: measureRss(child.pid!), stderr };
  } finally {
    // A server that already exited (it failed to start) has no exit event left to wait for.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

if (!existsSync(path.join(SERVER_DIR, "dist", "main.mjs"))) {
  console.error("apps/server/dist is missing: run `pnpm build` (`pnpm bench` builds it first).");
  process.exit(1);
}
await prepareTemplateDatabase();
try {
  const t = await createTestDatabase();
  await t.db.destroy();
  const samples = new Map<string, Sample[]>(VARIANTS.map((v) => [v.name, []]));
  for (const variant of VARIANTS) await runOnce(variant, t.url);
  for (let run = 0; run < RUNS; run++) {
    for (const variant of VARIANTS) samples.get(variant.name)!.push(await runOnce(variant, t.url));
  }

  const [compiled, tsx] = VARIANTS.map((v) => samples.get(v.name)!);
  const row = (a: string, b: string, c: string, d: string) =>
    console.log(`${a.padEnd(44)}${b.padStart(12)}${c.padStart(12)}${d.padStart(14)}`);
  const figure = (label: string, unit: string, pick: (s: Sample) => number) => {
    const [x, y] = [median(compiled!.map(pick)), median(tsx!.map(pick))];
    row(label, `${x.toFixed(0)} ${unit}`, `${y.toFixed(0)} ${unit}`, `${(x / y).toFixed(2)}×`);
  };
  console.log(`\nServer start-up, medians of ${RUNS} runs each (this machine, this run)`);
  row("measure", "compiled", "tsx", "compiled/tsx");
  figure("cold start: spawn → /api/health/live 200", "ms", (s) => s.startMs);
  figure("RSS when first answering (server process)", "MB", (s) => s.started.server);
  figure("RSS after 5 s idle (server process)", "MB", (s) => s.idle.server);
  figure(`RSS after ${LOAD_REQUESTS} requests (server process)`, "MB", (s) => s.loaded.server);
  figure(`RSS after ${LOAD_REQUESTS} requests (process tree)`, "MB", (s) => s.loaded.tree);
  for (const variant of VARIANTS) {
    const printed = [
      ...new Set(
        samples
          .get(variant.name)!
          .map((s) => s.stderr.trim())
          .filter(Boolean),
      ),
    ];
    if (printed.length) console.log(`\n${variant.name} printed on stderr:\n${printed.join("\n---\n")}`);
  }
} finally {
  await dropTestDatabases();
}
