// Benchmark of database operations, each next to a baseline measured in the same run:
//   1. createBackup (pg_dump in the counts' snapshot + SHA-256 while writing + manifest) vs plain pg_dump -Fc
//      --file (both fsync the dump: pg_dump --file does by default, createBackup flushes before close)
//   2. verifyBackup (checksum, --list, full scratch restore, counts, drop) vs plain createdb + pg_restore + dropdb
//      (both restore with `pg_restore --exit-on-error --single-transaction`, the invocation a DBA would
//      run for an all-or-nothing restore; verify hashes the file alongside, not before, the restore)
//   3. the product-images data migration (keyset batches, one set-based UPDATE each, checkpoints) vs one
//      hand-written UPDATE,
//      with concurrent writes to products running during the migration (their successes printed).
// Sizes: BENCH_DBOPS_MB (database size to fill, default 1024) and BENCH_DBOPS_PRODUCTS (rows for the
// migration, default 1,000,000). Runs against DATABASE_URL (creates and drops its own databases).
// Run it from bench/ (`pnpm bench` does): test databases are scoped by the working directory, and a
// test run in packages/core drops its scope's databases, which would include a running bench's.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { SYSTEM_ACTOR } from "../src/audit/audit.service";
import { createDb } from "../src/db/client";
import type { Db } from "../src/db/database";
import { createBackup, verifyBackup, withAdmin } from "../src/dbops/backups.service";
import type { DbopsConfig } from "../src/dbops/config";
import { runDataMigration } from "../src/dbops/data-migrations.service";
import { createDatabase, dropDatabase } from "../src/dbops/dbops.queries";
import { libpqEnv, resolvePgTool, runTool } from "../src/dbops/pg-tools";
import { createTestDatabase, dropTestDatabases, prepareTemplateDatabase } from "../src/testing/index";
import { loadBenchEnv } from "./env";

const env = loadBenchEnv();
const MB = env.BENCH_DBOPS_MB;
const PRODUCTS = env.BENCH_DBOPS_PRODUCTS;

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Products with ~1 KiB descriptions until the table holds about `mb` MiB. */
async function fillToSize(db: Db, mb: number): Promise<void> {
  const rows = Math.ceil((mb * 1024 * 1024) / 1100);
  for (let from = 1; from <= rows; from += 100_000) {
    const to = Math.min(rows, from + 99_999);
    await sql`
      INSERT INTO products (name, slug, price_minor, description)
      SELECT 'Bench ' || g, 'bench-' || g, 1000 + g % 5000,
        (SELECT string_agg(md5((g * 31 + k)::text), '') FROM generate_series(1, 32) k)
      FROM generate_series(${from}::int, ${to}::int) g`.execute(db);
  }
  await sql`ANALYZE`.execute(db);
}

async function databaseSize(db: Db): Promise<string> {
  const { rows } = await sql<{
    s: string;
  }>`SELECT pg_size_pretty(pg_database_size(current_database())) AS s`.execute(db);
  return rows[0]?.s ?? "?";
}

function ratio(ours: number, base: number, target: number): string {
  const r = ours / base;
  return `${r.toFixed(2)}× (target ≤ ${target}×) ${r <= target ? "OK" : "OVER"}`;
}

async function benchBackupAndVerify(): Promise<void> {
  const t = await createTestDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), "radha-bench-backups-"));
  const config: DbopsConfig = {
    databaseUrl: t.url,
    backupDir: dir,
    retention: { keepLast: 7, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 },
    backupMaxAgeHours: 26,
    drillMaxAgeHours: 50,
  };
  try {
    console.log(`filling ${MB} MiB…`);
    await fillToSize(t.db, MB);
    console.log(`database size: ${await databaseSize(t.db)}`);
    const server = await sql<{ n: string }>`SELECT current_setting('server_version_num') AS n`.execute(t.db);
    const versionNum = Number(server.rows[0]?.n ?? 150000);
    const pgDump = await resolvePgTool("pg_dump", versionNum);
    const pgRestore = await resolvePgTool("pg_restore", versionNum);
    const plainFile = path.join(dir, "plain.dump");

    // Interleaved: baseline, ours, baseline, ours; the best of each.
    const base: number[] = [];
    const ours: number[] = [];
    let backupId = "";
    for (let round = 0; round < env.BENCH_DBOPS_ROUNDS; round++) {
      base.push(
        await timed(() =>
          runTool(pgDump.path, ["--format=custom", `--file=${plainFile}`], { env: libpqEnv(t.url) }),
        ),
      );
      ours.push(
        await timed(async () => {
          backupId = (await createBackup({ db: t.db, config }, SYSTEM_ACTOR)).id;
        }),
      );
    }
    const size = (await stat(plainFile)).size;
    console.log(
      `\nbackup of ${MB} MiB (dump ${(size / 1048576).toFixed(0)} MiB), best of ${env.BENCH_DBOPS_ROUNDS}:`,
    );
    console.log(`  plain pg_dump -Fc                 ${secs(Math.min(...base))}`);
    console.log(
      `  createBackup (+counts, sha256)    ${secs(Math.min(...ours))}   ${ratio(Math.min(...ours), Math.min(...base), 1.15)}`,
    );

    const vBase: number[] = [];
    const vOurs: number[] = [];
    let bestSteps = "";
    for (let round = 0; round < env.BENCH_DBOPS_ROUNDS; round++) {
      vBase.push(
        await timed(async () => {
          const name = `${t.name}_plain`;
          await withAdmin(config, (admin) => createDatabase(admin, name));
          await runTool(
            pgRestore.path,
            ["--exit-on-error", "--single-transaction", `--dbname=${name}`, plainFile],
            { env: libpqEnv(t.url) },
          );
          await withAdmin(config, (admin) => dropDatabase(admin, name));
        }),
      );
      let steps = "";
      const ms = await timed(async () => {
        const v = await verifyBackup({ db: t.db, config }, SYSTEM_ACTOR, { id: backupId });
        if (v.outcome !== "PASSED") throw new Error(`verification failed: ${v.reason ?? ""}`);
        steps = v.steps.map((s) => `${s.step} ${secs(s.durationMs)}`).join(", ");
      });
      if (vOurs.every((o) => ms < o)) bestSteps = steps;
      vOurs.push(ms);
    }
    console.log(`verify, best of ${env.BENCH_DBOPS_ROUNDS}:`);
    console.log(`  createdb + pg_restore + dropdb    ${secs(Math.min(...vBase))}`);
    console.log(
      `  verifyBackup (all four steps)     ${secs(Math.min(...vOurs))}   ${ratio(Math.min(...vOurs), Math.min(...vBase), 1.2)}`,
    );
    console.log(`    its steps: ${bestSteps} (the checksum runs alongside the restore)`);
  } finally {
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function fillImages(db: Db): Promise<void> {
  for (let from = 1; from <= PRODUCTS; from += 200_000) {
    const to = Math.min(PRODUCTS, from + 199_999);
    await sql`
      INSERT INTO products (name, slug, price_minor, images)
      SELECT 'Saree ' || g, 'saree-' || g, 1000,
        jsonb_build_array('https://img.test/' || g || '/a.jpg', 'https://img.test/' || g || '/b.jpg')
      FROM generate_series(${from}::int, ${to}::int) g`.execute(db);
  }
  await sql`ANALYZE products`.execute(db);
}

/** Writes to products (price updates and new rows) until stopped; counts successes and the worst wait. */
function concurrentWriter(db: Db) {
  const state = { stop: false };
  let ok = 0;
  let failed = 0;
  let worstMs = 0;
  const loop = (async () => {
    let i = 0;
    while (!state.stop) {
      const t0 = performance.now();
      try {
        await sql`UPDATE products SET price_minor = price_minor + 1 WHERE slug = ${`saree-${1 + ((i * 7919) % PRODUCTS)}`}`.execute(
          db,
        );
        await sql`INSERT INTO products (name, slug, price_minor) VALUES ('during', ${`during-${i}-${Date.now()}`}, 1)`.execute(
          db,
        );
        ok += 2;
      } catch {
        failed++;
      }
      worstMs = Math.max(worstMs, performance.now() - t0);
      i++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      state.stop = true;
      await loop;
      return { ok, failed, worstMs };
    },
  };
}

async function benchMigration(): Promise<void> {
  const source = await createTestDatabase();
  try {
    console.log(`\nfilling ${PRODUCTS} products with plain image URLs…`);
    await fillImages(source.db);
    await source.db.destroy();
    const url = (name: string) => {
      const u = new URL(source.url);
      u.pathname = `/${name}`;
      return u.toString();
    };
    const config = { databaseUrl: source.url } as DbopsConfig;
    const copies = [`${source.name}_a`, `${source.name}_b`];
    for (const name of copies)
      await withAdmin(config, (admin) =>
        sql`CREATE DATABASE ${sql.id(name)} TEMPLATE ${sql.id(source.name)}`.execute(admin),
      );
    const [a, b] = copies.map((name) => createDb({ connectionString: url(name), max: 4 }).db) as [Db, Db];
    try {
      const base = await timed(() =>
        sql`
          UPDATE products p SET images = (
            SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(e) = 'string'
              THEN jsonb_build_object('url', e #>> '{}', 'alt', p.name, 'position', i - 1)
              ELSE e || jsonb_build_object('position', i - 1) END ORDER BY i), '[]'::jsonb)
            FROM jsonb_array_elements(p.images) WITH ORDINALITY AS x(e, i))
          WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(p.images) e WHERE jsonb_typeof(e) = 'string')`.execute(
          a,
        ),
      );
      const writer = concurrentWriter(b);
      let result: Awaited<ReturnType<typeof runDataMigration>> | undefined;
      const ours = await timed(async () => {
        result = await runDataMigration(b, SYSTEM_ACTOR, {
          name: "product-images-v1",
          batchSize: env.BENCH_DBOPS_BATCH,
        });
      });
      const writes = await writer.stop();
      console.log(`data migration over ${PRODUCTS} products (batch ${env.BENCH_DBOPS_BATCH}):`);
      console.log(
        `  one hand-written UPDATE           ${secs(base)}   (table locked row by row for the whole statement)`,
      );
      console.log(`  runDataMigration                  ${secs(ours)}   ${ratio(ours, base, 3)}`);
      console.log(`  changed ${result?.rowsChanged ?? 0}, verify ${JSON.stringify(result?.verify)}`);
      console.log(
        `  concurrent writes during the migration: ${writes.ok} succeeded, ${writes.failed} failed, worst wait ${writes.worstMs.toFixed(0)} ms`,
      );
    } finally {
      await a.destroy();
      await b.destroy();
      for (const name of copies) await withAdmin(config, (admin) => dropDatabase(admin, name));
    }
  } finally {
    await source.drop().catch(() => undefined);
  }
}

await prepareTemplateDatabase();
try {
  if (env.BENCH_DBOPS_ONLY !== "migration") await benchBackupAndVerify();
  if (env.BENCH_DBOPS_ONLY !== "backup") await benchMigration();
} finally {
  await dropTestDatabases();
}
