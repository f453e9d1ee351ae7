import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import { getFlag } from "../system/system.service";
import {
  countRows,
  createProduct,
  createTestDatabase,
  domainErrorOf,
  type TestDatabase,
} from "../testing/index";
import { readRestoreReport } from "./backup-store";
import { createBackup, listBackups, withAdmin } from "./backups.service";
import type { DbopsConfig } from "./config";
import { databaseExists, dropDatabase } from "./dbops.queries";
import { backupHealth, listDrills, runDrill } from "./drills.service";
import { applyRestore, getRestoreReport, previewRestore, startRestore } from "./restore.service";

// pg_dump/pg_restore child processes: minutes, not seconds, on a loaded 2-core machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

let t: TestDatabase;
let dir: string;
let config: DbopsConfig;
const leftovers: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "radha-restore-"));
  config = {
    databaseUrl: t.url,
    backupDir: dir,
    retention: { keepLast: 7, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 },
    backupMaxAgeHours: 26,
    drillMaxAgeHours: 50,
  };
  for (let i = 0; i < 12; i++) await createProduct(t.db);
});

afterAll(async () => {
  await t.drop();
  await withAdmin(config, async (admin) => {
    for (const name of leftovers) await dropDatabase(admin, name);
  });
  await rm(dir, { recursive: true, force: true });
});

describe("restore", () => {
  it("a background restore needs the database's name typed as confirmation; an unknown report is 404", async () => {
    const deps = { db: t.db, config };
    const backup = await createBackup(deps, SYSTEM_ACTOR, { label: "confirm test" });
    const refused = await domainErrorOf(
      startRestore(deps, SYSTEM_ACTOR, { id: backup.id, reason: "console restore", confirm: "wrong" }),
    );
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toContain(t.name);
    expect(await getFlag(t.db, "restore_in_progress")).toBe(false);
    expect(
      (await domainErrorOf(getRestoreReport(config, { id: "rs_20261201T031500123Z_1a2b3c" }))).code,
    ).toBe("NOT_FOUND");
  });

  it("previews, then restores in place: rows come back, a pre-restore backup exists, maintenance stays on", async () => {
    const deps = { db: t.db, config };
    const backup = await createBackup(deps, SYSTEM_ACTOR, { label: "before the accident" });
    await t.db
      .deleteFrom("products")
      .where("id", "in", t.db.selectFrom("products").select("id").limit(5))
      .execute();
    expect(await countRows(t.db, "products")).toBe(7);

    const preview = await previewRestore(deps, { id: backup.id });
    expect(preview.database).toBe(t.name);
    expect(preview.lost.find((l) => l.table === "products")).toMatchObject({ rowsNow: 7, rowsInBackup: 12 });
    expect(preview.warnings).toContain("this backup was never verified (ops backups verify)");

    expect(
      (await domainErrorOf(applyRestore(deps, SYSTEM_ACTOR, { id: backup.id, apply: true }))).message,
    ).toMatch(/reason/);

    const steps: string[] = [];
    const report = await applyRestore(
      deps,
      SYSTEM_ACTOR,
      { id: backup.id, apply: true, reason: "products deleted by mistake" },
      {
        onStep: (s) => {
          steps.push(s.step);
        },
      },
    );
    expect(report.outcome).toBe("SUCCEEDED");
    expect(steps).toEqual([
      "lock",
      "checksum",
      "pre_restore_backup",
      "maintenance_on",
      "restore",
      "migrate",
      "verify_counts",
      "prepare_flags",
      "swap",
      "carry_webhooks",
      "unlock",
    ]);
    leftovers.push(report.oldDatabase ?? "");

    // The same pool, the same database name: now the restored data.
    expect(await countRows(t.db, "products")).toBe(12);
    expect(await getFlag(t.db, "maintenance_mode")).toBe(true);
    expect(await getFlag(t.db, "restore_in_progress")).toBe(false);

    const pre = (await listBackups(config, {})).items.find((b) => b.id === report.preRestoreBackupId);
    expect(pre?.label).toBe(`pre-restore (${report.id})`);
    expect(pre?.tables.find((x) => x.table === "products")?.rows).toBe(7);
    expect(await withAdmin(config, (admin) => databaseExists(admin, report.oldDatabase ?? ""))).toBe(true);
    expect((await readRestoreReport(dir, report.id))?.outcome).toBe("SUCCEEDED");

    const audit = await t.db
      .selectFrom("auditLog")
      .select("action")
      .where("action", "like", "backups.restore%")
      .execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(["backups.restore.swap", "backups.restore.unlock", "backups.restore"]),
    );
  });

  it("a drill restores the latest backup into a scratch database and reports RTO and RPO", async () => {
    const drill = await runDrill({ db: t.db, config }, SYSTEM_ACTOR);
    expect(drill.outcome).toBe("PASSED");
    expect(drill.rtoSeconds).toBeGreaterThan(0);
    expect(drill.rpoSeconds).toBeGreaterThanOrEqual(0);
    expect((await listDrills(config, {})).items[0]?.id).toBe(drill.id);
    const health = await backupHealth(config);
    expect(health.status).toBe("pass");
    expect(health.lastDrill?.id).toBe(drill.id);
    const stale = await backupHealth(config, new Date(Date.now() + 60 * 3_600_000));
    expect(stale.status).toBe("fail");
    expect(stale.message).toMatch(/newest backup is \d+ h old/);
  });
});
