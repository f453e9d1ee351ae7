// Notification channels (Slack-compatible webhook, generic HMAC-signed webhook, SMTP e-mail),
// routed by severity. Each delivery is a row plus a graphile-worker job queued in the same
// transaction; the job sends, records the attempt, and throws so the queue retries with backoff.
// Channel secrets (URLs, signing keys, SMTP passwords) are read only by the sender and are never
// answered, logged or audited.
import { createHmac, randomBytes } from "node:crypto";
import nodemailer from "nodemailer";
import { type Actor, writeAudit } from "../audit/audit.service";
import type { Db, DbOrTrx, Trx } from "../db/database";
import { DomainError } from "../errors";
import { enqueueJob, JOB } from "../jobs/queue";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { z } from "zod";
import {
  deleteChannel,
  insertChannel,
  insertDelivery,
  selectChannel,
  selectChannelForDelivery,
  selectChannels,
  selectDeliveries,
  selectDeliveryRow,
  selectDeliveryView,
  updateChannel,
  updateDelivery,
  type AlertRow,
  type AlertRuleRow,
} from "./monitoring.queries";
import {
  ZCreateChannel,
  ZDeliveryListInput,
  ZSetChannelEnabled,
  type TChannel,
  type TDelivery,
  type TDeliveryEvent,
} from "./monitoring.schema";

/** Attempts per delivery; graphile-worker backs off exp(attempt) seconds between them. */
export const DELIVERY_MAX_ATTEMPTS = 5;
export const SIGNATURE_HEADER = "x-radha-signature";
const SEND_TIMEOUT_MS = 10_000;

type ChannelSecret = { url: string; signingSecret?: string } | { smtpPassword?: string };
interface EmailSettings {
  to: string[];
  from: string;
  smtpHost: string;
  smtpPort: number;
  smtpSecure: boolean;
  smtpUser?: string;
}

type ChannelRow = Awaited<ReturnType<typeof selectChannels>>[number];

function toChannel(r: ChannelRow): TChannel {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    severities: r.severities,
    enabled: r.enabled,
    targetHint: r.targetHint,
    createdAt: r.createdAt.toISOString(),
  };
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === "23505";
}

/** The channel, and for a generic webhook its signing secret: shown this once only. */
export async function createChannel(
  db: Db,
  actor: Actor,
  raw: unknown,
): Promise<{ channel: TChannel; signingSecret: string | null }> {
  const input = ZCreateChannel.parse(raw);
  let settings: Record<string, unknown> = {};
  let secret: ChannelSecret;
  let targetHint: string;
  let signingSecret: string | null = null;
  if (input.kind === "EMAIL") {
    const { to, from, smtpHost, smtpPort, smtpSecure, smtpUser } = input;
    settings = { to, from, smtpHost, smtpPort, smtpSecure, ...(smtpUser ? { smtpUser } : {}) };
    secret = input.smtpPassword ? { smtpPassword: input.smtpPassword } : {};
    targetHint = `${to.join(", ")} via ${smtpHost}:${smtpPort}`;
  } else {
    const url = new URL(input.url);
    targetHint = `${url.protocol}//${url.host}/…`;
    if (input.kind === "WEBHOOK") {
      signingSecret = input.signingSecret ?? `whsec_${randomBytes(24).toString("base64url")}`;
      secret = { url: input.url, signingSecret };
    } else secret = { url: input.url };
  }
  try {
    const channel = await db.transaction().execute(async (trx) => {
      const row = await insertChannel(trx, {
        name: input.name,
        kind: input.kind,
        severities: [...new Set(input.severities)].sort(),
        settings: JSON.stringify(settings),
        targetHint,
        secret: JSON.stringify(secret),
        createdBy: actor.label,
      });
      await writeAudit(trx, actor, {
        action: "notifications.create_channel",
        target: { type: "notification_channel", id: row.id },
        after: { name: row.name, kind: row.kind, severities: row.severities, target: targetHint },
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

export async function listChannels(db: DbOrTrx): Promise<TChannel[]> {
  return (await selectChannels(db)).map(toChannel);
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
  channel: NonNullable<Awaited<ReturnType<typeof selectChannelForDelivery>>>,
  deliveryId: string,
  payload: Record<string, unknown>,
): Promise<void> {
  const secret = channel.secret as ChannelSecret;
  if (channel.kind === "SLACK" && "url" in secret) {
    await postJson(secret.url, JSON.stringify({ text: textBody(payload) }), {});
    return;
  }
  if (channel.kind === "WEBHOOK" && "url" in secret) {
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
    const password = "smtpPassword" in secret ? secret.smtpPassword : undefined;
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
export async function deliverNotification(db: Db, deliveryId: string): Promise<TDelivery> {
  const delivery = await selectDeliveryRow(db, deliveryId);
  if (!delivery) throw new DomainError("NOT_FOUND", `No delivery ${deliveryId}`);
  if (delivery.status === "SENT" || delivery.status === "FAILED") return getDelivery(db, deliveryId);
  const channel = await selectChannelForDelivery(db, delivery.channelId);
  const attempts = delivery.attempts + 1;
  try {
    if (!channel) throw new Error("channel deleted");
    await send(channel, deliveryId, delivery.payload as Record<string, unknown>);
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
