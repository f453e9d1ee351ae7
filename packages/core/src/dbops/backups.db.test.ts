import { mkdtemp, open, readFile, rm, stat, truncate, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { createProduct, createTestDatabase, domainErrorOf, type TestDatabase } from "../testing/index";
import { backupPaths } from "./backup-store";
import { createBackup, listBackups, listRemoteBackups, verifyBackup } from "./backups.service";
import type { DbopsConfig } from "./config";
import { resolvePgTool } from "./pg-tools";
import { startS3Server, type LocalS3 } from "../testing/s3";

// pg_dump/pg_restore child processes: minutes, not seconds, on a loaded 2-core machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

let t: TestDatabase;
let dir: string;
let config: DbopsConfig;

function configFor(extra: Partial<DbopsConfig> = {}): DbopsConfig {
  return {
    databaseUrl: t.url,
    backupDir: dir,
    retention: { keepLast: 2, keepDaily: 2, keepWeekly: 1, keepMonthly: 1 },
    backupMaxAgeHours: 26,
    drillMaxAgeHours: 50,
    ...extra,
  };
}

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "radha-backups-"));
  config = configFor();
  for (let i = 0; i < 5; i++) await createProduct(t.db);
});

afterAll(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("backups", () => {
  it("dumps in custom format with a checksum and a manifest of counts from the dump's snapshot", async () => {
    const b = await createBackup({ db: t.db, config }, SYSTEM_ACTOR, { label: "first" });
    expect(b.id).toMatch(/^bk_/);
    const bytes = await readFile(backupPaths(dir, b.id).dump);
    expect(bytes.subarray(0, 5).toString()).toBe("PGDMP");
    expect(b.sizeBytes).toBe(bytes.length);
    expect(b.sha256).toMatch(/^[a-f0-9]{64}$/);
    expect(b.tables.find((x) => x.table === "products")).toMatchObject({ rows: 5 });
    expect(b.tables.find((x) => x.table === "products")?.newest).not.toBeNull();
    expect(b.migrationVersion).toMatch(/^2026_/);
    expect(b.serverVersion).toMatch(/^1\d/);
    const page = await listBackups(config, { limit: 10 });
    expect(page.items.map((x) => x.id)).toContain(b.id);
  });

  it("verification restores into a scratch database, compares counts and drops it", async () => {
    const b = await createBackup({ db: t.db, config }, SYSTEM_ACTOR);
    const v = await verifyBackup({ db: t.db, config }, SYSTEM_ACTOR, { id: b.id });
    expect(v.outcome).toBe("PASSED");
    expect(v.steps.map((s) => s.step)).toEqual(["checksum", "list", "restore", "counts"]);
    const listed = (await listBackups(config, {})).items.find((x) => x.id === b.id);
    expect(listed?.lastVerification?.outcome).toBe("PASSED");
    const { rows } = await import("kysely").then(({ sql }) =>
      sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE ${`${t.name.slice(0, 30)}_verify_%`}`.execute(
        t.db,
      ),
    );
    expect(rows[0]?.n).toBe(0);
  });

  it("a truncated backup fails verification with the reason, and the failure is recorded", async () => {
    const b = await createBackup({ db: t.db, config }, SYSTEM_ACTOR);
    const file = backupPaths(dir, b.id).dump;
    await truncate(file, Math.floor((await stat(file)).size * 0.8));
    const v = await verifyBackup({ db: t.db, config }, SYSTEM_ACTOR, { id: b.id });
    expect(v.outcome).toBe("FAILED");
    expect(v.reason).toMatch(/checksum: size is .* bytes, the manifest says .*\(truncated/);
    const listed = (await listBackups(config, {})).items.find((x) => x.id === b.id);
    expect(listed?.lastVerification?.outcome).toBe("FAILED");
  });

  it("a bit-flipped backup fails verification", async () => {
    const b = await createBackup({ db: t.db, config }, SYSTEM_ACTOR);
    const file = backupPaths(dir, b.id).dump;
    const fh = await open(file, "r+");
    const buf = Buffer.alloc(1);
    const at = Math.floor(b.sizeBytes / 2);
    await fh.read(buf, 0, 1, at);
    buf[0] = (buf[0] ?? 0) ^ 0x01;
    await fh.write(buf, 0, 1, at);
    await fh.close();
    const v = await verifyBackup({ db: t.db, config }, SYSTEM_ACTOR, { id: b.id });
    expect(v.outcome).toBe("FAILED");
    expect(v.reason).toMatch(/SHA-256 .*\(altered\)/);
  });

  it("an old pg_dump is refused with the package to install", async () => {
    const bin = await mkdtemp(path.join(tmpdir(), "radha-pgbin-"));
    await writeFile(path.join(bin, "pg_dump"), '#!/bin/sh\necho "pg_dump (PostgreSQL) 14.9"\n');
    await chmod(path.join(bin, "pg_dump"), 0o755);
    const e = await domainErrorOf(resolvePgTool("pg_dump", 150020, bin));
    expect(e.code).toBe("PRECONDITION_FAILED");
    expect(e.message).toMatch(/postgresql-client-15/);
    expect(e.message).toMatch(/14\.9/);
    await rm(bin, { recursive: true, force: true });
  });
});

describe("S3 copies", () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startS3Server("radha-backups");
  });
  afterAll(async () => {
    await s3.stop();
  });

  it("copies the dump and manifest to a real S3-protocol server and lists them", async () => {
    const s3config = configFor({ backupDir: path.join(dir, "s3"), s3: { ...s3.config, prefix: "nightly/" } });
    const b = await createBackup({ db: t.db, config: s3config }, SYSTEM_ACTOR);
    expect(b.s3).toMatchObject({ bucket: "radha-backups", key: `nightly/${b.id}.dump` });
    const remote = await listRemoteBackups(s3config);
    expect(remote.map((o) => o.key).sort()).toEqual([`nightly/${b.id}.dump`, `nightly/${b.id}.json`]);
    expect(remote.find((o) => o.key.endsWith(".dump"))?.size).toBe(b.sizeBytes);
  });

  it("a failed copy fails the command and keeps the local backup", async () => {
    const s3config = configFor({
      backupDir: path.join(dir, "s3-bad"),
      s3: { ...s3.config, bucket: "no-such-bucket", prefix: "x/" },
    });
    const e = await domainErrorOf(createBackup({ db: t.db, config: s3config }, SYSTEM_ACTOR));
    expect(e.code).toBe("UNAVAILABLE");
    expect(e.message).toMatch(/written locally, but the copy to S3 bucket no-such-bucket failed/);
    expect((await listBackups(s3config, {})).items).toHaveLength(1);
  });
});
