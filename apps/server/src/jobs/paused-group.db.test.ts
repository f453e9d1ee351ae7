// While a restore runs or maintenance mode is on, the worker processes no webhook event: it puts
// the job back for later. An intake group's job must come back whole, under the group's key, so
// the sweep still sees its events as queued and none is processed twice or forgotten.
import { sql } from "kysely";
import { SYSTEM_ACTOR } from "@radha/core/audit";
import { enqueueJob, JOB, webhookJobKey } from "@radha/core/jobs";
import { setFlag } from "@radha/core/system";
import { storeWebhookEvent } from "@radha/core/testing";
import { sweepDueWebhooks } from "@radha/core/webhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";

let s: TestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(() => s.close());

it("a group job met during maintenance comes back whole under its key, and runs once maintenance ends", async () => {
  const db = s.database.db;
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const ev = await storeWebhookEvent(db, {
      provider: "STRIPE",
      // A type the shop does not act on: processing marks it IGNORED, no order needed.
      payload: { id: `evt_paused_${i}`, type: "customer.created" },
      paymentReference: `cus_paused_${i}`,
      status: "PENDING",
      receivedAt: new Date(Date.now() - 5 * 60_000),
    });
    ids.push(ev.id);
  }
  const group = [...ids].sort() as [string, ...string[]];
  const key = webhookJobKey(group);
  expect(key).toBe(`webhooks:${group[0]}`);
  await setFlag(db, SYSTEM_ACTOR, { key: "maintenance_mode", value: true, reason: "test: paused worker" });
  await enqueueJob(db, JOB.webhookProcess, { eventIds: group }, { jobKey: key });
  await s.startWorker({ concurrency: 1 });

  // The worker met the job and put it back for later: same key, same events, a later run_at.
  const requeued = async () =>
    (
      await sql<{ eventIds: string[]; later: boolean }>`
        SELECT payload -> 'eventIds' AS "eventIds", run_at > now() + interval '10 seconds' AS later
        FROM graphile_worker._private_jobs WHERE key = ${key} AND locked_at IS NULL`.execute(db)
    ).rows[0];
  await expect.poll(async () => (await requeued())?.later, { timeout: 10_000 }).toBe(true);
  expect((await requeued())?.eventIds).toEqual(group);
  const waiting = await db
    .selectFrom("webhookEvents")
    .select(["status", "attemptCount"])
    .where("id", "in", ids)
    .execute();
  expect(waiting).toEqual(ids.map(() => ({ status: "PENDING", attemptCount: 0 })));
  // The sweep sees the events as queued in the group's job and adds no duplicate for them.
  expect(await sweepDueWebhooks(db)).toBe(0);

  // Maintenance ends; the job's time comes: every event is processed, once.
  await setFlag(db, SYSTEM_ACTOR, { key: "maintenance_mode", value: false, reason: "test: resumed" });
  await sql`UPDATE graphile_worker._private_jobs SET run_at = now() WHERE key = ${key}`.execute(db);
  await expect
    .poll(
      async () =>
        (await db.selectFrom("webhookEvents").select("status").where("id", "in", ids).execute()).map(
          (e) => e.status,
        ),
      { timeout: 10_000 },
    )
    .toEqual(["IGNORED", "IGNORED", "IGNORED"]);
  const attempts = await db
    .selectFrom("webhookAttempts")
    .select("eventId")
    .where("eventId", "in", ids)
    .execute();
  expect(attempts.map((a) => a.eventId).sort()).toEqual(group);
});
