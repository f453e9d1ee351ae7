// Test services. `check`: fail loudly when a configured Postgres or Redis (or, in CI, either)
// is missing. `with-embedded -- <cmd…>`: run a command with DATABASE_URL pointing at an
// embedded PostgreSQL started for it, stopped afterwards.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Redis } from "ioredis";
import { startEmbeddedPostgres } from "@radha/dev-db";
import { loadEnv } from "./env";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const env = loadEnv();

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function checkPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("show server_version_num");
    if (Number(rows[0]?.v) < 150000) throw new Error(`PostgreSQL 15+ is needed (found ${rows[0]?.v})`);
    await client.query("select 1");
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

async function check(): Promise<void> {
  const problems: string[] = [];
  if (env.CI && !env.DATABASE_URL)
    problems.push("CI=true but DATABASE_URL is unset: CI tests run against the machine's PostgreSQL");
  if (env.CI && !env.REDIS_URL)
    problems.push("CI=true but REDIS_URL is unset: CI tests run against the machine's Redis");
  if (env.DATABASE_URL)
    await checkPostgres(env.DATABASE_URL).catch((e: unknown) =>
      problems.push(`PostgreSQL at DATABASE_URL does not answer: ${describe(e)}`),
    );
  if (env.REDIS_URL)
    await checkRedis(env.REDIS_URL).catch((e: unknown) =>
      problems.push(`Redis at REDIS_URL does not answer: ${describe(e)}`),
    );
  const chromium = spawnSync(env.CHROMIUM_PATH, ["--version"], { encoding: "utf8" });
  if (chromium.status !== 0)
    problems.push(
      `Chromium not found at ${env.CHROMIUM_PATH}: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  if (problems.length) {
    console.error(`Cannot run the tests:\n  - ${problems.join("\n  - ")}`);
    process.exit(1);
  }
  console.log(
    `postgres: ${env.DATABASE_URL ? "DATABASE_URL ok" : "embedded (started for the run)"}; redis: ${env.REDIS_URL ? "REDIS_URL ok" : "not set (in-memory store tested only)"}; chromium: ${chromium.stdout.trim()}`,
  );
}

async function withEmbedded(command: string[]): Promise<void> {
  const pgServer = await startEmbeddedPostgres({
    dataDir: path.join(ROOT, ".data", "test-pg"),
    port: env.OPS_EMBEDDED_PG_PORT + 10,
    database: "postgres",
    log: (m) => console.log(`[embedded-pg] ${m}`),
  });
  const [cmd, ...args] = command.join(" ").split(" ").filter(Boolean);
  if (!cmd) throw new Error("with-embedded needs a command to run");
  const result = spawnSync(cmd, args, {
    stdio: "inherit",
    cwd: ROOT,
    // eslint-disable-next-line no-restricted-properties -- the test run inherits this whole environment, plus the database
    env: { ...process.env, DATABASE_URL: pgServer.url },
  });
  await pgServer.stop();
  process.exit(result.status ?? 1);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === "check") await check();
else if (mode === "with-embedded") await withEmbedded(rest[0] === "--" ? rest.slice(1) : rest);
else {
  console.error("usage: services.ts check | with-embedded -- <command…>");
  process.exit(2);
}
