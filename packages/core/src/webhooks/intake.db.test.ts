// Group commit with poison in the group: every event of a group commits or fails on its own.
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createTestDatabase,
  fixedSecretSource,
  signStripe,
  stripePayloads,
  type TestDatabase,
} from "../testing/index";
import { createDb } from "../db/client";
import { createWebhookIntake } from "./intake.service";

const SECRET = "whsec_group_poison";
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const intakeFor = () => createWebhookIntake(t.db, fixedSecretSource(SECRET));
const request = (body: string) => ({
  provider: "STRIPE" as const,
  rawBody: Buffer.from(body),
  headers: { "stripe-signature": signStripe(body, SECRET) },
});

it("a group holding unstorable events still stores its 50 valid ones; the poison is sanitized or refused", async () => {
  const intake = intakeFor();
  const valid = Array.from({ length: 50 }, (_, i) =>
    JSON.stringify(stripePayloads.succeeded(`pi_group_${i}`)),
  );
  const nul = JSON.stringify({ ...stripePayloads.succeeded("pi_group_nul"), description: "a\u0000b" });
  const badId = JSON.stringify(stripePayloads.succeeded("pi_group_bad_id")).replace(
    /"id":"evt_/,
    '"id":"evt_\\u0000',
  );
  // Received in one tick, so the intake writes them as one group (its limit is 200).
  const results = await Promise.all(
    [...valid.slice(0, 25), nul, badId, ...valid.slice(25)].map((b) => intake.receive(request(b))),
  );

  const ids = results.flatMap((r) => (r.accepted ? [r.eventId] : []));
  expect(ids).toHaveLength(51);
  const reason = "event cannot be stored: event id has characters Postgres cannot store";
  expect(results.filter((r) => !r.accepted)).toEqual([{ accepted: false, code: "BAD_REQUEST", reason }]);
  const rows = await t.db
    .selectFrom("webhookEvents")
    .select(["paymentReference", "payloadSanitized", "rawBytes", "payload"])
    .where("id", "in", ids)
    .execute();
  expect(rows).toHaveLength(51);
  expect(rows.filter((r) => r.payloadSanitized).map((r) => r.paymentReference)).toEqual(["pi_group_nul"]);
  const poison = rows.find((r) => r.paymentReference === "pi_group_nul")!;
  expect(poison.rawBytes.equals(Buffer.from(nul))).toBe(true);
  expect((poison.payload as { description: string }).description).toBe("a\ufffdb");
  const rejection = await t.db
    .selectFrom("webhookRejections")
    .select(["reason", "statusCode"])
    .executeTakeFirstOrThrow();
  expect(rejection).toEqual({ reason, statusCode: 400 });
});

it("stores each body once, as its exact bytes; bytes that are not UTF-8 are kept and the payload marked sanitized", async () => {
  const intake = intakeFor();
  const valid = JSON.stringify(stripePayloads.succeeded("pi_once_valid"));
  // "café" in Latin-1: 0xE9 is not UTF-8. Stripe verifies the UTF-8 reading of the bytes.
  const [head, tail] = JSON.stringify({
    ...stripePayloads.succeeded("pi_once_latin1"),
    description: "caf|",
  }).split("|");
  const latin1 = Buffer.concat([Buffer.from(head!), Buffer.from([0xe9]), Buffer.from(tail!)]);
  const results = await Promise.all([
    intake.receive(request(valid)),
    intake.receive({
      provider: "STRIPE",
      rawBody: latin1,
      headers: { "stripe-signature": signStripe(latin1.toString("utf8"), SECRET) },
    }),
  ]);
  expect(results.map((r) => r.accepted)).toEqual([true, true]);
  const rows = await t.db
    .selectFrom("webhookEvents")
    .select(["paymentReference", "payloadSanitized", "rawBytes", "payload"])
    .where("paymentReference", "in", ["pi_once_valid", "pi_once_latin1"])
    .orderBy("paymentReference")
    .execute();
  expect(rows.map((r) => [r.paymentReference, r.payloadSanitized])).toEqual([
    ["pi_once_latin1", true],
    ["pi_once_valid", false],
  ]);
  expect(rows[0]!.rawBytes.equals(latin1)).toBe(true);
  expect((rows[0]!.payload as { description: string }).description).toBe("caf\ufffd");
  expect(rows[1]!.rawBytes.equals(Buffer.from(valid))).toBe(true);
  expect(rows[1]!.payload).toEqual(JSON.parse(valid));
  // No second copy of the body as text.
  const columns = await sql<{ name: string }>`
    SELECT column_name AS name FROM information_schema.columns
    WHERE table_name = 'webhook_events' AND data_type IN ('text', 'bytea', 'jsonb') AND column_name LIKE 'raw%'`.execute(
    t.db,
  );
  expect(columns.rows.map((c) => c.name)).toEqual(["raw_bytes"]);
});

it("a repeat of a sanitized event is a duplicate of the stored one, even inside a group", async () => {
  const intake = intakeFor();
  const body = JSON.stringify({ ...stripePayloads.succeeded("pi_group_repeat"), description: "\ud800" });
  const [a, b] = await Promise.all([intake.receive(request(body)), intake.receive(request(body))]);
  const c = await intake.receive(request(body));
  expect([a, b, c].map((r) => r.accepted && r.duplicate)).toEqual([false, true, true]);
  expect(new Set([a, b, c].map((r) => r.accepted && r.eventId)).size).toBe(1);
});

it("queues each group's job as graphile-worker's add_job would, without notifying inside the commit, then wakes the workers", async () => {
  // A group of three: one job, keyed by its first event, the events in id order.
  const bodies = [1, 2, 3].map((i) => JSON.stringify(stripePayloads.succeeded(`pi_group_job_${i}`)));
  const intake = intakeFor();
  const results = await Promise.all(bodies.map((b) => intake.receive(request(b))));
  const ids = results.map((r) => (r.accepted ? r.eventId : "")).sort();
  const columns = sql`t.identifier, j.job_queue_id, j.priority, j.attempts, j.max_attempts, j.locked_at, j.flags, j.revision, j.is_available, j.last_error`;
  const ours = await sql<Record<string, unknown>>`
    SELECT ${columns}, j.payload, j.key, j.run_at <= now() AS due FROM graphile_worker._private_jobs j
    JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE j.key = ${`webhooks:${ids[0]}`}`.execute(
    t.db,
  );
  expect(ours.rows).toHaveLength(1);
  expect(ours.rows[0]).toMatchObject({ payload: { eventIds: ids }, due: true });
  // The row graphile-worker's own add_job writes for the same spec, column for column.
  await sql`SELECT graphile_worker.add_job('webhook_process', '{}'::json, max_attempts := 1, job_key := 'reference')`.execute(
    t.db,
  );
  const reference = await sql<Record<string, unknown>>`
    SELECT ${columns} FROM graphile_worker._private_jobs j
    JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE j.key = 'reference'`.execute(t.db);
  const { payload: _p, key: _k, due: _d, ...rest } = ours.rows[0]!;
  expect(rest).toEqual(reference.rows[0]);

  // A listening worker still hears of the new job, and its job is there when it looks.
  const listener = new pg.Client({ connectionString: t.url });
  await listener.connect();
  try {
    const heard = new Promise<{ count: number; jobs: number }>((resolve, reject) =>
      listener.on("notification", (n) => {
        const { count } = JSON.parse(n.payload ?? "{}") as { count: number };
        sql<{
          jobs: number;
        }>`SELECT count(*)::int AS jobs FROM graphile_worker.jobs j JOIN webhook_events e ON j.key = 'webhook:' || e.id WHERE e.payment_reference = 'pi_group_notify'`
          .execute(t.db)
          .then(({ rows }) => resolve({ count, jobs: rows[0]!.jobs }), reject);
      }),
    );
    await listener.query('LISTEN "jobs:insert"');
    const r = await intakeFor().receive(request(JSON.stringify(stripePayloads.succeeded("pi_group_notify"))));
    expect(r.accepted).toBe(true);
    expect(await heard).toEqual({ count: 1, jobs: 1 });
  } finally {
    await listener.end();
  }
});

it("parses and plans its group insert once per connection, then only binds and runs it", async () => {
  // One connection, so every group goes through the same session.
  const { db } = createDb({ connectionString: t.url, max: 1 });
  try {
    const intake = createWebhookIntake(db, fixedSecretSource(SECRET));
    for (let round = 0; round < 8; round++) {
      const results = await Promise.all(
        [0, 1, 2].map((i) =>
          intake.receive(request(JSON.stringify(stripePayloads.succeeded(`pi_prepared_${round}_${i}`)))),
        ),
      );
      expect(results.every((r) => r.accepted && !r.duplicate)).toBe(true);
    }
    const { rows } = await sql<{ statements: number; generic: number; custom: number }>`
      SELECT count(*)::int AS statements, coalesce(sum(generic_plans), 0)::int AS generic,
        coalesce(sum(custom_plans), 0)::int AS custom
      FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO webhook_events%'`.execute(db);
    // Postgres tries five custom plans, then keeps the generic one.
    expect(rows[0]).toEqual({ statements: 1, generic: 3, custom: 5 });
  } finally {
    await db.destroy();
  }
});
