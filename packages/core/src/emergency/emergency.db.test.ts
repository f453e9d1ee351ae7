// Emergency switches and the recovery checklist. The Redis here is one this test starts on its
// own port (never the machine's 6379), so stopping it touches nobody else.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../audit/audit.service";
import { listAuditEvents } from "../audit/audit.service";
import { declareIncident, getIncident } from "../incidents/incidents.service";
import { createMemoryStore, createRedisStore, type SharedStore } from "../shared-store";
import { createTestDatabase, type TestDatabase } from "../testing/index";
import { getEmergencyState, resumePayments, stopPayments } from "./emergency.service";
import { runEmergencyCheck } from "./checklist.service";
import { createFlagCache } from "./flag-cache";

let t: TestDatabase;
const operator: Actor = { type: "USER", id: null, label: "oncall@radha.test" };
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    "/usr/bin/redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--save", ""],
    { stdio: "ignore" },
  );
  const store = createRedisStore(`redis://127.0.0.1:${port}`, "radha:");
  for (let i = 0; i < 50; i++) {
    try {
      await store.ping(200);
      await store.close();
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await store.close();
  throw new Error("test redis did not start");
}

async function stopRedis(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

describe("emergency switches", () => {
  it("stops payments and turns maintenance on in one audited transaction, and resumes", async () => {
    const store = createMemoryStore();
    const heard: string[] = [];
    await store.subscribe("system:flags-changed", (m) => heard.push(m));
    await stopPayments(t.db, store, operator, { reason: "card testing attack" });
    expect(await getEmergencyState(t.db)).toEqual({ paymentsEnabled: false, maintenanceMode: true });
    const { items } = await listAuditEvents(t.db, { action: "emergency." });
    expect(items[0]).toMatchObject({
      action: "emergency.stop_payments",
      reason: "card testing attack",
      after: { payments_enabled: false, maintenance_mode: true },
    });
    expect(heard).toHaveLength(1);
    await expect(stopPayments(t.db, store, operator, { reason: "" })).rejects.toThrow(/reason/);
    await resumePayments(t.db, store, operator, {});
    expect(await getEmergencyState(t.db)).toEqual({ paymentsEnabled: true, maintenanceMode: false });
    await store.close();
  });

  it("a flag cache re-reads the database when a change is announced", async () => {
    const store = createMemoryStore();
    const cache = createFlagCache(t.db, store, { refreshMs: 60_000 });
    await cache.start();
    expect(await cache.get("maintenance_mode")).toBe(false);
    await stopPayments(t.db, store, operator, { reason: "drill" });
    await expect.poll(() => cache.get("maintenance_mode"), { timeout: 1_000, interval: 20 }).toBe(true);
    await resumePayments(t.db, store, operator);
    await cache.stop();
    await store.close();
  });
});

describe("recovery checklist", () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess | undefined;
  let store: SharedStore;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "radha-redis-"));
    port = await freePort();
    redis = await startRedis(port, dir);
    store = createRedisStore(`redis://127.0.0.1:${port}`, "radha:");
  });
  afterAll(async () => {
    await store.close();
    if (redis?.exitCode === null) await stopRedis(redis);
    await rm(dir, { recursive: true, force: true });
  });

  const deps = () => ({
    db: t.db,
    store,
    providerChecks: () => Promise.resolve([]),
    diskPaths: [{ label: "data", path: tmpdir() }],
  });

  it("reports a stopped Redis as fail without touching its data, stores the report and attaches it to the open incident", async () => {
    await store.set("session:keep-me", "1");
    const incident = await declareIncident(t.db, operator, { title: "Redis flapping", severity: "P1" });

    const healthy = await runEmergencyCheck(deps(), operator);
    expect(healthy.steps.find((s) => s.name === "redis")).toMatchObject({ status: "pass" });
    expect(healthy.steps.find((s) => s.name === "database")).toMatchObject({
      status: "pass",
      message: "reachable and writable",
    });
    expect(healthy.steps.find((s) => s.name === "audit_chain")?.status).toBe("pass");
    expect(healthy.steps.find((s) => s.name === "backups")).toMatchObject({ status: "warn" });
    expect(healthy.steps.find((s) => s.name === "disk")?.figures).toHaveProperty("dataFreeBytes");
    expect(await store.get("session:keep-me")).toBe("1");

    await stopRedis(must(redis));
    const down = await runEmergencyCheck(deps(), operator);
    expect(down.status).toBe("fail");
    expect(down.steps.find((s) => s.name === "redis")).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/unreachable/),
    });
    expect(down.incidentIds).toEqual([incident.id]);
    const timeline = (await getIncident(t.db, incident.id)).timeline;
    expect(timeline.filter((e) => e.kind === "CHECK").map((e) => e.text)).toEqual([
      expect.stringMatching(/^Recovery checklist: WARN/),
      expect.stringMatching(/^Recovery checklist: FAIL \(.*redis fail/),
    ]);

    // Started again on the same data: the key the check never touched is still there.
    redis = await startRedis(port, dir);
    await expect.poll(() => store.get("session:keep-me").catch(() => null), { timeout: 5_000 }).toBe("1");
  });
});

function must<T>(v: T | undefined): T {
  if (v === undefined) throw new Error("missing");
  return v;
}
