import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../audit/audit.service";
import { setFlag } from "../system/system.service";
import { createTestDatabase, type TestDatabase } from "../testing/index";
import { startReplay } from "../webhooks/replay.service";
import { dueAt } from "./timers";
import {
  addIncidentNote,
  declareIncident,
  getIncident,
  listIncidents,
  reviewIncident,
  setIncidentStatus,
} from "./incidents.service";
import { incidentToMarkdown } from "./export";

let t: TestDatabase;
const operator: Actor = { type: "USER", id: null, label: "operator@radha.test" };
const admin: Actor = { type: "USER", id: null, label: "admin@radha.test" };

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("incidents", () => {
  it("puts an operator's webhook replay and a flag change made while open on the timeline", async () => {
    const incident = await declareIncident(t.db, admin, { title: "Stripe payments failing", severity: "P1" });
    expect(incident.status).toBe("INVESTIGATING");
    await startReplay(
      t.db,
      operator,
      { filter: { provider: "STRIPE", status: "FAILED" } },
      { enqueue: false },
    );
    await setFlag(t.db, operator, { key: "payments_enabled", value: false, reason: "stop the bleeding" });
    await addIncidentNote(t.db, operator, { id: incident.id, text: "Replayed failed Stripe events" });

    const detail = await getIncident(t.db, incident.id);
    const kinds = detail.timeline.map((e) => `${e.source}:${e.kind}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        "incident:DECLARED",
        "audit:webhooks.replay_start",
        "audit:system.set_flag",
        "incident:ACKNOWLEDGED",
        "incident:NOTE",
      ]),
    );
    const flag = detail.timeline.find((e) => e.kind === "system.set_flag");
    expect(flag?.actor).toBe("operator@radha.test");
    expect(flag?.text).toContain("stop the bleeding");
    // The note acknowledged it: the acknowledge timer stopped.
    expect(detail.acknowledgedBy).toBe("operator@radha.test");
    expect(detail.timers.acknowledge.metAt).not.toBeNull();
  });

  it("breaches the P0 acknowledge timer when nobody acknowledges within 15 minutes", async () => {
    const incident = await declareIncident(t.db, admin, { title: "Site down", severity: "P0" });
    const declared = new Date(incident.declaredAt);
    expect(new Date(incident.timers.acknowledge.dueAt).getTime() - declared.getTime()).toBe(15 * 60_000);

    const at14 = await getIncident(t.db, incident.id, { now: new Date(declared.getTime() + 14 * 60_000) });
    expect(at14.timers.acknowledge.breached).toBe(false);
    expect(at14.timers.acknowledge.remainingSeconds).toBe(60);

    const at16 = await getIncident(t.db, incident.id, { now: new Date(declared.getTime() + 16 * 60_000) });
    expect(at16.timers.acknowledge).toMatchObject({ breached: true, metAt: null, remainingSeconds: -60 });
    expect(at16.timers.resolve.breached).toBe(false);

    // Acknowledged late (status change after 20 minutes): still breached, and stays so.
    await sql`UPDATE incidents SET declared_at = declared_at - interval '20 minutes',
      ack_due_at = ack_due_at - interval '20 minutes' WHERE id = ${incident.id}`.execute(t.db);
    const acked = await setIncidentStatus(t.db, operator, {
      id: incident.id,
      status: "IDENTIFIED",
      note: "bad deploy",
    });
    expect(acked.timers.acknowledge.breached).toBe(true);
    expect(acked.timers.acknowledge.metAt).not.toBeNull();
  });

  it("counts P3 targets in business days", () => {
    const friday = new Date("2026-12-04T18:00:00Z");
    expect(dueAt("P3", friday, "ack").toISOString()).toBe("2026-12-07T18:00:00.000Z");
  });

  it("goes through the lifecycle to a review and exports Markdown", async () => {
    const incident = await declareIncident(t.db, admin, { title: "Slow checkout", severity: "P2" });
    await expect(
      reviewIncident(t.db, admin, { id: incident.id, summary: "s", impact: "i", rootCause: "r" }),
    ).rejects.toThrow(/Resolve the incident/);
    for (const status of ["IDENTIFIED", "MONITORING", "RESOLVED"] as const)
      await setIncidentStatus(t.db, operator, { id: incident.id, status });
    await expect(setIncidentStatus(t.db, operator, { id: incident.id, status: "REVIEWED" })).rejects.toThrow(
      /review/,
    );
    const reviewed = await reviewIncident(t.db, admin, {
      id: incident.id,
      summary: "Checkout p95 went to 4 s",
      impact: "About 30 orders delayed",
      rootCause: "Missing index on order_items",
      actionItems: [{ text: "Add the index", owner: "dba@radha.test" }],
    });
    expect(reviewed.status).toBe("REVIEWED");
    expect(reviewed.resolvedAt).not.toBeNull();
    expect(reviewed.timeline.filter((e) => e.kind === "STATUS").map((e) => e.text)).toEqual([
      "INVESTIGATING → IDENTIFIED",
      "IDENTIFIED → MONITORING",
      "MONITORING → RESOLVED",
    ]);
    const md = incidentToMarkdown(reviewed);
    expect(md).toContain("# P2 incident: Slow checkout");
    expect(md).toContain("## Post-incident review");
    expect(md).toContain("- [ ] Add the index — owner: dba@radha.test");

    const { items } = await listIncidents(t.db, { status: "REVIEWED" });
    expect(items.map((i) => i.id)).toContain(incident.id);
  });

  it("refuses bad input with the field named", async () => {
    await expect(declareIncident(t.db, admin, { title: "x", severity: "P9" })).rejects.toThrow(/severity/);
    await expect(getIncident(t.db, "nope")).rejects.toThrow(/not an incident id/);
  });
});
