import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { createTestDatabase, type TestDatabase } from "../testing/index";
import { backupPaths, recordVerification, writeManifest } from "./backup-store";
import type { DbopsConfig } from "./config";
import type { TBackupManifest } from "./dbops.schema";
import { planRetention, pruneBackups } from "./retention.service";

// pg_dump/pg_restore child processes: minutes, not seconds, on a loaded 2-core machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

let t: TestDatabase;
let dir: string;
let config: DbopsConfig;

/** A catalogued backup at `startedAt` (a fake dump is enough: retention never reads it). */
async function forge(startedAt: Date, outcome?: "PASSED" | "FAILED"): Promise<string> {
  const id = `bk_${startedAt.toISOString().replace(/[-:.]/g, "")}_${Math.random().toString(16).slice(2, 8).padEnd(6, "0")}`;
  const manifest: TBackupManifest = {
    id,
    label: null,
    database: t.name,
    serverVersion: "15",
    pgDumpVersion: "15",
    migrationVersion: null,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    durationMs: 1,
    sizeBytes: 5,
    sha256: "x",
    file: `${id}.dump`,
    tables: [],
    newestRowAt: null,
    s3: null,
  };
  await writeFile(backupPaths(dir, id).dump, "PGDMP");
  await writeManifest(dir, manifest);
  if (outcome)
    await recordVerification(dir, {
      id: `vf_${id}`,
      backupId: id,
      outcome,
      reason: outcome === "FAILED" ? "checksum: altered" : null,
      startedAt: startedAt.toISOString(),
      finishedAt: startedAt.toISOString(),
      steps: [],
      by: "test",
    });
  return id;
}

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "radha-retention-"));
  config = {
    databaseUrl: t.url,
    backupDir: dir,
    retention: { keepLast: 2, keepDaily: 3, keepWeekly: 2, keepMonthly: 2 },
    backupMaxAgeHours: 26,
    drillMaxAgeHours: 50,
  };
});

afterAll(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;

describe("retention", () => {
  it("keeps the newest verified backup and each kept period's newest, whatever the file dates say", async () => {
    const now = Date.now();
    const verified = await forge(new Date(now - 40 * DAY), "PASSED");
    const older = await forge(new Date(now - 400 * DAY));
    // Two backups on one UTC day (two days ago), whatever the time of day the test runs at.
    const dayStart = now - 2 * DAY - ((now - 2 * DAY) % DAY);
    const sameDayOlder = await forge(new Date(dayStart + 60_000));
    const sameDayNewer = await forge(new Date(dayStart + 120_000));
    const yesterday = await forge(new Date(now - DAY));
    const failedNewest = await forge(new Date(now - 60_000), "FAILED");
    // Forge the files' dates: the newest verified backup looks ancient, the ancient one brand new.
    const ancient = new Date(now - 1000 * DAY);
    for (const f of Object.values(backupPaths(dir, verified)))
      await utimes(f, ancient, ancient).catch(() => undefined);
    for (const f of Object.values(backupPaths(dir, older)))
      await utimes(f, new Date(), new Date()).catch(() => undefined);

    const dry = await pruneBackups({ db: t.db, config }, SYSTEM_ACTOR, {});
    expect(dry.applied).toBe(false);
    const why = new Map(dry.decisions.map((d) => [d.id, d]));
    expect(why.get(verified)?.keep).toBe(true);
    expect(why.get(verified)?.why).toContain("newest verified backup (always kept)");
    expect(why.get(failedNewest)).toMatchObject({
      keep: false,
      why: ["verification failed: checksum: altered"],
    });
    expect(why.get(sameDayOlder)).toMatchObject({ keep: false, why: ["outside every kept period"] });
    expect(why.get(sameDayNewer)?.keep).toBe(true);
    expect(why.get(older)?.keep).toBe(false);
    expect(await readdir(dir)).toContain(`${failedNewest}.dump`);

    const applied = await pruneBackups({ db: t.db, config }, SYSTEM_ACTOR, {
      apply: true,
      reason: "nightly prune",
    });
    expect(applied.deleted.sort()).toEqual([failedNewest, older, sameDayOlder].sort());
    const left = await readdir(dir);
    expect(left).toContain(`${verified}.dump`);
    expect(left).toContain(`${yesterday}.dump`);
    expect(left).not.toContain(`${failedNewest}.dump`);
    const audit = await t.db
      .selectFrom("auditLog")
      .select(["action", "after"])
      .where("action", "=", "backups.prune")
      .execute();
    expect(audit).toHaveLength(1);
  });

  it("never lets the newest verified backup go, even with every slot at zero", () => {
    const plan = planRetention(
      [
        { id: "bk_b", startedAt: "2026-01-02T00:00:00.000Z", missing: false, lastVerification: null },
        {
          id: "bk_a",
          startedAt: "2026-01-01T00:00:00.000Z",
          missing: false,
          lastVerification: {
            id: "v",
            backupId: "bk_a",
            outcome: "PASSED",
            reason: null,
            startedAt: "",
            finishedAt: "",
            steps: [],
            by: null,
          },
        },
      ],
      { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
    );
    expect(plan.filter((d) => d.keep).map((d) => d.id)).toEqual(["bk_b", "bk_a"]);
  });
});
