// Under a backlog of webhook jobs the crons must still run on time: every job the crontab schedules
// carries CRON_PRIORITY, which workers take before the backlog's default priority (lower runs first).
import { parseCrontab } from "graphile-worker";
import { CRON_PRIORITY, JOB } from "@radha/core/jobs";
import { expect, it } from "vitest";
import { AUDIT_CHECKPOINT_TASK, crontab } from "./worker";

it("every job the crontab schedules runs before the webhook backlog", () => {
  expect(CRON_PRIORITY).toBeLessThan(0);
  for (const withCheckpoints of [false, true]) {
    const items = parseCrontab(crontab(withCheckpoints));
    expect(items.map((i) => i.task)).toEqual(
      expect.arrayContaining([
        JOB.webhookSweep,
        JOB.tableMaintenance,
        JOB.webhookHealthCompact,
        JOB.monitoringSample,
      ]),
    );
    expect(items.some((i) => i.task === AUDIT_CHECKPOINT_TASK)).toBe(withCheckpoints);
    for (const item of items) expect(item.options.priority, item.task).toBe(CRON_PRIORITY);
  }
  // The nightly jobs keep running at most once.
  const nightly = parseCrontab(crontab(false)).filter((i) =>
    [JOB.backupCreate, JOB.backupPrune, JOB.drillRun].includes(i.task as never),
  );
  expect(nightly.map((i) => i.options.maxAttempts)).toEqual([1, 1, 1]);
});
