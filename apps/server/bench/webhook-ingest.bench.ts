// Benchmark: signed Stripe webhooks from 64 concurrent senders on loopback into the real server
// (verify → insert → queue job → 2xx), next to pgbench's single-row INSERT … ON CONFLICT DO NOTHING
// into an equivalent table, measured in the same run on the same Postgres. Prints figures;
// asserts nothing. Bounded: a fixed number of requests, loopback only.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { createTestDatabase, dropTestDatabases, prepareTemplateDatabase, signStripe, stripePayloads } from "@radha/core/testing";
import { fileURLToPath } from "node:url";

const SENDERS = 64;
const REQUESTS = Number(process.env.BENCH_INGEST_REQUESTS ?? 12_000);
const WARMUP = 500;
const PGBENCH_SECONDS = 8;
const SECRET = "whsec_bench_ingest";

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The real server entry in its own process (as in production), jobs off: intake only. */
async function startServer(databaseUrl: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), "--import", "tsx", "src/main.ts"], {
    cwd: SERVER_DIR,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: "127.0.0.1", OPS_WORKER: "off", OPS_SEED: "never", LOG_LEVEL: "warn", STRIPE_WEBHOOK_SECRET: SECRET, REDIS_URL: "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes("is up")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function sendAll(url: URL, bodies: { body: string; signature: string }[]): Promise<{ seconds: number; latencies: number[]; failures: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const post = (b: { body: string; signature: string }) =>
    new Promise<void>((resolve, reject) => {
      const started = performance.now();
      const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(b.body), "stripe-signature": b.signature } }, (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - started);
          if (res.statusCode !== 200) failures += 1;
          resolve();
        });
      });
      req.on("error", reject);
      req.end(b.body);
    });
  const start = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      for (let i = next++; i < bodies.length; i = next++) await post(bodies[i]!);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { seconds, latencies: latencies.sort((a, b) => a - b), failures };
}

function pgbench(url: string, sampleBody: string): { tps: number } {
  const u = new URL(url);
  const literal = sampleBody.replace(/'/g, "''");
  const script = path.join(tmpdir(), `radha-ingest-${process.pid}.sql`);
  // Same columns and unique key as webhook_events; the event id is random per transaction.
  writeFileSync(
    script,
    [
      "\\set n random(1, 2000000000)",
      `INSERT INTO bench_webhook_events (provider, provider_event_id, event_type, payload, raw_body, headers, payment_reference) VALUES ('STRIPE', 'evt_' || :client_id || '_' || :n, 'payment_intent.succeeded', '${literal}'::jsonb, '${literal}', '{}', 'pi_' || :n) ON CONFLICT (provider, provider_event_id) DO NOTHING;`,
      "",
    ].join("\n"),
  );
  const out = execFileSync("/usr/bin/pgbench", ["-n", "-c", String(SENDERS), "-j", "2", "-T", String(PGBENCH_SECONDS), "-f", script, "-h", u.hostname, "-p", u.port || "5432", "-U", decodeURIComponent(u.username || "postgres"), u.pathname.slice(1)], {
    encoding: "utf8",
    env: { ...process.env, ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}) },
  });
  const tps = /tps = ([\d.]+)/.exec(out);
  if (!tps) throw new Error(`could not read pgbench output:\n${out}`);
  return { tps: Number(tps[1]) };
}

async function main(): Promise<void> {
  await prepareTemplateDatabase();
  const database = await createTestDatabase();
  const port = 18_000 + (process.pid % 1000);
  const server = await startServer(database.url, port);
  try {
    const url = new URL(`http://127.0.0.1:${port}/api/webhooks/stripe`);
    const sign = (i: number, tag: string) => {
      const body = JSON.stringify(stripePayloads.succeeded(`pi_${tag}_${i}`));
      return { body, signature: signStripe(body, SECRET) };
    };
    await sendAll(url, Array.from({ length: WARMUP }, (_, i) => sign(i, "warm")));
    const bodies = Array.from({ length: REQUESTS }, (_, i) => sign(i, "bench"));
    const ours = await sendAll(url, bodies);
    const stored = await database.db.selectFrom("webhookEvents").select((eb) => eb.fn.countAll<string>().as("n")).where("paymentReference", "like", "pi_bench_%").executeTakeFirstOrThrow();

    await sql`CREATE TABLE bench_webhook_events (LIKE webhook_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`.execute(database.db);
    const base = pgbench(database.url, bodies[0]!.body);

    const rate = (REQUESTS - ours.failures) / ours.seconds;
    const p50 = quantile(ours.latencies, 0.5);
    const p99 = quantile(ours.latencies, 0.99);
    const ratio = rate / base.tps;
    console.log(`\nWebhook ingest benchmark: ${REQUESTS} signed Stripe events, ${SENDERS} concurrent keep-alive senders on loopback, body ${Buffer.byteLength(bodies[0]!.body)} bytes\n`);
    console.log("| what                                                  | events/s | p50 ms | p99 ms | ratio | target            |");
    console.log("|-------------------------------------------------------|----------|--------|--------|-------|-------------------|");
    console.log(`| baseline: pgbench INSERT … ON CONFLICT DO NOTHING (${SENDERS}c) | ${base.tps.toFixed(0).padStart(8)} |      - |      - | 1.00× | -                 |`);
    console.log(`| POST /api/webhooks/stripe (verify, store, queue, 2xx)  | ${rate.toFixed(0).padStart(8)} | ${p50.toFixed(1).padStart(6)} | ${p99.toFixed(1).padStart(6)} | ${ratio.toFixed(2)}× | ≥ 0.5×, p99 < 50  |`);
    console.log(`\n${ours.failures} non-2xx; ${stored.n} of ${REQUESTS} acknowledged events in webhook_events. ${ratio >= 0.5 && p99 < 50 ? "within" : "OUTSIDE"} targets.\n`);
  } finally {
    server.kill("SIGTERM");
    await once(server, "exit");
    await database.drop();
    await dropTestDatabases();
  }
}

await main();
