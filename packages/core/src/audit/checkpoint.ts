// Anchors for the audit chain outside the database: a checkpoint (the chain's latest seq and hash)
// signed with a key the database never holds, written to a folder (mount it somewhere the database
// credentials cannot write: another host, an object-store sync). Whoever holds the database —
// even its owner, who can switch off the triggers and recompute the chain forward — cannot forge
// a checkpoint, so a rewrite of checkpointed rows or a truncated tail is reported.
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DbOrTrx } from "../db/database";
import { selectChainHead, selectChainPoint } from "./checkpoint.queries";

export interface CheckpointConfig {
  dir: string;
  /** HMAC-SHA256 key, at least 32 bytes; never stored in the database. */
  key: Buffer;
}

export interface AuditCheckpoint {
  version: 1;
  seq: string;
  hash: string;
  createdAt: string;
  mac: string;
}

export interface TCheckpointCheck {
  ok: boolean;
  /** The checkpoint checked against (the highest seq), or null when none was written yet. */
  checkpoint: { seq: string; createdAt: string; file: string } | null;
  /** Why the log does not match it. */
  problem: string | null;
}

const FILE = /^audit-checkpoint-(\d{20})\.json$/;

export function checkpointKey(value: string): Buffer {
  const key = Buffer.from(value, "utf8");
  if (key.length < 32) throw new Error("the audit checkpoint key must be at least 32 bytes");
  return key;
}

/**
 * The checkpoint settings from the environment: none without a folder; a folder without a key is
 * a configuration error (a checkpoint anyone can sign anchors nothing).
 */
export function checkpointConfigFromEnv(env: {
  OPS_AUDIT_CHECKPOINT_DIR?: string | undefined;
  OPS_AUDIT_CHECKPOINT_KEY?: string | undefined;
  OPS_AUDIT_CHECKPOINT_KEY_FILE?: string | undefined;
}): CheckpointConfig | undefined {
  if (!env.OPS_AUDIT_CHECKPOINT_DIR) return undefined;
  const value =
    env.OPS_AUDIT_CHECKPOINT_KEY ??
    (env.OPS_AUDIT_CHECKPOINT_KEY_FILE
      ? readFileSync(env.OPS_AUDIT_CHECKPOINT_KEY_FILE, "utf8").trim()
      : undefined);
  if (!value)
    throw new Error(
      "OPS_AUDIT_CHECKPOINT_DIR is set but neither OPS_AUDIT_CHECKPOINT_KEY nor OPS_AUDIT_CHECKPOINT_KEY_FILE",
    );
  return { dir: env.OPS_AUDIT_CHECKPOINT_DIR, key: checkpointKey(value) };
}

function macOf(key: Buffer, c: Pick<AuditCheckpoint, "seq" | "hash" | "createdAt">): string {
  return createHmac("sha256", key)
    .update(`radha-audit-checkpoint:v1:${c.seq}:${c.hash}:${c.createdAt}`)
    .digest("hex");
}

async function latestFile(dir: string): Promise<string | undefined> {
  const names = await readdir(dir).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [] as string[];
    throw e;
  });
  return names
    .filter((n) => FILE.test(n))
    .sort()
    .at(-1);
}

/** Writes a checkpoint of the chain's head (unless the latest one already covers it); null for an empty log. */
export async function writeAuditCheckpoint(
  db: DbOrTrx,
  config: CheckpointConfig,
): Promise<AuditCheckpoint | null> {
  const head = await selectChainHead(db);
  if (!head) return null;
  const name = `audit-checkpoint-${head.seq.padStart(20, "0")}.json`;
  await mkdir(config.dir, { recursive: true });
  if ((await latestFile(config.dir)) === name) {
    const existing = JSON.parse(await readFile(path.join(config.dir, name), "utf8")) as AuditCheckpoint;
    if (existing.hash === head.hash) return existing;
  }
  const body = { seq: head.seq, hash: head.hash, createdAt: new Date().toISOString() };
  const checkpoint: AuditCheckpoint = { version: 1, ...body, mac: macOf(config.key, body) };
  const tmp = path.join(config.dir, `.${name}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(checkpoint, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path.join(config.dir, name));
  return checkpoint;
}

/** Checks the log against the latest checkpoint: its signature, that its row exists, and that its hash is unchanged. */
export async function verifyAuditCheckpoint(
  db: DbOrTrx,
  config: CheckpointConfig,
): Promise<TCheckpointCheck> {
  const file = await latestFile(config.dir);
  if (!file) return { ok: true, checkpoint: null, problem: null };
  const raw = JSON.parse(await readFile(path.join(config.dir, file), "utf8")) as Partial<AuditCheckpoint>;
  const fail = (problem: string): TCheckpointCheck => ({
    ok: false,
    checkpoint: { seq: String(raw.seq), createdAt: String(raw.createdAt), file },
    problem,
  });
  if (
    typeof raw.seq !== "string" ||
    typeof raw.hash !== "string" ||
    typeof raw.createdAt !== "string" ||
    typeof raw.mac !== "string"
  )
    return fail(`checkpoint ${file} is malformed`);
  const expected = Buffer.from(
    macOf(config.key, { seq: raw.seq, hash: raw.hash, createdAt: raw.createdAt }),
    "hex",
  );
  const given = Buffer.from(raw.mac, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return fail(`checkpoint ${file} has an invalid signature (forged, or signed with another key)`);
  const row = await selectChainPoint(db, raw.seq);
  if (!row) {
    const head = await selectChainHead(db);
    return fail(
      `the log ends at seq ${head?.seq ?? 0} but checkpoint ${file} (${raw.createdAt}) vouches for seq ${raw.seq}: rows were deleted`,
    );
  }
  if (row.hash !== raw.hash)
    return fail(
      `the row at seq ${raw.seq} no longer has the hash checkpoint ${file} (${raw.createdAt}) recorded: the log was rewritten`,
    );
  return { ok: true, checkpoint: { seq: raw.seq, createdAt: raw.createdAt, file }, problem: null };
}
