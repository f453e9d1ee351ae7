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
  "auth.changePassword": "VIEWER",
  "auth.totpBegin": "ADMIN",
  "auth.totpConfirm": "ADMIN",
  "system.health": "VIEWER",
  "system.flags": "VIEWER",
  "system.setFlag": "ADMIN",
  "users.list": "ADMIN",
  "users.create": "ADMIN",
  "users.suspend": "ADMIN",
  "users.restore": "ADMIN",
  "users.changeRole": "ADMIN",
  "users.resetPassword": "ADMIN",
  "tokens.list": "ADMIN",
  "tokens.create": "ADMIN",
  "tokens.revoke": "ADMIN",
  "audit.list": "OPERATOR",
  "audit.verify": "ADMIN",
  "audit.securityEvents": "ADMIN",
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
  "orders.list": "VIEWER",
  "orders.get": "VIEWER",
  "orders.reviewQueue": "VIEWER",
  "orders.failedPayments": "VIEWER",
  "orders.resolveReview": "OPERATOR",
  "orders.returnStock": "OPERATOR",
  "security.keys": "ADMIN",
  "security.dbPassword": "ADMIN",
  "security.rotateDbPassword": "ADMIN",
  "security.rotateKeys": "ADMIN",
  "security.revokeKey": "ADMIN",
  "security.sessions": "ADMIN",
  "security.revokeSessions": "ADMIN",
  "security.webhookSecrets": "ADMIN",
  "security.addWebhookSecret": "ADMIN",
  "security.expireWebhookSecret": "ADMIN",
  "security.revokeWebhookSecret": "ADMIN",
  "security.checkProviders": "ADMIN",
  "security.keyRotations": "ADMIN",
  "security.startKeyRotation": "ADMIN",
  "security.completeRotationStep": "ADMIN",
  "security.abandonKeyRotation": "ADMIN",
  "backups.list": "VIEWER",
  "backups.get": "VIEWER",
  "backups.health": "VIEWER",
  "backups.create": "OPERATOR",
  "backups.verify": "OPERATOR",
  "backups.prunePreview": "OPERATOR",
  "backups.prune": "ADMIN",
  "backups.restorePreview": "ADMIN",
  "backups.restore": "ADMIN",
  "backups.restoreStart": "ADMIN",
  "backups.restoreStatus": "ADMIN",
  "backups.drills": "VIEWER",
  "backups.runDrill": "OPERATOR",
  "database.status": "VIEWER",
  "database.cancel": "ADMIN",
  "database.terminate": "ADMIN",
  "dataMigrations.list": "VIEWER",
  "dataMigrations.dryRun": "OPERATOR",
  "dataMigrations.run": "ADMIN",
  "dataMigrations.pause": "ADMIN",
  "monitoring.metrics": "VIEWER",
  "monitoring.series": "VIEWER",
  "monitoring.rules": "VIEWER",
  "monitoring.updateRule": "ADMIN",
  "monitoring.alerts": "VIEWER",
  "monitoring.acknowledgeAlert": "OPERATOR",
  "monitoring.channels": "VIEWER",
  "monitoring.createChannel": "ADMIN",
  "monitoring.channel": "VIEWER",
  "monitoring.updateChannel": "ADMIN",
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

// Only people signed in may call these; a service token of any role is FORBIDDEN (issue 10).
const PEOPLE_ONLY = [
  "auth.changePassword",
  "auth.totpBegin",
  "auth.totpConfirm",
  "users.list",
  "users.create",
  "users.suspend",
  "users.restore",
  "users.changeRole",
  "users.resetPassword",
  "tokens.list",
  "tokens.create",
  "tokens.revoke",
];

// At run time tRPC keeps a flat map of dotted paths to procedures (its type says nested).
const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: Meta } }>;
const ROLES: TStaffRole[] = ["VIEWER", "OPERATOR", "ADMIN"];

let s: TestApi;
// Each role as a signed-in person, and as a service token.
const tokens = {} as Record<TStaffRole, string>;
const serviceTokens = {} as Record<TStaffRole, string>;
beforeAll(async () => {
  s = await createTestApi();
  for (const role of ROLES) {
    tokens[role] = (await s.signIn(role)).accessToken;
    serviceTokens[role] = await s.serviceToken(role);
  }
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
    const peopleOnly = Object.entries(procedures)
      .filter(([, p]) => p._def.meta?.peopleOnly)
      .map(([path]) => path);
    expect(peopleOnly.sort()).toEqual([...PEOPLE_ONLY].sort());
  });

  for (const path of Object.keys(EXPECTED)) {
    it(`${path}: callers get exactly what ${EXPECTED[path]} allows`, async () => {
      const min = EXPECTED[path]!;
      const anonymous = await codeOf(null, path);
      if (min === "PUBLIC") {
        // Public: who calls makes no difference (a refresh without a session is still refused).
        expect(anonymous).not.toBe("FORBIDDEN");
        for (const bearer of [
          ...ROLES.map((r) => tokens[r]),
          ...ROLES.map((r) => serviceTokens[r]),
          "not-a-token",
        ])
          expect(await codeOf(bearer, path)).toBe(anonymous);
        return;
      }
      expect(anonymous).toBe("UNAUTHORIZED");
      expect(await codeOf("not-a-token", path)).toBe("UNAUTHORIZED");
      for (const role of ROLES) {
        // Signing out ends the session the rest of the matrix uses: it gets a session of its own.
        const person = path === "auth.logout" ? (await s.signIn(role)).accessToken : tokens[role];
        const code = await codeOf(person, path);
        if (roleAtLeast(role, min)) expect(code, `${role} on ${path}`).not.toMatch(/UNAUTHORIZED|FORBIDDEN/);
        else expect(code, `${role} on ${path}`).toBe("FORBIDDEN");
        const asToken = await codeOf(serviceTokens[role], path);
        if (roleAtLeast(role, min) && !PEOPLE_ONLY.includes(path))
          expect(asToken, `${role} token on ${path}`).not.toMatch(/UNAUTHORIZED|FORBIDDEN/);
        else expect(asToken, `${role} token on ${path}`).toBe("FORBIDDEN");
      }
    });
  }
});
