// Every procedure, called anonymously and as each staff role: allowed, FORBIDDEN or
// UNAUTHORIZED exactly as declared. A new procedure must be added to EXPECTED to pass.
import { TRPCError } from "@trpc/server";
import { roleAtLeast, type TStaffRole } from "@radha/core/security/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "./testing";
import type { Meta } from "./init";
import { appRouter } from "./root";

const EXPECTED: Record<string, Meta["minRole"]> = {
  "webhooks.list": "VIEWER",
  "webhooks.get": "VIEWER",
  "webhooks.rejections": "VIEWER",
  "webhooks.health": "VIEWER",
  "webhooks.healthSeries": "VIEWER",
  "webhooks.replayOne": "OPERATOR",
  "webhooks.replayPreview": "OPERATOR",
  "webhooks.replayStart": "OPERATOR",
  "webhooks.replayCancel": "OPERATOR",
  "webhooks.replayRun": "VIEWER",
  "webhooks.replayRuns": "VIEWER",
  "auth.login": "PUBLIC",
  "auth.refresh": "PUBLIC",
  "auth.logout": "VIEWER",
  "auth.me": "VIEWER",
  "system.health": "VIEWER",
  "system.flags": "VIEWER",
  "system.setFlag": "ADMIN",
  "users.list": "ADMIN",
  "users.create": "ADMIN",
  "users.suspend": "ADMIN",
  "users.restore": "ADMIN",
  "users.changeRole": "ADMIN",
  "tokens.list": "ADMIN",
  "tokens.create": "ADMIN",
  "tokens.revoke": "ADMIN",
  "audit.list": "OPERATOR",
  "audit.verify": "ADMIN",
  "inventory.stock": "VIEWER",
  "inventory.changes": "VIEWER",
  "inventory.variantLedger": "VIEWER",
  "inventory.batches": "VIEWER",
  "inventory.batchReport": "VIEWER",
  "inventory.lowStock": "VIEWER",
  "inventory.resetPreview": "OPERATOR",
  "inventory.resetApply": "OPERATOR",
  "inventory.rollbackPreview": "OPERATOR",
  "inventory.rollback": "OPERATOR",
  "inventory.setThresholds": "OPERATOR",
  "inventory.scanLowStock": "OPERATOR",
  "monitoring.metrics": "VIEWER",
  "monitoring.series": "VIEWER",
  "monitoring.rules": "VIEWER",
  "monitoring.updateRule": "ADMIN",
  "monitoring.alerts": "VIEWER",
  "monitoring.acknowledgeAlert": "OPERATOR",
  "monitoring.channels": "VIEWER",
  "monitoring.createChannel": "ADMIN",
  "monitoring.setChannelEnabled": "ADMIN",
  "monitoring.deleteChannel": "ADMIN",
  "monitoring.testChannel": "ADMIN",
  "monitoring.deliveries": "VIEWER",
  "incidents.list": "VIEWER",
  "incidents.get": "VIEWER",
  "incidents.export": "VIEWER",
  "incidents.declare": "OPERATOR",
  "incidents.acknowledge": "OPERATOR",
  "incidents.note": "OPERATOR",
  "incidents.setStatus": "OPERATOR",
  "incidents.review": "OPERATOR",
  "emergency.state": "VIEWER",
  "emergency.stopPayments": "ADMIN",
  "emergency.resumePayments": "ADMIN",
  "emergency.setMaintenance": "ADMIN",
  "emergency.check": "OPERATOR",
  "emergency.checks": "VIEWER",
  "emergency.getCheck": "VIEWER",
};

// At run time tRPC keeps a flat map of dotted paths to procedures (its type says nested).
const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: Meta } }>;
const ROLES: TStaffRole[] = ["VIEWER", "OPERATOR", "ADMIN"];

let s: TestApi;
const tokens = {} as Record<TStaffRole, string>;
beforeAll(async () => {
  s = await createTestApi();
  for (const role of ROLES) tokens[role] = await s.serviceToken(role);
});
afterAll(() => s.close());

async function codeOf(bearer: string | null, path: string): Promise<string> {
  const caller = s.callerFor(bearer) as unknown as Record<
    string,
    Record<string, (input: unknown) => Promise<unknown>>
  >;
  const [ns, name] = path.split(".") as [string, string];
  try {
    // No input: allowed callers get as far as validation (BAD_REQUEST) or succeed; nothing is changed.
    await caller[ns]![name]!(undefined);
    return "OK";
  } catch (e) {
    if (e instanceof TRPCError) return e.code;
    throw e;
  }
}

describe("role matrix", () => {
  it("every procedure declares its minimum role, and the table lists every procedure", () => {
    const declared = Object.fromEntries(
      Object.entries(procedures).map(([path, p]) => [path, p._def.meta?.minRole]),
    );
    for (const [path, role] of Object.entries(declared))
      expect(role, `${path} has no declared role`).toBeDefined();
    expect(declared).toEqual(EXPECTED);
  });

  for (const path of Object.keys(EXPECTED)) {
    it(`${path}: callers get exactly what ${EXPECTED[path]} allows`, async () => {
      const min = EXPECTED[path]!;
      const anonymous = await codeOf(null, path);
      if (min === "PUBLIC") {
        // Public: who calls makes no difference (a refresh without a session is still refused).
        expect(anonymous).not.toBe("FORBIDDEN");
        for (const bearer of [...ROLES.map((r) => tokens[r]), "not-a-token"])
          expect(await codeOf(bearer, path)).toBe(anonymous);
        return;
      }
      expect(anonymous).toBe("UNAUTHORIZED");
      expect(await codeOf("not-a-token", path)).toBe("UNAUTHORIZED");
      for (const role of ROLES) {
        const code = await codeOf(tokens[role], path);
        if (roleAtLeast(role, min)) expect(code, `${role} on ${path}`).not.toMatch(/UNAUTHORIZED|FORBIDDEN/);
        else expect(code, `${role} on ${path}`).toBe("FORBIDDEN");
      }
    });
  }
});
