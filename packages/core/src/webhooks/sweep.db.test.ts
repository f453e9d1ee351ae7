// The minute sweep re-queues events whose job was lost, and only those: an event still waiting
// in a queued job, its own (webhook:<id>) or its intake group's (webhooks:<first id>), is left
// alone, so a backlog is not grown by duplicates of the jobs it is already behind.
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { enqueueJob, JOB } from "../jobs/queue";
import { createTestDatabase, storeWebhookEvent, type TestDatabase } from "../testing/index";
import { sweepDueWebhooks } from "./process.service";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

it("re-queues PENDING events with no waiting job, not those inside a queued single or group job", async () => {
  const receivedAt = new Date(Date.now() - 5 * 60_000);
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const ev = await storeWebhookEvent(t.db, {
      provider: "STRIPE",
      payload: { id: `evt_sweep_${i}`, type: "payment_intent.succeeded" },
      paymentReference: `pi_sweep_${i}`,
      status: "PENDING",
      receivedAt,
    });
    ids.push(ev.id);
  }
  const [inGroup1, inGroup2, alone, inLockedGroup, lost1, lost2] = ids as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  await enqueueJob(
    t.db,
    JOB.webhookProcess,
    { eventIds: [inGroup1, inGroup2] },
    { jobKey: `webhooks:${inGroup1}` },
  );
  await enqueueJob(t.db, JOB.webhookProcess, { eventId: alone }, { jobKey: `webhook:${alone}` });
  // A group job a worker took and then lost (still locked): its event is swept as before.
  await enqueueJob(
    t.db,
    JOB.webhookProcess,
    { eventIds: [inLockedGroup] },
    { jobKey: `webhooks:${inLockedGroup}` },
  );
  await sql`UPDATE graphile_worker._private_jobs SET locked_at = now() - interval '1 hour', locked_by = 'gone'
    WHERE key = ${`webhooks:${inLockedGroup}`}`.execute(t.db);

  expect(await sweepDueWebhooks(t.db)).toBe(3);
  const { rows } = await sql<{ key: string }>`SELECT key FROM graphile_worker.jobs ORDER BY key`.execute(
    t.db,
  );
  expect(rows.map((r) => r.key).sort()).toEqual(
    [
      `webhooks:${inGroup1}`,
      `webhook:${alone}`,
      `webhooks:${inLockedGroup}`,
      `webhook:${inLockedGroup}`,
      `webhook:${lost1}`,
      `webhook:${lost2}`,
    ].sort(),
  );
});
