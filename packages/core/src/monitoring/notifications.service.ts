// Notification channels (Slack-compatible webhook, generic HMAC-signed webhook, SMTP e-mail),
// routed by severity. Each delivery is a row plus a graphile-worker job queued in the same
// transaction; the job sends, records the attempt, and throws so the queue retries with backoff.
// Channel secrets (URLs, signing keys, SMTP passwords) are sealed with the master key
// (secret_sealed, AES-256-GCM with the channel id as additional data), opened only by the sender,
// and never answered, logged or audited: reads show the host, the URL's last 4 characters and a
// fingerprint. Rows stored plain before sealing existed are sealed at start-up
// (sealStoredChannelSecrets) and, should one still be met, by the delivery job that reads it.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import nodemailer from "nodemailer";
import { type Actor, writeAudit } from "../audit/audit.service";
import type { Db, DbOrTrx, Trx } from "../db/database";
import { DomainError } from "../errors";
import { enqueueJob, JOB } from "../jobs/queue";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { fingerprintSecret, type MasterKey, openSecret, sealSecret } from "../security/master-key";
import { z } from "zod";
import {
  deleteChannel,
  insertChannel,
  insertDelivery,
  lockChannelWithSecret,
  selectChannel,
  selectChannelForDelivery,
  selectChannels,
  selectDeliveries,
  selectDeliveryRow,
  selectDeliveryView,
  selectUnsealedChannels,
  updateChannel,
  updateDelivery,
  type AlertRow,
  type AlertRuleRow,
} from "./monitoring.queries";
import {
  ZCreateChannel,
  ZDeliveryListInput,
  ZSetChannelEnabled,
  ZUpdateChannel,
  type TChannel,
  type TChannelKind,
  type TDelivery,
  type TDeliveryEvent,
} from "./monitoring.schema";

/** Attempts per delivery; graphile-worker backs off exp(attempt) seconds between them. */
export const DELIVERY_MAX_ATTEMPTS = 5;
export const SIGNATURE_HEADER = "x-radha-signature";
const SEND_TIMEOUT_MS = 10_000;

/** What sealing channel secrets needs: the database and the master key. */
export interface ChannelDeps {
  db: Db;
  masterKey: MasterKey;
}

interface ChannelSecret {
  url?: string;
  signingSecret?: string;
  smtpPassword?: string;
}
interface EmailSettings {
  to: string[];
  from: string;
  smtpHost: string;
  smtpPort: number;
  smtpSecure: boolean;
  smtpUser?: string;
}

type ChannelRow = Awaited<ReturnType<typeof selectChannels>>[number];
type ChannelSecretRow = NonNullable<Awaited<ReturnType<typeof selectChannelForDelivery>>>;

/** The sealed value's additional data: a sealed secret copied onto another channel does not open. */
export const channelSecretContext = (id: string) => `notification_channel:${id}`;

function sealChannelSecret(masterKey: MasterKey, id: string, secret: ChannelSecret) {
  const json = JSON.stringify(secret);
  return {
    secretSealed: sealSecret(masterKey, json, channelSecretContext(id)),
    secretFingerprint: fingerprintSecret(json),
    secret: null,
  };
}

/** Sealed value first; a plain row (written before sealing) as a fallback. */
function openChannelSecret(masterKey: MasterKey, row: ChannelSecretRow): ChannelSecret {
  if (row.secretSealed)
    return JSON.parse(openSecret(masterKey, row.secretSealed, channelSecretContext(row.id))) as ChannelSecret;
  return row.secret ?? {};
}

/** `hooks.slack.com/…abcd`: the host and the URL's last 4 characters, enough to tell hooks apart. */
export function urlHint(raw: string): string {
  const url = new URL(raw);
  const tail = raw.length > 24 ? raw.slice(-4) : "";
  return `${url.host}/…${tail}`;
}

function emailHint(s: EmailSettings): string {
  return `${s.to.join(", ")} via ${s.smtpHost}:${s.smtpPort}`;
}

function toChannel(r: ChannelRow): TChannel {
  const s = r.settings as Partial<EmailSettings> & { hasPassword?: boolean };
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    severities: r.severities,
    enabled: r.enabled,
    targetHint: r.targetHint,
    secretFingerprint: r.secretFingerprint,
    email:
      r.kind === "EMAIL"
        ? {
            to: s.to ?? [],
            from: s.from ?? "",
            smtpHost: s.smtpHost ?? "",
            smtpPort: s.smtpPort ?? 587,
            smtpSecure: s.smtpSecure ?? false,
            smtpUser: s.smtpUser ?? null,
            hasPassword: s.hasPassword ?? false,
          }
        : null,
    createdAt: r.createdAt.toISOString(),
  };
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === "23505";
}

function emailSettings(s: EmailSettings, hasPassword: boolean): Record<string, unknown> {
  const { to, from, smtpHost, smtpPort, smtpSecure, smtpUser } = s;
  return { to, from, smtpHost, smtpPort, smtpSecure, ...(smtpUser ? { smtpUser } : {}), hasPassword };
}

/** The channel, and for a generic webhook its signing secret: shown this once only. */
export async function createChannel(
  deps: ChannelDeps,
  actor: Actor,
  raw: unknown,
): Promise<{ channel: TChannel; signingSecret: string | null }> {
  const input = ZCreateChannel.parse(raw);
  const id = randomUUID();
  let settings: Record<string, unknown> = {};
  let secret: ChannelSecret;
  let targetHint: string;
  let signingSecret: string | null = null;
  if (input.kind === "EMAIL") {
    settings = emailSettings(input, Boolean(input.smtpPassword));
    secret = input.smtpPassword ? { smtpPassword: input.smtpPassword } : {};
    targetHint = emailHint(input);
  } else {
    targetHint = urlHint(input.url);
    if (input.kind === "WEBHOOK") {
      signingSecret = input.signingSecret ?? `whsec_${randomBytes(24).toString("base64url")}`;
      secret = { url: input.url, signingSecret };
    } else secret = { url: input.url };
  }
  try {
    const channel = await deps.db.transaction().execute(async (trx) => {
      const row = await insertChannel(trx, {
        id,
        name: input.name,
        kind: input.kind,
        severities: [...new Set(input.severities)].sort(),
        settings: JSON.stringify(settings),
        targetHint,
        ...sealChannelSecret(deps.masterKey, id, secret),
        createdBy: actor.label,
      });
      await writeAudit(trx, actor, {
        action: "notifications.create_channel",
        target: { type: "notification_channel", id: row.id },
        after: {
          name: row.name,
          kind: row.kind,
          severities: row.severities,
          target: targetHint,
          secretFingerprint: row.secretFingerprint,
        },
      });
      return toChannel(row);
    });
    return {
      channel,
      signingSecret: input.kind === "WEBHOOK" && !input.signingSecret ? signingSecret : null,
    };
  } catch (e) {
    if (isUniqueViolation(e))
      throw new DomainError("CONFLICT", `name: a channel named "${input.name}" exists`);
    throw e;
  }
}

const URL_FIELDS = ["url", "signingSecret"] as const;
const EMAIL_FIELDS = [
  "to",
  "from",
  "smtpHost",
  "smtpPort",
  "smtpSecure",
  "smtpUser",
  "smtpPassword",
] as const;

function refuseForeignFields(kind: TChannelKind, input: Record<string, unknown>): void {
  const foreign =
    kind === "EMAIL"
      ? URL_FIELDS.filter((f) => input[f] !== undefined)
      : [...EMAIL_FIELDS, ...(kind === "SLACK" ? (["signingSecret"] as const) : [])].filter(
          (f) => input[f] !== undefined,
        );
  if (foreign.length)
    throw new DomainError(
      "BAD_REQUEST",
      `${foreign[0]}: not a setting of a ${kind.toLowerCase()} channel (it cannot change kind; add a new one)`,
    );
}

/**
 * Edits name, severities and settings; secrets are replaced only when given. The audit event
 * names what changed (a secret as "replaced", with the new fingerprint), never a value.
 */
export async function editChannel(deps: ChannelDeps, actor: Actor, raw: unknown): Promise<TChannel> {
  const input = ZUpdateChannel.parse(raw);
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const row = await lockChannelWithSecret(trx, input.id);
      if (!row) throw new DomainError("NOT_FOUND", `No channel ${input.id}`);
      refuseForeignFields(row.kind, input);
      const secret = openChannelSecret(deps.masterKey, row);
      const changed: string[] = [];
      const patch: Parameters<typeof updateChannel>[2] = {};
      if (input.name !== undefined && input.name !== row.name) {
        patch.name = input.name;
        changed.push("name");
      }
      if (input.severities) {
        const severities = [...new Set(input.severities)].sort();
        if (severities.join() !== row.severities.join()) {
          patch.severities = severities;
          changed.push("severities");
        }
      }
      let secretChanged = false;
      if (row.kind === "EMAIL") {
        const before = row.settings as EmailSettings;
        const next: EmailSettings = {
          to: input.to ?? before.to,
          from: input.from ?? before.from,
          smtpHost: input.smtpHost ?? before.smtpHost,
          smtpPort: input.smtpPort ?? before.smtpPort,
          smtpSecure: input.smtpSecure ?? before.smtpSecure,
          ...((input.smtpUser === undefined ? before.smtpUser : input.smtpUser)
            ? { smtpUser: (input.smtpUser === undefined ? before.smtpUser : input.smtpUser) ?? "" }
            : {}),
        };
        for (const f of ["to", "from", "smtpHost", "smtpPort", "smtpSecure", "smtpUser"] as const)
          if (JSON.stringify(next[f]) !== JSON.stringify(before[f])) changed.push(f);
        if (input.smtpPassword !== undefined) {
          secretChanged = true;
          if (input.smtpPassword) secret.smtpPassword = input.smtpPassword;
          else delete secret.smtpPassword;
          changed.push("smtpPassword");
        }
        patch.settings = JSON.stringify(emailSettings(next, Boolean(secret.smtpPassword)));
        patch.targetHint = emailHint(next);
      } else {
        if (input.url !== undefined && input.url !== secret.url) {
          secret.url = input.url;
          patch.targetHint = urlHint(input.url);
          secretChanged = true;
          changed.push("url");
        }
        if (input.signingSecret !== undefined && input.signingSecret !== secret.signingSecret) {
          secret.signingSecret = input.signingSecret;
          secretChanged = true;
          changed.push("signingSecret");
        }
      }
      if (secretChanged || !row.secretSealed)
        Object.assign(patch, sealChannelSecret(deps.masterKey, row.id, secret));
      const updated = await updateChannel(trx, row.id, patch);
      if (!updated) throw new DomainError("NOT_FOUND", `No channel ${input.id}`);
      await writeAudit(trx, actor, {
        action: "notifications.update_channel",
        target: { type: "notification_channel", id: row.id },
        before: { name: row.name, severities: row.severities, target: row.targetHint },
        after: {
          changed,
          name: updated.name,
          severities: updated.severities,
          target: updated.targetHint,
          ...(secretChanged ? { secretFingerprint: updated.secretFingerprint } : {}),
        },
      });
      return toChannel(updated);
    });
  } catch (e) {
    if (isUniqueViolation(e))
      throw new DomainError("CONFLICT", `name: a channel named "${input.name}" exists`);
    throw e;
  }
}

/** Seals channel secrets stored in plain text before sealing existed (run at start). */
export async function sealStoredChannelSecrets(db: Db, masterKey: MasterKey): Promise<number> {
  const rows = await selectUnsealedChannels(db);
  for (const r of rows) await updateChannel(db, r.id, sealChannelSecret(masterKey, r.id, r.secret ?? {}));
  return rows.length;
}

export async function listChannels(db: DbOrTrx): Promise<TChannel[]> {
  return (await selectChannels(db)).map(toChannel);
}

export async function getChannel(db: DbOrTrx, id: string): Promise<TChannel> {
  const row = await selectChannel(db, id);
  if (!row) throw new DomainError("NOT_FOUND", `No channel ${id}`);
  return toChannel(row);
}

export async function setChannelEnabled(db: Db, actor: Actor, raw: unknown): Promise<TChannel> {
  const input = ZSetChannelEnabled.parse(raw);
  return db.transaction().execute(async (trx) => {
    const row = await updateChannel(trx, input.id, { enabled: input.enabled });
    if (!row) throw new DomainError("NOT_FOUND", `No channel ${input.id}`);
    await writeAudit(trx, actor, {
      action: "notifications.set_channel_enabled",
      target: { type: "notification_channel", id: row.id },
      after: { enabled: input.enabled },
    });
    return toChannel(row);
  });
}

export async function removeChannel(db: Db, actor: Actor, id: string): Promise<{ id: string }> {
  return db.transaction().execute(async (trx) => {
    const row = await deleteChannel(trx, id);
    if (!row) throw new DomainError("NOT_FOUND", `No channel ${id}`);
    await writeAudit(trx, actor, {
      action: "notifications.delete_channel",
      target: { type: "notification_channel", id },
      before: { name: row.name, kind: row.kind },
    });
    return { id };
  });
}

function alertPayload(alert: AlertRow, rule: Pick<AlertRuleRow, "key" | "name">) {
  return {
    id: alert.id,
    rule: rule.key,
    ruleName: rule.name,
    severity: alert.severity,
    subject: alert.subject,
    status: alert.status,
    message: alert.message,
    value: alert.value,
    threshold: alert.threshold,
    firedAt: alert.firedAt.toISOString(),
    resolvedAt: alert.resolvedAt?.toISOString() ?? null,
  };
}

async function queueDelivery(
  trx: Trx,
  channelId: string,
  event: TDeliveryEvent,
  payload: Record<string, unknown>,
  alertId: string | null,
): Promise<string> {
  const row = await insertDelivery(trx, {
    channelId,
    alertId,
    event,
    maxAttempts: DELIVERY_MAX_ATTEMPTS,
    payload: JSON.stringify(payload),
  });
  await enqueueJob(
    trx,
    JOB.notificationDeliver,
    { deliveryId: row.id },
    { maxAttempts: DELIVERY_MAX_ATTEMPTS },
  );
  return row.id;
}

/** One delivery per enabled channel routed this alert's severity, inside the alert's transaction. */
export async function queueNotifications(
  trx: Trx,
  alert: AlertRow,
  rule: Pick<AlertRuleRow, "key" | "name">,
  event: "ALERT_FIRING" | "ALERT_RESOLVED",
): Promise<string[]> {
  const channels = (await selectChannels(trx)).filter(
    (c) => c.enabled && c.severities.includes(alert.severity),
  );
  const ids: string[] = [];
  for (const c of channels)
    ids.push(await queueDelivery(trx, c.id, event, { event, alert: alertPayload(alert, rule) }, alert.id));
  return ids;
}

/** The console's test button: a TEST delivery through the same job and sender. */
export async function testChannel(db: Db, actor: Actor, id: string): Promise<{ deliveryId: string }> {
  return db.transaction().execute(async (trx) => {
    const channel = await selectChannel(trx, id);
    if (!channel) throw new DomainError("NOT_FOUND", `No channel ${id}`);
    const deliveryId = await queueDelivery(
      trx,
      id,
      "TEST",
      {
        event: "TEST",
        message: `Test notification for channel "${channel.name}" from ${actor.label ?? "ops"}`,
      },
      null,
    );
    await writeAudit(trx, actor, {
      action: "notifications.test_channel",
      target: { type: "notification_channel", id },
      after: { deliveryId },
    });
    return { deliveryId };
  });
}

function subjectLine(payload: Record<string, unknown>): string {
  const alert = payload.alert as ReturnType<typeof alertPayload> | undefined;
  if (!alert) return typeof payload.message === "string" ? payload.message : "RadhaGsareees Ops notification";
  const verb = payload.event === "ALERT_RESOLVED" ? "RESOLVED" : "FIRING";
  return `[${alert.severity} ${verb}] ${alert.ruleName}${alert.subject ? ` (${alert.subject})` : ""}`;
}

function textBody(payload: Record<string, unknown>): string {
  const alert = payload.alert as ReturnType<typeof alertPayload> | undefined;
  if (!alert) return typeof payload.message === "string" ? payload.message : "";
  return `${subjectLine(payload)}\n${alert.message}\nFired at ${alert.firedAt}${alert.resolvedAt ? `, resolved at ${alert.resolvedAt}` : ""}`;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as receivers verify it. */
export function signWebhookBody(
  secret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

async function postJson(url: string, body: string, headers: Record<string, string>): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      redirect: "error",
    });
  } catch (e) {
    // Name the failure without the URL (it is the secret for Slack-style hooks).
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new Error(`could not reach ${new URL(url).host}: ${cause}`, { cause: e });
  }
  await res.body?.cancel();
  if (!res.ok) throw new Error(`${new URL(url).host} answered HTTP ${res.status}`);
}

async function send(
  channel: ChannelSecretRow,
  secret: ChannelSecret,
  deliveryId: string,
  payload: Record<string, unknown>,
): Promise<void> {
  if (channel.kind === "SLACK" && secret.url) {
    await postJson(secret.url, JSON.stringify({ text: textBody(payload) }), {});
    return;
  }
  if (channel.kind === "WEBHOOK" && secret.url) {
    const body = JSON.stringify({ deliveryId, ...payload });
    await postJson(secret.url, body, {
      [SIGNATURE_HEADER]: signWebhookBody(secret.signingSecret ?? "", body),
      "x-radha-delivery": deliveryId,
      "x-radha-event": String(payload.event),
    });
    return;
  }
  if (channel.kind === "EMAIL") {
    const s = channel.settings as EmailSettings;
    const password = secret.smtpPassword;
    const transport = nodemailer.createTransport({
      host: s.smtpHost,
      port: s.smtpPort,
      secure: s.smtpSecure,
      connectionTimeout: SEND_TIMEOUT_MS,
      greetingTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
      ...(s.smtpUser ? { auth: { user: s.smtpUser, pass: password ?? "" } } : {}),
    });
    try {
      await transport.sendMail({
        from: s.from,
        to: s.to,
        subject: subjectLine(payload),
        text: textBody(payload),
      });
    } catch (e) {
      const err = e as { code?: string; responseCode?: number };
      throw new Error(
        `SMTP ${s.smtpHost}:${s.smtpPort} refused: ${err.code ?? ""} ${err.responseCode ?? ""}`.trim(),
        { cause: e },
      );
    } finally {
      transport.close();
    }
    return;
  }
  throw new Error(`channel ${channel.id} has no usable configuration`);
}

/**
 * Sends one delivery (the job's body). Records the attempt; on failure throws so the queue
 * retries, and marks the delivery FAILED once its attempts are spent.
 */
export async function deliverNotification(deps: ChannelDeps, deliveryId: string): Promise<TDelivery> {
  const { db } = deps;
  const delivery = await selectDeliveryRow(db, deliveryId);
  if (!delivery) throw new DomainError("NOT_FOUND", `No delivery ${deliveryId}`);
  if (delivery.status === "SENT" || delivery.status === "FAILED") return getDelivery(db, deliveryId);
  const channel = await selectChannelForDelivery(db, delivery.channelId);
  const attempts = delivery.attempts + 1;
  try {
    if (!channel) throw new Error("channel deleted");
    const secret = openChannelSecret(deps.masterKey, channel);
    // A row still plain (written by an older instance during a rolling deploy): seal it now.
    if (!channel.secretSealed)
      await updateChannel(db, channel.id, sealChannelSecret(deps.masterKey, channel.id, secret));
    await send(channel, secret, deliveryId, delivery.payload as Record<string, unknown>);
    await updateDelivery(db, deliveryId, { status: "SENT", attempts, sentAt: new Date(), lastError: null });
  } catch (e) {
    const message = (e as Error).message.slice(0, 500);
    const last = attempts >= delivery.maxAttempts || !channel;
    await updateDelivery(db, deliveryId, {
      status: last ? "FAILED" : "RETRYING",
      attempts,
      lastError: message,
    });
    if (!last)
      throw new Error(`notification ${deliveryId} attempt ${attempts} failed: ${message}`, { cause: e });
  }
  return getDelivery(db, deliveryId);
}

const ZDeliveryKey = z.tuple([ZKeyTime, z.uuid()]);
type DeliveryRow = NonNullable<Awaited<ReturnType<typeof selectDeliveryView>>>;

function toDelivery(r: DeliveryRow): TDelivery {
  return {
    id: r.id,
    channelId: r.channelId,
    channelName: r.channelName,
    alertId: r.alertId,
    event: r.event,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.maxAttempts,
    lastError: r.lastError,
    createdAt: r.createdAt.toISOString(),
    sentAt: r.sentAt?.toISOString() ?? null,
  };
}

export async function listDeliveries(db: DbOrTrx, raw: unknown = {}): Promise<TPage<TDelivery>> {
  const { cursor, limit, status, channelId } = ZDeliveryListInput.parse(raw);
  const before = decodeCursor(cursor, ZDeliveryKey);
  const rows = await selectDeliveries(db, { status, channelId }, { limit: limit + 1, before });
  return toPage(rows, limit, toDelivery, (r) => [r.keyTime, r.id]);
}

export async function getDelivery(db: DbOrTrx, id: string): Promise<TDelivery> {
  const row = await selectDeliveryView(db, id);
  if (!row) throw new DomainError("NOT_FOUND", `No delivery ${id}`);
  return toDelivery(row);
}
