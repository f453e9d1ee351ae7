// Provider API keys: a live check with the key in use (Stripe: retrieve the balance; Razorpay:
// list one payment), and the guided key-rotation checklist whose steps record who did them and
// when. The API base URLs are configurable so tests (and a sandbox proxy) can stand in.
import { z } from "zod";
import Razorpay from "razorpay";
import Stripe from "stripe";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { type Actor, recordAuditEvent, writeAudit } from "../audit/audit.service";
import type { ProviderKeys } from "../system/health.service";
import type { TProvider } from "../webhooks/webhooks.schema";
import {
  findOpenRotation,
  finishRotation,
  insertRotation,
  insertRotationStep,
  lockRotation,
  selectRotationSteps,
  selectRotationsPage,
  type RotationRow,
} from "./providers.queries";
import {
  ROTATION_STEP_TEXT,
  ROTATION_STEPS,
  ZAbandonRotation,
  ZRotationListInput,
  ZRotationStepInput,
  ZStartRotation,
  type TProviderCheck,
  type TRotationInfo,
} from "./secops.schema";

export interface ProviderCheckConfig extends ProviderKeys {
  /** e.g. http://127.0.0.1:12111 for a stand-in; default https://api.stripe.com. */
  stripeApiBase?: string | undefined;
  /** Default https://api.razorpay.com. */
  razorpayApiBase?: string | undefined;
  timeoutMs?: number;
}

/** Enough of a key to recognise it (prefix and last four), never the key. */
function maskKey(key: string): string {
  const prefix = /^[a-z]+_(test|live)_/.exec(key)?.[0] ?? key.slice(0, 3);
  return `${prefix}…${key.slice(-4)}`;
}

function modeOf(key: string): "test" | "live" | null {
  if (key.includes("_live_")) return "live";
  if (key.includes("_test_")) return "test";
  return null;
}

function describeError(error: unknown): string {
  const e = error as { message?: unknown; statusCode?: unknown; error?: { description?: unknown } };
  const text =
    typeof e.error?.description === "string"
      ? e.error.description
      : typeof e.message === "string"
        ? e.message
        : String(error);
  const status = typeof e.statusCode === "number" ? `HTTP ${e.statusCode}: ` : "";
  return (status + text).slice(0, 300);
}

async function timedCheck(
  provider: TProvider,
  key: string | undefined,
  run: () => Promise<unknown>,
): Promise<TProviderCheck> {
  const checkedAt = new Date().toISOString();
  if (!key)
    return {
      provider,
      configured: false,
      key: null,
      mode: null,
      ok: false,
      latencyMs: null,
      error: "not configured",
      checkedAt,
    };
  const started = performance.now();
  try {
    await run();
    return {
      provider,
      configured: true,
      key: maskKey(key),
      mode: modeOf(key),
      ok: true,
      latencyMs: Math.round(performance.now() - started),
      error: null,
      checkedAt,
    };
  } catch (error) {
    return {
      provider,
      configured: true,
      key: maskKey(key),
      mode: modeOf(key),
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: describeError(error),
      checkedAt,
    };
  }
}

function stripeClient(config: ProviderCheckConfig, key: string): Stripe {
  const base = config.stripeApiBase ? new URL(config.stripeApiBase) : undefined;
  return new Stripe(key, {
    timeout: config.timeoutMs ?? 5_000,
    maxNetworkRetries: 0,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === "https:" ? 443 : 80),
          protocol: base.protocol === "https:" ? "https" : "http",
        }
      : {}),
  });
}

function razorpayClient(config: ProviderCheckConfig, keyId: string, keySecret: string) {
  const razorpay = new Razorpay({ key_id: keyId, key_secret: keySecret });
  // The SDK fixes its host in the constructor; its axios instance takes a new base and a timeout.
  const rq = (razorpay as unknown as { api: { rq: { defaults: { baseURL?: string; timeout?: number } } } })
    .api.rq;
  if (config.razorpayApiBase) rq.defaults.baseURL = config.razorpayApiBase.replace(/\/$/, "");
  rq.defaults.timeout = config.timeoutMs ?? 5_000;
  return razorpay;
}

/** Calls each configured provider once with the key in use; records the outcome (no key) in the audit log. */
export async function checkProviders(
  db: Db,
  actor: Actor,
  config: ProviderCheckConfig,
): Promise<TProviderCheck[]> {
  const { stripeSecretKey, razorpayKeyId, razorpayKeySecret } = config;
  const results = await Promise.all([
    timedCheck("STRIPE", stripeSecretKey, () =>
      stripeClient(config, stripeSecretKey ?? "").balance.retrieve(),
    ),
    timedCheck("RAZORPAY", razorpayKeyId && razorpayKeySecret ? razorpayKeyId : undefined, () =>
      razorpayClient(config, razorpayKeyId ?? "", razorpayKeySecret ?? "").payments.all({ count: 1 }),
    ),
  ]);
  await recordAuditEvent(db, actor, {
    action: "providers.check",
    after: results.map((r) => ({
      provider: r.provider,
      ok: r.ok,
      mode: r.mode,
      latencyMs: r.latencyMs,
      error: r.error,
    })),
  });
  return results;
}

const ZRotationKey = z.tuple([ZKeyTime, z.uuid()]);

function toRotationInfo(
  row: RotationRow,
  steps: { step: string; doneBy: string; doneAt: Date; note: string | null }[],
): TRotationInfo {
  return {
    id: row.id,
    provider: row.provider,
    status: row.status,
    reason: row.reason,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    steps: ROTATION_STEPS.map((step) => {
      const done = steps.find((s) => s.step === step);
      return {
        step,
        text: ROTATION_STEP_TEXT[step],
        doneBy: done?.doneBy ?? null,
        doneAt: done?.doneAt.toISOString() ?? null,
        note: done?.note ?? null,
      };
    }),
  };
}

export async function listKeyRotations(db: Db, raw: unknown = {}): Promise<TPage<TRotationInfo>> {
  const { cursor, limit } = ZRotationListInput.parse(raw);
  const rows = await selectRotationsPage(db, {
    limit: limit + 1,
    before: decodeCursor(cursor, ZRotationKey),
  });
  const steps = await selectRotationSteps(
    db,
    rows.map((r) => r.id),
  );
  return toPage(
    rows,
    limit,
    (r) =>
      toRotationInfo(
        r,
        steps.filter((s) => s.rotationId === r.id),
      ),
    (r) => [r.keyTime, r.id],
  );
}

/** Opens the provider's checklist (one open per provider). */
export async function startKeyRotation(db: Db, actor: Actor, raw: unknown): Promise<TRotationInfo> {
  const input = ZStartRotation.parse(raw);
  return db.transaction().execute(async (trx) => {
    if (await findOpenRotation(trx, input.provider))
      throw new DomainError(
        "CONFLICT",
        `A ${input.provider} key rotation is already open; finish or abandon it first`,
      );
    const row = await insertRotation(trx, {
      provider: input.provider,
      reason: input.reason,
      createdBy: actor.label,
    });
    await writeAudit(trx, actor, {
      action: "providers.rotation_start",
      target: { type: "provider_key_rotation", id: row.id },
      after: { provider: row.provider },
      reason: input.reason,
    });
    return toRotationInfo(row, []);
  });
}

/** Marks a step done (by the actor, now); the last step completes the checklist. Idempotent. */
export async function completeRotationStep(db: Db, actor: Actor, raw: unknown): Promise<TRotationInfo> {
  const input = ZRotationStepInput.parse(raw);
  return db.transaction().execute(async (trx) => {
    let row = await lockRotation(trx, input.rotationId);
    if (!row) throw new DomainError("NOT_FOUND", "No key rotation with that id");
    if (row.status !== "OPEN")
      throw new DomainError("PRECONDITION_FAILED", `This rotation is ${row.status.toLowerCase()}`);
    const before = await selectRotationSteps(trx, [row.id]);
    const order = ROTATION_STEPS.indexOf(input.step);
    const missing = ROTATION_STEPS.slice(0, order).filter((s) => !before.some((b) => b.step === s));
    if (missing.length)
      throw new DomainError(
        "PRECONDITION_FAILED",
        `Do the earlier steps first: ${missing.map((s) => ROTATION_STEP_TEXT[s]).join("; ")}`,
      );
    const added = await insertRotationStep(trx, {
      rotationId: row.id,
      step: input.step,
      doneBy: actor.label ?? actor.type,
      note: input.note ?? null,
    });
    if (added) {
      if (input.step === "REVOKE_OLD_KEY") row = await finishRotation(trx, row.id, "COMPLETED");
      await writeAudit(trx, actor, {
        action: "providers.rotation_step",
        target: { type: "provider_key_rotation", id: row.id },
        after: { provider: row.provider, step: input.step, status: row.status },
        reason: input.note ?? null,
      });
    }
    return toRotationInfo(row, await selectRotationSteps(trx, [row.id]));
  });
}

export async function abandonKeyRotation(db: Db, actor: Actor, raw: unknown): Promise<TRotationInfo> {
  const input = ZAbandonRotation.parse(raw);
  return db.transaction().execute(async (trx) => {
    const row = await lockRotation(trx, input.rotationId);
    if (!row) throw new DomainError("NOT_FOUND", "No key rotation with that id");
    if (row.status !== "OPEN") return toRotationInfo(row, await selectRotationSteps(trx, [row.id]));
    const updated = await finishRotation(trx, row.id, "ABANDONED");
    await writeAudit(trx, actor, {
      action: "providers.rotation_abandon",
      target: { type: "provider_key_rotation", id: row.id },
      reason: input.reason,
    });
    return toRotationInfo(updated, await selectRotationSteps(trx, [row.id]));
  });
}
