// The order a worker takes queued jobs in (lower priority first): the crons (CRON_PRIORITY, set
// in the worker's crontab), then operators' replay runs, then webhook processing at the default,
// whether an intake group's job or a single event's.
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../audit/audit.service";
import {
  createTestDatabase,
  fixedSecretSource,
  signStripe,
  stripePayloads,
  type TestDatabase,
} from "../testing/index";
import { createWebhookIntake } from "../webhooks/intake.service";
import { startReplay } from "../webhooks/replay.service";
import { CRON_PRIORITY, enqueueJob, JOB } from "./queue";

const SECRET = "whsec_priority";
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

it("webhook jobs keep the default priority; replays come before them, crons before both", async () => {
  const intake = createWebhookIntake(t.db, fixedSecretSource(SECRET));
  const body = JSON.stringify(stripePayloads.succeeded("pi_priority"));
  const received = await intake.receive({
    provider: "STRIPE",
    rawBody: Buffer.from(body),
    headers: { "stripe-signature": signStripe(body, SECRET) },
  });
  expect(received.accepted).toBe(true);
  await enqueueJob(t.db, JOB.webhookProcess, { eventId: "00000000-0000-0000-0000-000000000001" });
  const run = await startReplay(t.db, SYSTEM_ACTOR, { filter: { status: "FAILED" } });

  const { rows } = await sql<{ task: string; key: string | null; priority: number }>`
    SELECT task_identifier AS task, key, priority FROM graphile_worker.jobs ORDER BY priority, id`.execute(
    t.db,
  );
  const webhookJobs = rows.filter((r) => r.task === JOB.webhookProcess);
  expect(webhookJobs.length).toBeGreaterThanOrEqual(2);
  expect(webhookJobs.every((r) => r.priority === 0)).toBe(true);
  expect(rows[0]).toMatchObject({ task: JOB.webhookReplayRun, key: `replay:${run.id}` });
  expect(rows[0]!.priority).toBeLessThan(0);
  expect(CRON_PRIORITY).toBeLessThan(rows[0]!.priority);
});
