// Signing-key operations: ensure, rotate (scheduled or by hand), retire, revoke, list, JWKS.
// Every change is one transaction with its audit event, then announced on the shared store so
// every instance's keyring reloads at once. Private keys never leave the database sealed form.
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { type Actor, SYSTEM_ACTOR, writeAudit } from "../audit/audit.service";
import type { SharedStore } from "../shared-store/index";
import {
  insertSigningKey,
  insertSigningKeyIfStateFree,
  lockDueRetiringKeys,
  lockLiveSigningKeys,
  lockSigningKey,
  revokeSessionsActiveBetween,
  selectSigningKeys,
  selectUnsealedSigningKeys,
  selectVerifyingSigningKeys,
  updateSigningKey,
  type SigningKeyRow,
} from "./keys.queries";
import { newSigningKeyRow, sealPrivateJwk, SIGNING_KEYS_CHANNEL } from "./keyring";
import type { MasterKey } from "./master-key";
import {
  ZRevokeKey,
  ZRotateKeys,
  type TRevokeKeyResult,
  type TRotateResult,
  type TSigningKeyInfo,
} from "./secops.schema";

export interface KeyOpsDeps {
  db: Db;
  masterKey: MasterKey;
  /** The longest access-token lifetime: a RETIRING key verifies for this long after rotation. */
  accessTokenTtlSeconds: number;
  /** Announces changes to other instances; absent (a CLI without REDIS_URL) they reload within their cache time. */
  store?: SharedStore;
}

/** Clock skew allowed between instances on top of the token lifetime before a key retires. */
const RETIRE_SKEW_SECONDS = 60;

export function toSigningKeyInfo(row: SigningKeyRow): TSigningKeyInfo {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    kid: row.kid,
    alg: row.alg,
    state: row.state,
    createdAt: row.createdAt.toISOString(),
    activatedAt: iso(row.activatedAt),
    retiringAt: iso(row.retiringAt),
    retireAfter: iso(row.retireAfter),
    retiredAt: iso(row.retiredAt),
    revokedAt: iso(row.revokedAt),
    revokedReason: row.revokedReason,
  };
}

async function announce(store: SharedStore | undefined, what: string): Promise<void> {
  // The change is committed; an unreachable store only delays other instances (cache time).
  await store?.publish(SIGNING_KEYS_CHANNEL, what).catch(() => undefined);
}

/**
 * At start: seals private keys stored before sealing existed, and makes sure an ACTIVE and a NEXT
 * key exist (concurrent starters race safely on the partial unique indexes).
 */
export async function ensureSigningKeys(db: Db, masterKey: MasterKey): Promise<void> {
  for (const row of await selectUnsealedSigningKeys(db)) {
    await updateSigningKey(db, row.kid, {
      privateKeySealed: sealPrivateJwk(masterKey, row.kid, row.privateJwk),
      privateJwk: null,
    });
  }
  const live = await selectVerifyingSigningKeys(db);
  if (!live.some((k) => k.state === "ACTIVE"))
    await insertSigningKeyIfStateFree(db, {
      ...(await newSigningKeyRow(masterKey)),
      state: "ACTIVE",
      activatedAt: new Date(),
    });
  if (!live.some((k) => k.state === "NEXT"))
    await insertSigningKeyIfStateFree(db, { ...(await newSigningKeyRow(masterKey)), state: "NEXT" });
}

export async function listSigningKeys(db: Db): Promise<TSigningKeyInfo[]> {
  return (await selectSigningKeys(db)).map(toSigningKeyInfo);
}

/** The public keys that verify tokens now or soon (NEXT, ACTIVE, RETIRING), as a JWK Set. */
export async function publicJwks(db: Db): Promise<{ keys: Record<string, unknown>[] }> {
  const rows = await selectVerifyingSigningKeys(db);
  return { keys: rows.map((r) => r.publicJwk as Record<string, unknown>) };
}

/**
 * NEXT becomes ACTIVE, ACTIVE becomes RETIRING until every token it signed has expired, and a
 * new NEXT is made. Nobody is signed out: RETIRING keys still verify.
 */
export async function rotateSigningKeys(
  deps: KeyOpsDeps,
  actor: Actor,
  raw: unknown,
): Promise<TRotateResult> {
  const input = ZRotateKeys.parse(raw);
  const fresh = await newSigningKeyRow(deps.masterKey);
  const spare = await newSigningKeyRow(deps.masterKey);
  const now = new Date();
  const result = await deps.db.transaction().execute(async (trx) => {
    const live = await lockLiveSigningKeys(trx);
    const active = live.find((k) => k.state === "ACTIVE");
    const next = live.find((k) => k.state === "NEXT");
    if (active)
      await updateSigningKey(trx, active.kid, {
        state: "RETIRING",
        retiringAt: now,
        retireAfter: new Date(now.getTime() + (deps.accessTokenTtlSeconds + RETIRE_SKEW_SECONDS) * 1000),
      });
    let activated: string;
    if (next) {
      await updateSigningKey(trx, next.kid, { state: "ACTIVE", activatedAt: now });
      activated = next.kid;
    } else {
      // No NEXT published ahead (a keyring from before NEXT keys): activate a fresh one.
      await insertSigningKey(trx, { ...spare, state: "ACTIVE", activatedAt: now });
      activated = spare.kid;
    }
    await insertSigningKey(trx, { ...fresh, state: "NEXT" });
    const retired = await retireDue(trx, now);
    await writeAudit(trx, actor, {
      action: "keys.rotate",
      target: { type: "signing_key", id: activated },
      before: { active: active?.kid ?? null, next: next?.kid ?? null },
      after: { active: activated, retiring: active?.kid ?? null, next: fresh.kid, retired },
      reason: input.reason,
    });
    return { activated, retiring: active?.kid ?? null, next: fresh.kid };
  });
  await announce(deps.store, "rotate");
  return result;
}

async function retireDue(trx: Parameters<typeof lockDueRetiringKeys>[0], now: Date): Promise<string[]> {
  const due = await lockDueRetiringKeys(trx, now);
  for (const k of due) await updateSigningKey(trx, k.kid, { state: "RETIRED", retiredAt: now });
  return due.map((k) => k.kid);
}

/** RETIRING keys whose last token has expired become RETIRED (the scheduled job calls this). */
export async function retireDueSigningKeys(deps: KeyOpsDeps): Promise<string[]> {
  const retired = await deps.db.transaction().execute(async (trx) => {
    const kids = await retireDue(trx, new Date());
    if (kids.length)
      await writeAudit(trx, SYSTEM_ACTOR, {
        action: "keys.retire",
        target: { type: "signing_key", id: kids[0] ?? null },
        after: { retired: kids },
      });
    return kids;
  });
  if (retired.length) await announce(deps.store, "retire");
  return retired;
}

/**
 * The scheduled job: retires what is due, and rotates when the ACTIVE key is older than
 * `everyDays`. graphile-worker's cron queues each tick once however many workers run.
 */
export async function runScheduledKeyRotation(
  deps: KeyOpsDeps,
  everyDays: number,
): Promise<{ rotated: TRotateResult | null; retired: string[] }> {
  const retired = await retireDueSigningKeys(deps);
  const active = (await selectVerifyingSigningKeys(deps.db)).find((k) => k.state === "ACTIVE");
  const dueAt = (active?.activatedAt ?? active?.createdAt)?.getTime();
  if (dueAt !== undefined && Date.now() - dueAt < everyDays * 86400_000) return { rotated: null, retired };
  const rotated = await rotateSigningKeys(
    deps,
    { type: "SYSTEM", id: null, label: "scheduled key rotation" },
    { reason: `scheduled: every ${everyDays} days` },
  );
  return { rotated, retired };
}

/**
 * Revokes a key at once: tokens it signed stop verifying on every instance, and the sessions
 * that may hold one must sign in again. Revoking the ACTIVE key activates the NEXT one first.
 */
export async function revokeSigningKey(
  deps: KeyOpsDeps,
  actor: Actor,
  raw: unknown,
): Promise<TRevokeKeyResult> {
  const input = ZRevokeKey.parse(raw);
  const fresh = await newSigningKeyRow(deps.masterKey);
  const spare = await newSigningKeyRow(deps.masterKey);
  const result = await deps.db.transaction().execute(async (trx) => {
    const live = await lockLiveSigningKeys(trx);
    const key = live.find((k) => k.kid === input.kid) ?? (await lockSigningKey(trx, input.kid));
    if (!key) throw new DomainError("NOT_FOUND", `No signing key with kid ${input.kid}`);
    if (key.state === "REVOKED") return { key: toSigningKeyInfo(key), sessionsRevoked: 0, activated: null };
    const now = new Date();
    let activated: string | null = null;
    if (key.state === "ACTIVE") {
      const next = live.find((k) => k.state === "NEXT");
      await updateSigningKey(trx, key.kid, { state: "REVOKED", revokedAt: now, revokedReason: input.reason });
      if (next) await updateSigningKey(trx, next.kid, { state: "ACTIVE", activatedAt: now });
      else await insertSigningKey(trx, { ...spare, state: "ACTIVE", activatedAt: now });
      activated = next?.kid ?? spare.kid;
      await insertSigningKey(trx, { ...fresh, state: "NEXT" });
    } else if (key.state === "NEXT") {
      await updateSigningKey(trx, key.kid, { state: "REVOKED", revokedAt: now, revokedReason: input.reason });
      await insertSigningKey(trx, { ...fresh, state: "NEXT" });
    }
    const updated =
      key.state === "ACTIVE" || key.state === "NEXT"
        ? await lockSigningKey(trx, key.kid)
        : await updateSigningKey(trx, key.kid, {
            state: "REVOKED",
            revokedAt: now,
            revokedReason: input.reason,
          });
    // Sessions that may hold a token this key signed: the key signed from activation until it
    // started retiring (or now).
    const sessionsRevoked = key.activatedAt
      ? await revokeSessionsActiveBetween(
          trx,
          key.activatedAt,
          key.retiringAt ?? now,
          `signing key ${key.kid} revoked`,
        )
      : 0;
    await writeAudit(trx, actor, {
      action: "keys.revoke",
      target: { type: "signing_key", id: key.kid },
      before: { state: key.state },
      after: { state: "REVOKED", sessionsRevoked, activated },
      reason: input.reason,
    });
    return { key: toSigningKeyInfo(updated ?? key), sessionsRevoked, activated };
  });
  await announce(deps.store, "revoke");
  return result;
}
