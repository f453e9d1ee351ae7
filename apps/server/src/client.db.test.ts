// Calls a real server over HTTP through createOpsClient.
import { createOpsClient, opsErrorCode, TRPCClientError, type OpsOutputs } from "@radha/client";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createTestServer, type TestServer } from "./testing";

let server: TestServer;

beforeAll(async () => {
  server = await createTestServer();
  await server.listen();
});

afterAll(async () => {
  await server.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("createOpsClient", () => {
  it("authenticates with a service token and returns typed results", async () => {
    const client = createOpsClient({ url: server.url, token: await server.serviceToken("OPERATOR") });

    const me = await client.auth.me.query();
    expectTypeOf(me).toEqualTypeOf<OpsOutputs["auth"]["me"]>();
    expectTypeOf(me.role).toEqualTypeOf<"VIEWER" | "OPERATOR" | "ADMIN">();
    expect(me).toMatchObject({ kind: "service", role: "OPERATOR", email: null });
    expect(me.name).toMatch(/^svc-operator-/);

    const health = await client.system.health.query();
    expectTypeOf(health).toEqualTypeOf<OpsOutputs["system"]["health"]>();
    expectTypeOf(health.checks[0]).toEqualTypeOf<
      OpsOutputs["system"]["health"]["checks"][number] | undefined
    >();
    const database = health.checks.find((c) => c.name === "database");
    expect(database?.status).toBe("pass");
    expect(database?.critical).toBe(true);
  });

  it("tolerates a trailing slash and a custom fetch", async () => {
    const seen: string[] = [];
    const client = createOpsClient({
      url: `${server.url}/`,
      token: await server.serviceToken("VIEWER"),
      fetch: (input, init) => {
        seen.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    await expect(client.auth.me.query()).resolves.toMatchObject({ role: "VIEWER" });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain(`${server.url}/api/trpc/auth.me`);
  });

  it("rejects a VIEWER calling an ADMIN procedure with FORBIDDEN", async () => {
    const client = createOpsClient({ url: server.url, token: await server.serviceToken("VIEWER") });
    const error = await rejection(client.tokens.list.query());
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(opsErrorCode(error)).toBe("FORBIDDEN");
    expect((error as Error).message).toMatch(/ADMIN/);
  });

  it("lets an ADMIN call the same procedure", async () => {
    const client = createOpsClient({ url: server.url, token: (await server.signIn("ADMIN")).accessToken });
    const tokens = await client.tokens.list.query();
    expect(tokens.items.map((t) => t.role)).toContain("VIEWER");
  });

  it("rejects an unknown token with UNAUTHORIZED", async () => {
    const client = createOpsClient({ url: server.url, token: "rso_not-a-real-token" });
    const error = await rejection(client.auth.me.query());
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(opsErrorCode(error)).toBe("UNAUTHORIZED");
  });

  it("rejects a revoked token with UNAUTHORIZED", async () => {
    // Tokens are managed by people signed in, never by other tokens.
    const admin = createOpsClient({ url: server.url, token: (await server.signIn("ADMIN")).accessToken });
    const created = await admin.tokens.create.mutate({ name: "revoke-me", role: "VIEWER" });
    const client = createOpsClient({ url: server.url, token: created.token });
    await expect(client.auth.me.query()).resolves.toMatchObject({ name: "revoke-me" });
    await admin.tokens.revoke.mutate({ tokenId: created.info.id });
    expect(opsErrorCode(await rejection(client.auth.me.query()))).toBe("UNAUTHORIZED");
  });
});
