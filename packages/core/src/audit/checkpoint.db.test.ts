// Checkpoints outside the database catch what the chain alone cannot: the owner (who can switch
// off the triggers) rewriting a row and recomputing every hash forward, or deleting the tail.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/index";
import { recordAuditEvent, SYSTEM_ACTOR, verifyAuditChain } from "./audit.service";
import {
  checkpointKey,
  verifyAuditCheckpoint,
  writeAuditCheckpoint,
  type CheckpointConfig,
} from "./checkpoint";

let t: TestDatabase;
let config: CheckpointConfig;
beforeEach(async () => {
  t = await createTestDatabase();
  config = {
    dir: mkdtempSync(path.join(tmpdir(), "radha-ckpt-")),
    key: checkpointKey(randomBytes(32).toString("hex")),
  };
  for (let i = 1; i <= 6; i++)
    await recordAuditEvent(t.appDb, SYSTEM_ACTOR, { action: "test.ckpt", after: { i } });
  // The application role writes checkpoints (the worker's cron does).
  expect(await writeAuditCheckpoint(t.appDb, config)).toMatchObject({ seq: "6" });
});
afterEach(async () => {
  await t.drop();
  rmSync(config.dir, { recursive: true, force: true });
});

/** As the owner: triggers off, run `statement`, recompute every hash forward, triggers on. */
async function tamperAsOwner(statement: string): Promise<void> {
  await t.db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE audit_log DISABLE TRIGGER USER`.execute(trx);
    await sql.raw(statement).execute(trx);
    await sql`
      DO $$ DECLARE r audit_log; prev text := repeat('0', 64); BEGIN
        FOR r IN SELECT * FROM audit_log ORDER BY seq LOOP
          UPDATE audit_log SET prev_hash = prev, hash = audit_row_hash(prev, r) WHERE id = r.id;
          SELECT hash INTO prev FROM audit_log WHERE id = r.id;
        END LOOP;
      END $$`.execute(trx);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER USER`.execute(trx);
  });
}

it("verifies an untouched log, and only rewrites a checkpoint when the head moved", async () => {
  expect(await verifyAuditCheckpoint(t.appDb, config)).toMatchObject({ ok: true, checkpoint: { seq: "6" } });
  await writeAuditCheckpoint(t.appDb, config);
  expect(readdirSync(config.dir)).toHaveLength(1);
  await recordAuditEvent(t.appDb, SYSTEM_ACTOR, { action: "test.ckpt", after: { i: 7 } });
  await writeAuditCheckpoint(t.appDb, config);
  expect(readdirSync(config.dir)).toHaveLength(2);
  expect(await verifyAuditCheckpoint(t.appDb, config)).toMatchObject({ ok: true, checkpoint: { seq: "7" } });
});

it("reports a rewrite even when the chain was recomputed forward", async () => {
  await tamperAsOwner(`UPDATE audit_log SET after = '{"i": 999}' WHERE seq = 3`);
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checked: 6 }); // the chain alone is fooled
  const check = await verifyAuditCheckpoint(t.db, config);
  expect(check.ok).toBe(false);
  expect(check.problem).toMatch(/row at seq 6 no longer has the hash .* the log was rewritten/);
});

it("reports a truncated tail", async () => {
  await tamperAsOwner(`DELETE FROM audit_log WHERE seq > 4`);
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checked: 4 });
  const check = await verifyAuditCheckpoint(t.db, config);
  expect(check.ok).toBe(false);
  expect(check.problem).toMatch(/log ends at seq 4 but checkpoint .* vouches for seq 6: rows were deleted/);
});

it("refuses a checkpoint not signed with the key (a forged anchor after a rewrite)", async () => {
  const [file] = readdirSync(config.dir);
  const p = path.join(config.dir, file!);
  const forged = { ...JSON.parse(readFileSync(p, "utf8")), hash: "f".repeat(64) };
  writeFileSync(p, JSON.stringify(forged));
  expect(await verifyAuditCheckpoint(t.db, config)).toMatchObject({
    ok: false,
    problem: expect.stringMatching(/invalid signature/),
  });
});
