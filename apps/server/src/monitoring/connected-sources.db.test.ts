// The sources that join other domains to monitoring, as the server registers them: an oversold
// order shows in `orders_oversold_open` (with its seeded rule), and backup freshness reads the
// server's backup folder (no backup yet: no age sample, drill_failed 0, checklist status empty).
import { sql } from "kysely";
import { sampleMetrics } from "@radha/core/monitoring";
import { createPendingOrder } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";
import { backupStatus } from "./connected-sources";

let s: TestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(() => s.close());

describe("connected metric sources", () => {
  it("samples open oversold orders and backup freshness, each with a seeded alert rule", async () => {
    const { order } = await createPendingOrder(s.database.db);
    await sql`UPDATE orders SET status = 'PAID', oversold_at = now() WHERE id = ${order.id}`.execute(
      s.database.db,
    );
    // A minute divisible by 5, so the five-minute backup source runs too.
    const now = new Date(Math.floor(Date.now() / 300_000) * 300_000);
    const { samples, failed } = await sampleMetrics(s.deps.db, s.deps.metricSources, now);
    expect(failed).toEqual([]);
    const value = (metric: string) => samples.find((x) => x.metric === metric)?.value;
    expect(value("orders_oversold_open")).toBe(1);
    expect(value("drill_failed")).toBe(0);
    expect(value("backup_age_hours")).toBeUndefined();

    const admin = (await s.signIn("ADMIN")).caller;
    const keys = (await admin.monitoring.rules()).map((r) => r.key);
    expect(keys).toEqual(expect.arrayContaining(["orders_oversold", "backup_age", "drill_failed"]));

    const dbops = s.deps.config.dbops;
    if (!dbops) throw new Error("the test server has no backup folder");
    expect(await backupStatus(dbops)).toEqual({ lastBackupAt: null, lastDrillAt: null, lastDrillOk: null });
  });
});
