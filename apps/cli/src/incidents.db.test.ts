// `ops incidents …`, `ops emergency …` and `ops maintenance …` as a child process against a fresh
// database: the on-call journey from declaring to exporting, the payment switch, the checklist.
import { createTestDatabase, type TestDatabase } from "@radha/core/testing";
import type { TIncidentDetail } from "@radha/core/incidents/schema";
import type { TCheckReport } from "@radha/core/emergency/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "./env";
import { runOps } from "./testing";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const redisUrl = loadEnv().REDIS_URL;
const ops = (...args: string[]) =>
  runOps({ DATABASE_URL: database.url, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) }, args);

describe("ops incidents", () => {
  it("declare → note → status → show → review → export", async () => {
    const declared = await ops(
      "incidents",
      "declare",
      "--severity",
      "P0",
      "--title",
      "Checkout down",
      "--json",
    );
    expect(declared.code, declared.stderr).toBe(0);
    const incident = JSON.parse(declared.stdout) as TIncidentDetail;
    expect(incident).toMatchObject({ severity: "P0", status: "INVESTIGATING", title: "Checkout down" });
    const id = incident.id;

    expect((await ops("incidents", "note", id, "Looking at the pool")).code).toBe(0);
    const stop = await ops("emergency", "stop-payments", "--reason", "stop the bleeding");
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain("Payments are OFF and maintenance mode is ON.");
    expect((await ops("incidents", "status", id, "identified", "--note", "bad deploy")).code).toBe(0);
    expect((await ops("emergency", "resume-payments")).code).toBe(0);
    expect((await ops("incidents", "status", id, "RESOLVED")).code).toBe(0);

    const shown = await ops("incidents", "show", id, "--json");
    const detail = JSON.parse(shown.stdout) as TIncidentDetail;
    expect(detail.status).toBe("RESOLVED");
    expect(detail.timeline.map((e) => e.kind)).toEqual(
      expect.arrayContaining([
        "DECLARED",
        "NOTE",
        "emergency.stop_payments",
        "STATUS",
        "emergency.resume_payments",
      ]),
    );
    const human = await ops("incidents", "show", id);
    expect(human.stdout).toContain("P0 RESOLVED  Checkout down");

    const review = await ops(
      "incidents",
      "review",
      id,
      "--summary",
      "Deploy broke checkout",
      "--impact",
      "20 minutes without orders",
      "--root-cause",
      "Missing migration",
      "--action",
      "Gate deploys on migrations @release@radha.test",
    );
    expect(review.code, review.stderr).toBe(0);
    const exported = await ops("incidents", "export", id);
    expect(exported.stdout).toMatch(/^# P0 incident: Checkout down/);
    expect(exported.stdout).toContain("- [ ] Gate deploys on migrations — owner: release@radha.test");

    const list = await ops("incidents", "list", "--json");
    expect(JSON.parse(list.stdout).items[0]).toMatchObject({ id, status: "REVIEWED" });
  }, 240_000);

  it("usage errors exit 2, bad values exit 1 naming the problem", async () => {
    expect((await ops("incidents", "declare", "--title", "no severity")).code).toBe(2);
    const bad = await ops("incidents", "declare", "--severity", "P7", "--title", "x");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/P7.*P0, P1, P2, P3/);
    expect((await ops("incidents", "show", "not-an-id")).code).toBe(1);
  }, 120_000);
});

describe("ops maintenance and ops emergency check", () => {
  it("turns maintenance on and off with a reason", async () => {
    const on = await ops("maintenance", "on", "--reason", "restore drill", "--json");
    expect(JSON.parse(on.stdout)).toEqual({ paymentsEnabled: true, maintenanceMode: true });
    const off = await ops("maintenance", "off", "--reason", "done", "--json");
    expect(JSON.parse(off.stdout)).toEqual({ paymentsEnabled: true, maintenanceMode: false });
    expect((await ops("maintenance", "on")).code).toBe(2);
  }, 120_000);

  it("runs the recovery checklist and stores the report", async () => {
    const r = await ops("emergency", "check", "--json");
    const report = JSON.parse(r.stdout) as TCheckReport;
    expect(report.steps.map((s) => s.name)).toEqual([
      "database",
      "redis",
      "providers",
      "webhook_backlog",
      "job_queue",
      "backups",
      "audit_chain",
      "disk",
    ]);
    expect(report.steps.find((s) => s.name === "database")?.status).toBe("pass");
    expect(r.code).toBe(report.status === "fail" ? 1 : 0);
    const stored = await database.db.selectFrom("emergencyChecks").select("id").execute();
    expect(stored.map((x) => x.id)).toContain(report.id);
  }, 120_000);
});
