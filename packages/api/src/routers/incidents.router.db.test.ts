// The incident journey through the API: an alert fires, an operator declares an incident from it,
// works it (webhook replay, a flag change), resolves and reviews it, and exports it.
import { evaluateAlertRules } from "@radha/core/monitoring";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type Caller, type TestApi } from "../testing";

let s: TestApi;
let operator: Caller;
let admin: Caller;
let viewer: Caller;
beforeAll(async () => {
  s = await createTestApi();
  operator = (await s.signIn("OPERATOR", "op@radha.test")).caller;
  admin = (await s.signIn("ADMIN")).caller;
  viewer = (await s.signIn("VIEWER")).caller;
});
afterAll(() => s.close());

describe("incidents API", () => {
  it("alert → incident → timeline → review → export", async () => {
    const at = (m: number) => new Date(Date.now() - (20 - m) * 60_000);
    const breach = [{ metric: "pg_connections_ratio", subject: "", value: 0.93 }];
    await evaluateAlertRules(s.deps.db, breach, at(0));
    const { fired } = await evaluateAlertRules(s.deps.db, breach, at(6));
    expect(fired).toHaveLength(1);
    const { items: alerts } = await viewer.monitoring.alerts({ status: "FIRING" });
    const alert = alerts[0];
    expect(alert?.ruleKey).toBe("db_connections");

    const incident = await operator.incidents.declare({
      title: "DB connections exhausted",
      severity: "P1",
      alertId: alert?.id,
    });
    expect(incident.timeline[0]?.text).toMatch(/from alert "Database connections above 80 % of max"/);
    await operator.monitoring.acknowledgeAlert({ id: alert?.id ?? "" });
    await operator.webhooks.replayStart({ filter: { status: "FAILED" } });
    await admin.system.setFlag({ key: "maintenance_mode", value: true, reason: "shed load" });
    await operator.incidents.setStatus({
      id: incident.id,
      status: "IDENTIFIED",
      note: "pool leak in worker",
    });
    await operator.incidents.setStatus({ id: incident.id, status: "RESOLVED" });
    await operator.incidents.review({
      id: incident.id,
      summary: "Connections ran out",
      impact: "Checkout slow for 10 minutes",
      rootCause: "Leaked client",
      actionItems: [{ text: "Add pool metrics alert", owner: "op@radha.test" }],
    });
    const detail = await viewer.incidents.get({ id: incident.id });
    const kinds = detail.timeline.map((e) => e.kind);
    for (const k of [
      "DECLARED",
      "alerts.acknowledge",
      "webhooks.replay_start",
      "system.set_flag",
      "ACKNOWLEDGED",
      "STATUS",
      "REVIEW",
    ])
      expect(kinds, k).toContain(k);
    expect(detail.status).toBe("REVIEWED");
    const { markdown } = await viewer.incidents.export({ id: incident.id });
    expect(markdown).toContain("system.set_flag");
    expect(markdown).toContain("Add pool metrics alert — owner: op@radha.test");
  });

  it("viewers cannot declare; bad input names the field", async () => {
    await expect(viewer.incidents.declare({ title: "nope", severity: "P0" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(operator.incidents.declare({ title: "x", severity: "P0" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/title/),
    });
  });
});
