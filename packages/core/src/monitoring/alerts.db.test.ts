// Alert rules against real receivers: a local HTTP server and a local SMTP server (smtp-server).
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../audit/audit.service";
import { listAuditEvents } from "../audit/audit.service";
import { openSecret } from "../security/master-key";
import { createTestDatabase, TEST_MASTER_KEY, type TestDatabase } from "../testing/index";
import { evaluateAlertRules, listAlertRules, listAlerts, updateAlertRule } from "./alerts.service";
import {
  channelSecretContext,
  createChannel,
  deliverNotification,
  editChannel,
  getChannel,
  listChannels,
  sealStoredChannelSecrets,
  listDeliveries,
  SIGNATURE_HEADER,
} from "./notifications.service";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let t: TestDatabase;
let http: Server;
let httpUrl: string;
let failWith = 0;
const received: Received[] = [];
let smtp: SMTPServer;
let smtpPort: number;
const mails: { to: string[]; data: string }[] = [];
const admin: Actor = { type: "USER", id: null, label: "admin@radha.test" };
const deps = () => ({ db: t.db, masterKey: TEST_MASTER_KEY });

beforeAll(async () => {
  t = await createTestDatabase();
  http = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (failWith) {
        res.writeHead(failWith).end("down");
        return;
      }
      received.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      let data = "";
      stream.on("data", (c: Buffer) => (data += c.toString()));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await new Promise<void>((resolve) => smtp.close(resolve));
  await t.drop();
});

async function deliverPending(): Promise<void> {
  const { items } = await listDeliveries(t.db, { limit: 200 });
  for (const d of items.filter((x) => x.status === "PENDING")) await deliverNotification(deps(), d.id);
}

const rss = (value: number) => [{ metric: "process_rss_mb", subject: "", value }];

describe("alert rules → notifications", () => {
  let signingSecret: string;

  it("creates channels whose secrets are never answered", async () => {
    const hook = await createChannel(deps(), admin, {
      kind: "WEBHOOK",
      name: "pager",
      url: `${httpUrl}/hook?token=s3cret-in-url`,
      severities: ["P0", "P1", "P2"],
    });
    signingSecret = hook.signingSecret ?? "";
    expect(signingSecret).toMatch(/^whsec_/);
    await createChannel(deps(), admin, {
      kind: "EMAIL",
      name: "oncall-mail",
      to: ["oncall@radha.test"],
      from: "ops@radha.test",
      smtpHost: "127.0.0.1",
      smtpPort,
      severities: ["P2"],
    });
    await createChannel(deps(), admin, {
      kind: "SLACK",
      name: "slack-p0",
      url: `${httpUrl}/slack`,
      severities: ["P0"],
    });
    const listed = JSON.stringify(await listChannels(t.db));
    expect(listed).not.toContain("s3cret-in-url");
    expect(listed).not.toContain(signingSecret);
    expect(JSON.stringify(await getChannel(t.db, hook.channel.id))).not.toContain(signingSecret);
    expect(hook.channel).toMatchObject({
      targetHint: "127.0.0.1:" + new URL(httpUrl).port + "/…-url",
      secretFingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
      email: null,
    });
    const audit = JSON.stringify(await listAuditEvents(t.db, { action: "notifications.create_channel" }));
    expect(audit).not.toContain("s3cret-in-url");
    expect(audit).not.toContain(signingSecret);
  });

  it("stores channel secrets sealed: no plaintext in the row, opens only with the key and its own row", async () => {
    const { rows } = await sql<{ id: string; name: string; row: string; secretSealed: string }>`
      SELECT id, name, row_to_json(c)::text AS row, secret_sealed FROM notification_channels c`.execute(t.db);
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.row).not.toContain("s3cret-in-url");
      expect(r.row).not.toContain(signingSecret);
      expect(r.row).not.toContain(httpUrl);
      expect(r.secretSealed).toMatch(/^v1:/);
    }
    const pager = rows.find((r) => r.name === "pager");
    if (!pager) throw new Error("pager channel missing");
    expect(
      JSON.parse(openSecret(TEST_MASTER_KEY, pager.secretSealed, channelSecretContext(pager.id))),
    ).toEqual({ url: `${httpUrl}/hook?token=s3cret-in-url`, signingSecret });
    const other = rows.find((r) => r.name !== "pager");
    expect(() =>
      openSecret(TEST_MASTER_KEY, pager.secretSealed, channelSecretContext(other?.id ?? "")),
    ).toThrow(/does not open/);
  });

  it("seals a row stored plain before sealing existed, at start-up", async () => {
    const id = "00000000-0000-4000-8000-0000000000aa";
    await sql`
      INSERT INTO notification_channels (id, name, kind, severities, target_hint, secret, enabled)
      VALUES (${id}, 'legacy', 'SLACK', '{P3}', 'legacy', ${JSON.stringify({ url: `${httpUrl}/legacy-plain-token` })}::jsonb, false)`.execute(
      t.db,
    );
    expect(await sealStoredChannelSecrets(t.db, TEST_MASTER_KEY)).toBe(1);
    expect(await sealStoredChannelSecrets(t.db, TEST_MASTER_KEY)).toBe(0);
    const { rows } = await sql<{ row: string; secretSealed: string }>`
      SELECT row_to_json(c)::text AS row, secret_sealed FROM notification_channels c WHERE id = ${id}`.execute(
      t.db,
    );
    expect(rows[0]?.row).not.toContain("legacy-plain-token");
    expect(openSecret(TEST_MASTER_KEY, rows[0]?.secretSealed ?? "", channelSecretContext(id))).toContain(
      "legacy-plain-token",
    );
    await sql`DELETE FROM notification_channels WHERE id = ${id}`.execute(t.db);
  });

  it("edits a channel: settings change, a secret is replaced only when given, the audit names no value", async () => {
    const mail = (await listChannels(t.db)).find((c) => c.name === "oncall-mail");
    if (!mail) throw new Error("oncall-mail missing");
    expect(mail.email).toMatchObject({ smtpHost: "127.0.0.1", smtpPort, hasPassword: false });
    const edited = await editChannel(deps(), admin, {
      id: mail.id,
      smtpUser: "alerts",
      smtpPassword: "pa55-w0rd-secret",
      to: ["oncall@radha.test", "owner@radha.test"],
    });
    expect(edited.email).toMatchObject({ smtpUser: "alerts", hasPassword: true });
    expect(edited.targetHint).toBe(`oncall@radha.test, owner@radha.test via 127.0.0.1:${smtpPort}`);
    expect(edited.secretFingerprint).not.toBe(mail.secretFingerprint);
    expect(JSON.stringify(edited)).not.toContain("pa55-w0rd-secret");
    const audit = JSON.stringify(await listAuditEvents(t.db, { action: "notifications.update_channel" }));
    expect(audit).toContain("smtpPassword");
    expect(audit).not.toContain("pa55-w0rd-secret");
    const { rows } = await sql<{ row: string }>`
      SELECT row_to_json(c)::text AS row FROM notification_channels c WHERE id = ${mail.id}`.execute(t.db);
    expect(rows[0]?.row).not.toContain("pa55-w0rd-secret");
    await expect(editChannel(deps(), admin, { id: mail.id, url: "https://example.test/x" })).rejects.toThrow(
      /url: not a setting of a email channel/,
    );
    // Back as it was (no user, no password, one recipient) for the delivery tests below.
    const back = await editChannel(deps(), admin, {
      id: mail.id,
      smtpUser: null,
      smtpPassword: null,
      to: ["oncall@radha.test"],
    });
    expect(back.email).toMatchObject({ smtpUser: null, hasPassword: false, to: ["oncall@radha.test"] });
  });

  it("fires once after the breach held for its duration, notifies HTTP and SMTP, and resolves on recovery", async () => {
    const rule = (await listAlertRules(t.db)).find((r) => r.key === "memory");
    expect(rule).toMatchObject({ threshold: 512, holdSeconds: 600, severity: "P2" });
    const t0 = new Date("2026-12-01T10:00:00Z");
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

    for (const minute of [0, 5, 9]) {
      const r = await evaluateAlertRules(t.db, rss(600), at(minute));
      expect(r.fired, `minute ${minute}`).toEqual([]);
    }
    const fired = await evaluateAlertRules(t.db, rss(640), at(10));
    expect(fired.fired).toHaveLength(1);
    // Still breaching: no second alert for the same rule and subject.
    expect((await evaluateAlertRules(t.db, rss(650), at(11))).fired).toEqual([]);
    const { items: open } = await listAlerts(t.db, { status: "FIRING" });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ ruleKey: "memory", severity: "P2", value: 640 });

    // One delivery job per routed channel (P2: webhook + e-mail, not the P0-only Slack).
    const { rows: jobs } = await sql<{ count: number }>`
      SELECT count(*)::int AS count FROM graphile_worker.jobs WHERE task_identifier = 'notification_deliver'`.execute(
      t.db,
    );
    expect(jobs[0]?.count).toBe(2);
    await deliverPending();

    const hook = received.find((r) => r.path.startsWith("/hook"));
    expect(hook).toBeDefined();
    const signature = String(hook?.headers[SIGNATURE_HEADER]);
    const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
    expect(mac).toBe(createHmac("sha256", signingSecret).update(`${ts}.${hook?.body}`).digest("hex"));
    expect(JSON.parse(hook?.body ?? "{}")).toMatchObject({
      event: "ALERT_FIRING",
      alert: { rule: "memory", value: 640 },
    });
    expect(received.some((r) => r.path === "/slack")).toBe(false);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to).toEqual(["oncall@radha.test"]);
    expect(mails[0]?.data).toContain("[P2 FIRING] Memory above 512 MB");

    const recovered = await evaluateAlertRules(t.db, rss(300), at(12));
    expect(recovered.resolved).toEqual([open[0]?.id]);
    const { items: resolved } = await listAlerts(t.db, { status: "RESOLVED" });
    expect(resolved.map((a) => a.id)).toEqual([open[0]?.id]);
    await deliverPending();
    expect(mails.at(-1)?.data).toContain("[P2 RESOLVED]");
    expect(received.filter((r) => r.path.startsWith("/hook")).map((r) => JSON.parse(r.body).event)).toEqual([
      "ALERT_FIRING",
      "ALERT_RESOLVED",
    ]);
    const { items: deliveries } = await listDeliveries(t.db, { status: "SENT" });
    expect(deliveries).toHaveLength(4);
  });

  it("retries a failing receiver, shows the failure, and gives up after the last attempt", async () => {
    failWith = 503;
    // A breach that recovers and comes back is a new alert (after the hold).
    const at = (m: number) => new Date(Date.UTC(2026, 11, 1, 11, m));
    await evaluateAlertRules(t.db, rss(700), at(0));
    const { fired } = await evaluateAlertRules(t.db, rss(700), at(10));
    expect(fired).toHaveLength(1);
    const { items } = await listDeliveries(t.db, { status: "PENDING" });
    const hook = items.find((d) => d.channelName === "pager");
    if (!hook) throw new Error("no webhook delivery queued");
    await expect(deliverNotification(deps(), hook.id)).rejects.toThrow(
      /attempt 1 failed: .* answered HTTP 503/,
    );
    const { items: retrying } = await listDeliveries(t.db, { status: "RETRYING" });
    expect(retrying.find((d) => d.id === hook.id)).toMatchObject({
      attempts: 1,
      lastError: expect.stringMatching(/HTTP 503/),
    });
    expect(JSON.stringify(retrying)).not.toContain("s3cret-in-url");
    for (let attempt = 2; attempt < 5; attempt++)
      await expect(deliverNotification(deps(), hook.id)).rejects.toThrow();
    const last = await deliverNotification(deps(), hook.id);
    expect(last).toMatchObject({ status: "FAILED", attempts: 5 });
    failWith = 0;
  });

  it("a receiver that recovers gets the retried delivery", async () => {
    failWith = 500;
    const at = (m: number) => new Date(Date.UTC(2026, 11, 1, 12, m));
    await evaluateAlertRules(t.db, rss(100), at(0)); // recovery of the previous alert
    await evaluateAlertRules(t.db, rss(800), at(1));
    await evaluateAlertRules(t.db, rss(800), at(11));
    const { items } = await listDeliveries(t.db, { status: "PENDING" });
    const hook = items.find((d) => d.channelName === "pager" && d.event === "ALERT_FIRING");
    if (!hook) throw new Error("no webhook delivery queued");
    await expect(deliverNotification(deps(), hook.id)).rejects.toThrow();
    failWith = 0;
    expect(await deliverNotification(deps(), hook.id)).toMatchObject({
      status: "SENT",
      attempts: 2,
      lastError: null,
    });
  });

  it("admins edit rules, audited with the reason", async () => {
    const rule = (await listAlertRules(t.db)).find((r) => r.key === "http_p95");
    if (!rule) throw new Error("seeded rule missing");
    const updated = await updateAlertRule(t.db, admin, {
      id: rule.id,
      threshold: 1.5,
      reason: "tighter SLO",
    });
    expect(updated).toMatchObject({ threshold: 1.5, updatedBy: "admin@radha.test" });
    const { items } = await listAuditEvents(t.db, { action: "alerts.update_rule" });
    expect(items[0]).toMatchObject({
      reason: "tighter SLO",
      before: { threshold: 2 },
      after: { threshold: 1.5 },
    });
    await expect(updateAlertRule(t.db, admin, { id: rule.id, threshold: 1, reason: "" })).rejects.toThrow(
      /reason/,
    );
  });

  it("honours a rule's volume floor", async () => {
    const at = (m: number) => new Date(Date.UTC(2026, 11, 2, 9, m));
    const low = [
      { metric: "webhook_success_rate", subject: "STRIPE", value: 0.5 },
      { metric: "webhook_decided_24h", subject: "STRIPE", value: 4 },
    ];
    await evaluateAlertRules(t.db, low, at(0));
    expect((await evaluateAlertRules(t.db, low, at(30))).fired).toEqual([]);
    const busy = low.map((s) => (s.metric === "webhook_decided_24h" ? { ...s, value: 40 } : s));
    await evaluateAlertRules(t.db, busy, at(31));
    expect((await evaluateAlertRules(t.db, busy, at(41))).fired).toHaveLength(1);
  });
});
