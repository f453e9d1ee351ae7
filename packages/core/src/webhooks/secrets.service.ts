// Receiver-side webhook secret rotation: list (fingerprints, never values), add with an overlap
// after which the provider's previous secrets expire, expire now, revoke now. Stored secrets are
// sealed with the master key; a generated (Razorpay) secret is returned once, by `add`, and never
// again. Audit events carry fingerprints only.
import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import { pageInput, type TPage } from "../pagination/pagination.schema";
import { type Actor, writeAudit } from "../audit/audit.service";
import { fingerprintSecret, type MasterKey, sealSecret } from "../security/master-key";
import {
  overlapSeconds,
  ZAddWebhookSecret,
  ZWebhookSecretAction,
  type TAddWebhookSecretResult,
  type TWebhookSecretInfo,
  type TWebhookSecretState,
} from "../security/secops.schema";
import type { SharedStore } from "../shared-store/index";
import { WEBHOOK_SECRETS_CHANNEL, webhookSecretContext } from "./secrets";
import {
  insertWebhookSecret,
  lockLiveSecretsOf,
  lockWebhookSecret,
  selectEnvironmentLastVerified,
  selectUnsealedWebhookSecrets,
  selectWebhookSecretsPage,
  updateWebhookSecret,
  type WebhookSecretRow,
} from "./secrets.queries";
import { PROVIDERS, type TProvider } from "./webhooks.schema";

export interface WebhookSecretDeps {
  db: Db;
  masterKey: MasterKey;
  /** The environment's secrets (listed as "from environment", never shown). */
  fromEnv: Partial<Record<TProvider, string>>;
  store?: SharedStore;
}

export const ZWebhookSecretListInput = pageInput({}).prefault({});
const ZSecretKey = z.tuple([ZKeyTime, z.uuid()]);

function stateOf(row: WebhookSecretRow, now = Date.now()): TWebhookSecretState {
  if (row.revokedAt) return "REVOKED";
  if (!row.expiresAt) return "ACTIVE";
  return row.expiresAt.getTime() > now ? "EXPIRING" : "EXPIRED";
}

function toInfo(row: WebhookSecretRow): TWebhookSecretInfo {
  return {
    id: row.id,
    provider: row.provider,
    source: "stored",
    fingerprint: row.fingerprint ?? fingerprintSecret(row.secret ?? ""),
    label: row.label,
    state: stateOf(row),
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastVerifiedAt: row.lastVerifiedAt?.toISOString() ?? null,
  };
}

async function announce(store: SharedStore | undefined): Promise<void> {
  await store?.publish(WEBHOOK_SECRETS_CHANNEL, "changed").catch(() => undefined);
}

/** Seals rows stored in plain text before sealing existed (run at start). */
export async function sealStoredWebhookSecrets(db: Db, masterKey: MasterKey): Promise<number> {
  const rows = await selectUnsealedWebhookSecrets(db);
  for (const r of rows) {
    if (!r.secret) continue;
    await updateWebhookSecret(db, r.id, {
      secretSealed: sealSecret(masterKey, r.secret, webhookSecretContext(r.id)),
      fingerprint: fingerprintSecret(r.secret),
      secret: null,
    });
  }
  return rows.length;
}

/** The environment's secrets first (first page only), then stored ones newest first. */
export async function listWebhookSecrets(
  deps: Pick<WebhookSecretDeps, "db" | "fromEnv">,
  raw: unknown = {},
): Promise<TPage<TWebhookSecretInfo>> {
  const { cursor, limit } = ZWebhookSecretListInput.parse(raw);
  const rows = await selectWebhookSecretsPage(deps.db, {
    limit: limit + 1,
    before: decodeCursor(cursor, ZSecretKey),
  });
  const page = toPage(rows, limit, toInfo, (r) => [r.keyTime, r.id]);
  if (cursor) return page;
  const lastUse = new Map(
    (await selectEnvironmentLastVerified(deps.db)).map((r) => [r.provider, r.lastVerifiedAt as Date | null]),
  );
  const env: TWebhookSecretInfo[] = PROVIDERS.flatMap((provider) => {
    const secret = deps.fromEnv[provider];
    if (!secret) return [];
    const last = lastUse.get(provider);
    return [
      {
        id: null,
        provider,
        source: "environment" as const,
        fingerprint: fingerprintSecret(secret),
        label: "from environment",
        state: "ACTIVE" as const,
        createdAt: null,
        createdBy: null,
        expiresAt: null,
        revokedAt: null,
        lastVerifiedAt: last ? new Date(last).toISOString() : null,
      },
    ];
  });
  return { items: [...env, ...page.items], nextCursor: page.nextCursor };
}

/**
 * Adds a secret (given, or generated for Razorpay) valid at once; the provider's other stored
 * secrets stay valid for the overlap and then expire. Only a generated secret is returned, once.
 */
export async function addWebhookSecret(
  deps: WebhookSecretDeps,
  actor: Actor,
  raw: unknown,
): Promise<TAddWebhookSecretResult> {
  const input = ZAddWebhookSecret.parse(raw);
  const secret = input.secret ?? randomBytes(24).toString("base64url");
  const fingerprint = fingerprintSecret(secret);
  const id = randomUUID();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + overlapSeconds(input.overlap) * 1000);
  const result = await deps.db.transaction().execute(async (trx) => {
    const live = await lockLiveSecretsOf(trx, input.provider, now);
    if (live.some((r) => (r.fingerprint ?? fingerprintSecret(r.secret ?? "")) === fingerprint))
      throw new DomainError("CONFLICT", "This secret is already stored and live");
    const expiring: TAddWebhookSecretResult["expiring"] = [];
    for (const r of live) {
      if (r.expiresAt && r.expiresAt <= expiresAt) continue;
      const updated = await updateWebhookSecret(trx, r.id, { expiresAt });
      expiring.push({
        id: r.id,
        fingerprint: toInfo(updated).fingerprint,
        expiresAt: expiresAt.toISOString(),
      });
    }
    const row = await insertWebhookSecret(trx, {
      id,
      provider: input.provider,
      secretSealed: sealSecret(deps.masterKey, secret, webhookSecretContext(id)),
      fingerprint,
      label: input.label ?? (input.generate ? "generated" : "added"),
      createdBy: actor.label,
    });
    await writeAudit(trx, actor, {
      action: "webhook_secrets.add",
      target: { type: "webhook_secret", id },
      after: {
        provider: input.provider,
        fingerprint,
        generated: Boolean(input.generate),
        overlap: input.overlap,
        expiring: expiring.map((e) => ({ id: e.id, fingerprint: e.fingerprint, expiresAt: e.expiresAt })),
      },
      reason: input.reason,
    });
    return { info: toInfo(row), secret: input.generate ? secret : null, expiring };
  });
  await announce(deps.store);
  return result;
}

async function endSecret(
  deps: Pick<WebhookSecretDeps, "db" | "store">,
  actor: Actor,
  raw: unknown,
  how: "expire" | "revoke",
): Promise<TWebhookSecretInfo> {
  const input = ZWebhookSecretAction.parse(raw);
  const info = await deps.db.transaction().execute(async (trx) => {
    const row = await lockWebhookSecret(trx, input.id);
    if (!row) throw new DomainError("NOT_FOUND", "No stored webhook secret with that id");
    const state = stateOf(row);
    if (state === "REVOKED" || (how === "expire" && state === "EXPIRED")) return toInfo(row);
    const now = new Date();
    const updated = await updateWebhookSecret(
      trx,
      row.id,
      how === "revoke" ? { revokedAt: now, revokedReason: input.reason } : { expiresAt: now },
    );
    await writeAudit(trx, actor, {
      action: `webhook_secrets.${how}`,
      target: { type: "webhook_secret", id: row.id },
      before: { state, expiresAt: row.expiresAt },
      after: { state: stateOf(updated), fingerprint: updated.fingerprint },
      reason: input.reason,
    });
    return toInfo(updated);
  });
  await announce(deps.store);
  return info;
}

/** Ends the secret's overlap now (the normal end of a roll, earlier than planned). */
export const expireWebhookSecret = (
  deps: Pick<WebhookSecretDeps, "db" | "store">,
  actor: Actor,
  raw: unknown,
) => endSecret(deps, actor, raw, "expire");

/** Refuses the secret at once (it leaked). */
export const revokeWebhookSecret = (
  deps: Pick<WebhookSecretDeps, "db" | "store">,
  actor: Actor,
  raw: unknown,
) => endSecret(deps, actor, raw, "revoke");
